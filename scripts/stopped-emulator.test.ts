import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// A newcomer runs a script before starting the emulator: one sentence saying so, exit 1, no stack.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let endpoint: string;

beforeAll(async () => {
  // A port nothing listens on: take a free one and close it again.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  endpoint = `http://127.0.0.1:${port}`;
});

const run = (script: string, ...args: string[]) =>
  spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [`scripts/${script}.ts`, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, AWS_ENDPOINT_URL: endpoint },
    timeout: 60_000,
  });

describe('scripts against a stopped emulator', () => {
  it.each([
    [
      'publish',
      'calculation.requested',
      '{"calculationId":"5f0c7d2e-2a53-4b0e-9d6f-8e1f1b9c0a11","operation":"add","a":"1","b":"2"}',
    ],
    ['dlq', 'list'],
    ['webhooks'],
  ])('%s says in one sentence that no emulator answers', (script, ...args) => {
    const result = run(script, ...args);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `No emulator answers at ${endpoint}: start one with \`npm run emulator -- start\` (or \`npm run deploy:local\`, which also deploys the stack).`,
    );
  });
});
