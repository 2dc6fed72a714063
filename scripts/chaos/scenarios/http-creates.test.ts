import { describe, expect, it } from 'vitest';
import { createRoutes } from './http-creates.ts';

describe('the create routes chaos drives', () => {
  it('takes each POST answering 201 with a Location whose body documents an example, and nothing else', () => {
    const created = { '201': { headers: { Location: { schema: { type: 'string' } } } } };
    const body = (schema: object) => ({ content: { 'application/json': { schema } } });
    const document = {
      paths: {
        '/zqx-orders': {
          post: { requestBody: body({ $ref: '#/components/schemas/NewZqx' }), responses: created },
        },
        '/zqx-no-example': { post: { requestBody: body({ type: 'object' }), responses: created } },
        '/zqx-accepted': {
          post: { requestBody: body({ examples: [{ a: 1 }] }), responses: { '202': {} } },
        },
        '/zqx-orders/{id}': { get: { responses: { '200': {} } } },
      },
      components: { schemas: { NewZqx: { type: 'object', examples: [{ description: 'x' }] } } },
    };
    expect(createRoutes(document)).toEqual([{ path: '/zqx-orders', body: { description: 'x' } }]);
  });
});
