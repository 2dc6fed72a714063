import { describe, expect, it } from 'vitest';
import { camelCase, pascalCase } from './case.ts';

describe('kebab-case names', () => {
  it('become PascalCase and camelCase, digits kept', () => {
    expect(pascalCase('order-events')).toBe('OrderEvents');
    expect(camelCase('order-events')).toBe('orderEvents');
    expect(pascalCase('audit')).toBe('Audit');
    expect(camelCase('v2-audit-3x')).toBe('v2Audit3x');
  });
});
