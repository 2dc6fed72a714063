import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The folder rules of the design, checked so that they survive forks and refactors.
const root = path.dirname(new URL(import.meta.url).pathname);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const relative = path.join(dir, name);
    if (statSync(path.join(root, relative)).isDirectory()) return sourceFiles(relative);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [relative] : [];
  });
}

const importsOf = (file: string): string[] =>
  [...readFileSync(path.join(root, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) =>
    m[1]?.startsWith('.') ? path.join(path.dirname(file), m[1]) : (m[1] ?? ''),
  );

describe('architecture', () => {
  it('a service never imports another service', () => {
    for (const file of sourceFiles('services')) {
      const own = file.split(path.sep)[1];
      const foreign = importsOf(file).filter(
        (i) => i.startsWith('services/') && i.split('/')[1] !== own,
      );
      expect(foreign, file).toEqual([]);
    }
  });

  it('services build no AWS clients: they come from shared/aws/clients.ts', () => {
    for (const file of sourceFiles('services')) {
      expect(readFileSync(path.join(root, file), 'utf8'), file).not.toMatch(/new \w+Client\(/);
    }
  });

  it('shared/ knows nothing of the services, and events/ does no I/O', () => {
    for (const file of sourceFiles('shared')) {
      expect(
        importsOf(file).filter((i) => i.startsWith('services/')),
        file,
      ).toEqual([]);
    }
    for (const file of sourceFiles('events')) {
      expect(
        importsOf(file).filter((i) => i.startsWith('shared/') || i.startsWith('@aws-sdk/')),
        file,
      ).toEqual([]);
    }
  });

  it('Lambda code never imports scripts/ or test/', () => {
    for (const file of [
      ...sourceFiles('services'),
      ...sourceFiles('shared'),
      ...sourceFiles('events'),
    ]) {
      expect(
        importsOf(file).filter((i) => /^(scripts|test)\//.test(i)),
        file,
      ).toEqual([]);
    }
  });

  it('shared/ writes its schemas with zod/mini through events/zod.ts: every function bundles it', () => {
    // A fork's own services and contracts may still use the chainable `zod` (docs/events.md).
    for (const file of sourceFiles('shared')) {
      // Types of either API cost nothing at run time (events/contract.ts, Schema).
      const source = readFileSync(path.join(root, file), 'utf8');
      expect(
        [...source.matchAll(/^import (?!type )[^;]*from '(zod(?:\/[^']*)?)'/gm)].map((m) => m[1]),
        `${file}: import * as z from events/zod.ts`,
      ).toEqual([]);
    }
  });

  // That Lambda code bundles no devDependency is checked on the bundles themselves, every kind of
  // import included: scripts/serverless/bundles.test.ts.

  it('the e2e tier calls the HTTP API only through apiClient, which checks answers against openapi.yaml', () => {
    const dir = path.join(root, 'test', 'e2e');
    const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.ts')) : [];
    for (const name of files) {
      expect(readFileSync(path.join(dir, name), 'utf8'), `test/e2e/${name}`).not.toMatch(
        /\bfetch\(/,
      );
    }
  });
});
