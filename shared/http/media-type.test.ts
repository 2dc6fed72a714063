import { describe, expect, it } from 'vitest';
import { isJsonMediaType } from './media-type.ts';

describe('isJsonMediaType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['application/problem+json', true],
    ['application/vnd.api+json;charset=utf-8', true],
    ['application/jsonx', false],
    ['text/json', false],
    ['application/x-www-form-urlencoded', false],
    ['', false],
  ])('%s → %s', (contentType, json) => {
    expect(isJsonMediaType(contentType)).toBe(json);
  });
});
