import { CalculationErrorCode } from '../../events/calculation-error-code.ts';
import { calculationRequest } from '../../events/calculation-fields.ts';
import { DECIMAL_TEXT_SCHEMA, DecimalString } from '../../events/decimal.ts';
import { Operation } from '../../events/operation.ts';
import * as z from '../../events/zod.ts';
import type { HttpOperation } from '../../shared/http/operation.ts';
import { CalculationStatus } from './status.ts';

const decimal = (description: string) =>
  z
    .string()
    .check(z.meta({ description: `${description}: a decimal number as a string, canonical.` }));
const timestamp = (description: string) =>
  z.iso.datetime({ offset: true }).check(z.meta({ description }));

// Answers' bodies are documentation at run time (respond() is typed by them, never parses): z.lazy
// builds them only for openapi.yaml and tests, never at a cold start.

/** What GET /calculations/{id} shows of a stored calculation (never its owner). */
export const Calculation = z.lazy(() =>
  z
    .object({
      calculationId: z.uuid(),
      status: CalculationStatus,
      operation: Operation,
      a: decimal('The first operand'),
      b: decimal('The second operand'),
      result: z.optional(decimal('The result, once completed')),
      error: z
        .optional(z.object({ code: CalculationErrorCode, message: z.string() }))
        .check(z.meta({ description: 'Why it failed, once failed.' })),
      createdAt: timestamp('When it was requested.'),
      updatedAt: timestamp('When it last changed.'),
    })
    .check(z.meta({ id: 'Calculation' })),
);

export const getCalculation = {
  method: 'GET',
  path: '/calculations/{id}',
  operationId: 'getCalculation',
  summary: 'Read a calculation',
  description:
    'Its status and, once finished, its result or error. With an authenticated API, only the caller who requested it may read it.',
  request: {
    path: z.object({ id: z.uuid().check(z.meta({ description: 'The calculationId.' })) }),
  },
  responses: { 200: { description: 'The calculation.', body: Calculation } },
  problems: { 404: "No such calculation, or it is not the caller's." },
} satisfies HttpOperation;

export const CalculationAccepted = z.lazy(() =>
  z
    .object({
      calculationId: z
        .uuid()
        .check(z.meta({ description: 'Where to look: GET /calculations/{id}.' })),
      status: z.literal('pending'),
    })
    .check(z.meta({ id: 'CalculationAccepted' })),
);

/** An operand as a request may send it: the document carries the decimal text rule (openapi.yaml). */
const operand = (description: string) =>
  DecimalString.check(
    z.meta({
      description: `${description}: a decimal number, as a string (up to 34 significant digits, an optional exponent) or a JSON number.`,
      ...DECIMAL_TEXT_SCHEMA,
    }),
  );

/** The request body: the event's fields, with the operands' rule where JSON Schema can check it. */
const HttpCalculationRequest = z.lazy(() =>
  z
    .extend(calculationRequest(), {
      a: operand('The first operand'),
      b: operand('The second operand'),
    })
    .check(z.meta({ id: 'CalculationRequest' })),
);

export const requestCalculation = {
  method: 'POST',
  path: '/calculations',
  operationId: 'requestCalculation',
  summary: 'Request a calculation',
  description:
    'Stores the calculation as pending and, in the same transaction, calculation.requested (the outbox); answers at once. GET /calculations/{id} reads it right away, its result once computed.',
  request: { body: HttpCalculationRequest },
  idempotent: true,
  responses: {
    202: {
      description: 'Accepted: the calculation is under way.',
      body: CalculationAccepted,
      headers: z.object({
        Location: z.string().check(z.meta({ description: 'The calculation: /calculations/{id}.' })),
      }),
    },
  },
} as const satisfies HttpOperation;
