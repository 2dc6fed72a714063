import { describe, expect, it } from 'vitest';
import { pathPattern } from './path-pattern.ts';

describe('pathPattern', () => {
  it.each([
    ['/orders/{id}', '/orders/42', true],
    ['/orders/{id}', '/orders/42/', true],
    ['/orders/{id}', '/orders/42/items', false],
    ['/orders/{id}', '/orders/', false],
    ['/v1.0/orders', '/v1.0/orders', true],
    ['/v1.0/orders', '/v1x0/orders', false],
    ['/shops/{shop}/orders/{id}', '/shops/s-1/orders/o-2', true],
  ])('%s matches %s: %s', (template, requestPath, matches) => {
    expect(pathPattern(template).test(requestPath)).toBe(matches);
  });
});
