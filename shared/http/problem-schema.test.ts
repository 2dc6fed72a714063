import { describe, expect, it } from 'vitest';
import { HttpProblem, problemResponse } from './problem.ts';
import { ProblemDetails } from './problem-schema.ts';

// openapi.yaml describes every problem with ProblemDetails: it must hold what problemResponse
// writes, cut lists and extensions included.
describe('ProblemDetails', () => {
  it.each([
    ['a bare problem', new HttpProblem(500, 'Internal Server Error'), undefined],
    ['a detail and the path', new HttpProblem(404, 'Not Found', 'No order 7'), '/orders/7'],
    [
      'a cut list of invalid fields',
      new HttpProblem(400, 'Invalid request', 'many', {
        errors: Array.from({ length: 30 }, (_, i) => ({ field: `body.f${i}`, message: 'bad' })),
      }),
      '/orders',
    ],
    ['a code', new HttpProblem(400, 'Invalid request', 'x', { code: 'INVALID_DATA' }), '/orders'],
  ])('describes %s', (_, problem, instance) => {
    const body = JSON.parse(problemResponse(problem, instance).body ?? '');
    expect(ProblemDetails.parse(body)).toEqual(body);
  });
});
