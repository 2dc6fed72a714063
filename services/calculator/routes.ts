import * as z from 'zod';
import { CalculationRequest } from '../../events/calculation-fields.ts';
import type { HttpOperation } from '../../shared/http/operation.ts';

export const CalculationAccepted = z
  .object({
    calculationId: z.uuid().meta({ description: 'Where to look: GET /calculations/{id}.' }),
    status: z.literal('pending'),
  })
  .meta({ id: 'CalculationAccepted' });

export const requestCalculation = {
  method: 'POST',
  path: '/calculations',
  operationId: 'requestCalculation',
  summary: 'Request a calculation',
  description:
    'Publishes calculation.requested and answers at once; the result is computed asynchronously and read with GET /calculations/{id}.',
  request: { body: CalculationRequest.meta({ id: 'CalculationRequest' }) },
  idempotent: true,
  responses: {
    202: {
      description: 'Accepted: the calculation is under way.',
      body: CalculationAccepted,
      headers: z.object({
        Location: z.string().meta({ description: 'The calculation: /calculations/{id}.' }),
      }),
    },
  },
} as const satisfies HttpOperation;
