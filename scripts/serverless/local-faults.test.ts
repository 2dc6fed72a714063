import { describe, expect, it } from 'vitest';
import { functionsEndpoint } from './local-faults.ts';

const emulator = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };
const proxy = 'http://127.0.0.1:4567';

describe('the local fault switch', () => {
  it('applies to emulator stages deployed to an emulator', () => {
    for (const stage of ['local', 'chaos'])
      expect(functionsEndpoint(stage, { ...emulator, LOCAL_FUNCTIONS_AWS_ENDPOINT: proxy })).toBe(
        proxy,
      );
  });

  it('never applies to other stages, to AWS, or when unset', () => {
    expect(
      functionsEndpoint('dev', { ...emulator, LOCAL_FUNCTIONS_AWS_ENDPOINT: proxy }),
    ).toBeUndefined();
    expect(
      functionsEndpoint('prod', { ...emulator, LOCAL_FUNCTIONS_AWS_ENDPOINT: proxy }),
    ).toBeUndefined();
    expect(functionsEndpoint('local', { LOCAL_FUNCTIONS_AWS_ENDPOINT: proxy })).toBeUndefined();
    expect(functionsEndpoint('local', emulator)).toBeUndefined();
  });

  it('refuses to send the functions anywhere but this machine', () => {
    expect(() =>
      functionsEndpoint('local', {
        ...emulator,
        LOCAL_FUNCTIONS_AWS_ENDPOINT: 'http://10.0.0.5:4567',
      }),
    ).toThrow(/must point at this machine/);
  });
});
