import { SNSClient } from '@aws-sdk/client-sns';
import Decimal from 'decimal.js';
import { cloudEvent, derivedId, type Event, publish, sqsBatch } from './events.ts';

// The calculator, bare: calculation.requested → calculation.completed (or .failed on a division
// by zero), in decimal128 precision, under an id derived from the request's.

const sns = new SNSClient({});
const Decimal128 = Decimal.clone({ precision: 34, rounding: Decimal.ROUND_HALF_EVEN });

function calculate(operation: string, a: string, b: string) {
  const x = new Decimal128(a);
  const y = new Decimal128(b);
  if (operation === 'divide' && y.isZero())
    return { error: { code: 'DIVISION_BY_ZERO', message: 'Cannot divide by zero' } };
  const result =
    operation === 'add'
      ? x.plus(y)
      : operation === 'subtract'
        ? x.minus(y)
        : operation === 'multiply'
          ? x.times(y)
          : x.dividedBy(y);
  return { result: result.toString() };
}

export const handler = sqsBatch(async (event: Event) => {
  const data = event.data as { operation: string; a: string; b: string };
  const outcome = calculate(data.operation, data.a, data.b);
  const type = 'result' in outcome ? 'calculation.completed' : 'calculation.failed';
  await publish(
    sns,
    cloudEvent(type, { ...event.data, ...outcome }, 'calculator', {
      id: derivedId(`${event.id} calculator ${type} 1`),
      cause: event,
    }),
  );
});
