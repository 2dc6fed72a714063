import * as z from 'zod';
import { CalculationErrorCode } from '../../events/calculation-error-code.ts';
import { CalculationRequest } from '../../events/calculation-fields.ts';
import { Operation } from '../../events/operation.ts';
import type { HttpOperation } from '../../shared/http/operation.ts';
import { CalculationStatus } from './status.ts';

const decimal = (description: string) =>
  z.string().meta({ description: `${description}: a decimal number as a string, canonical.` });
const timestamp = (description: string) => z.iso.datetime({ offset: true }).meta({ description });

/** What GET /calculations/{id} shows of a stored calculation (never its owner). */
export const Calculation = z
  .object({
    calculationId: z.uuid(),
    status: CalculationStatus,
    operation: Operation,
    a: decimal('The first operand'),
    b: decimal('The second operand'),
    result: decimal('The result, once completed').optional(),
    error: z
      .object({ code: CalculationErrorCode, message: z.string() })
      .optional()
      .meta({ description: 'Why it failed, once failed.' }),
    createdAt: timestamp('When it was requested.'),
    updatedAt: timestamp('When it last changed.'),
  })
  .meta({ id: 'Calculation' });

export const getCalculation = {
  method: 'GET',
  path: '/calculations/{id}',
  operationId: 'getCalculation',
  summary: 'Read a calculation',
  description:
    'Its status and, once finished, its result or error. With an authenticated API, only the caller who requested it may read it.',
  request: { path: z.object({ id: z.uuid().meta({ description: 'The calculationId.' }) }) },
  responses: { 200: { description: 'The calculation.', body: Calculation } },
  problems: { 404: "No such calculation, or it is not the caller's." },
} satisfies HttpOperation;

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
    'Stores the calculation as pending and, in the same transaction, calculation.requested (the outbox); answers at once. GET /calculations/{id} reads it right away, its result once computed.',
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
