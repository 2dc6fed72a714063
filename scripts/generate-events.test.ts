import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { asyncApiPath, examplesDir, renderAsyncApi, renderExamples } from './generate-events.ts';

describe('generated event documents', () => {
  it('events/asyncapi.yaml is up to date (run `npm run asyncapi`)', () => {
    expect(readFileSync(asyncApiPath, 'utf8')).toBe(renderAsyncApi());
  });

  it('events/examples are up to date (run `npm run asyncapi`)', () => {
    const expected = renderExamples();
    expect(readdirSync(examplesDir).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) {
      expect(readFileSync(path.join(examplesDir, name), 'utf8')).toBe(text);
    }
  });

  it('is a valid AsyncAPI 3.0 document', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(asyncApiPath, 'utf8'));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(
      document
        ?.allMessages()
        .all()
        .map((m) => m.name()),
    ).toEqual(
      expect.arrayContaining([
        'calculation.requested',
        'calculation.completed',
        'calculation.failed',
        'notification.sent',
      ]),
    );
  });
});
