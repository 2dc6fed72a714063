import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from './2026-12-04-consumer-idempotency.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fork's serverless.yml with these custom.consumers entry bodies. */
function forkWith(yaml: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'zqx-migration-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'serverless.yml'), yaml);
  return dir;
}

const YAML = `service: zqx
custom:
  consumers:
    zqx-kept: # says it already
      handler: services/zqx-kept/worker.handler
      idempotency: handler
      retry: \${param:shortRetry}
    zqx-old:
      handler: services/zqx-old/worker.handler
      retry: \${param:shortRetry}
  other: 1
`;

describe('migration: custom.consumers entries state idempotency', () => {
  it('writes the old default under the handler of an entry that left it out, and nothing else', () => {
    const dir = forkWith(YAML);
    expect(migrate(dir)).toEqual(['serverless.yml']);
    expect(readFileSync(path.join(dir, 'serverless.yml'), 'utf8')).toBe(
      YAML.replace(
        '      handler: services/zqx-old/worker.handler\n',
        '      handler: services/zqx-old/worker.handler\n      idempotency: table\n',
      ),
    );
  });

  it('changes nothing where every entry says it, or there are no consumers', () => {
    const migrated = forkWith(YAML);
    migrate(migrated);
    const once = readFileSync(path.join(migrated, 'serverless.yml'), 'utf8');
    expect(migrate(migrated)).toEqual([]);
    expect(readFileSync(path.join(migrated, 'serverless.yml'), 'utf8')).toBe(once);
    expect(migrate(forkWith('service: zqx\ncustom: {}\n'))).toEqual([]);
  });
});
