import { describe, expect, it } from 'vitest';
import { usdPerMillion } from './aws-costs.ts';

describe('USD per calculation (npm run bench, end to end)', () => {
  it('prices calls from the AWS list prices it cites', () => {
    const usd = usdPerMillion({
      callsPerCalculation: { 'dynamodb:PutItem': 2, 'dynamodb:GetItem': 1, 'sns:Publish': 2 },
      queueMessagesPerCalculation: 4,
      invocationsPerCalculation: 5,
      msPerInvocation: 100,
      memoryMb: 1024,
      httpRequestsPerCalculation: 1,
    });
    expect(usd.dynamodb).toBeCloseTo(2 * 0.625 + 0.125);
    expect(usd.sns).toBeCloseTo(1.0);
    expect(usd.sqs).toBeCloseTo(8 * 0.4);
    expect(usd.lambdaRequests).toBeCloseTo(1.0);
    expect(usd.lambdaDuration).toBeCloseTo(5 * 0.1 * 0.0000133334 * 1e6);
    expect(usd.httpApi).toBeCloseTo(1.0);
    expect(usd.total).toBeCloseTo(
      usd.dynamodb + usd.sns + usd.sqs + usd.lambdaRequests + usd.lambdaDuration + usd.httpApi,
    );
  });
});
