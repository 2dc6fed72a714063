import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { deployBuildOptions } from './bundles.ts';

// The deploy's bundler drops what a function never reads of the shared modules: the CloudEvent
// envelope from a function that only publishes, the consumer and publisher config shapes from one
// that loads neither. Each costs a cold start its bytes (docs/performance.md). Held by size, not by
// text: a bundle that exports one more of them must be larger than one that does not.
const root = process.cwd();

async function bundledBytes(module: string, names: string[]): Promise<number> {
  const result = await build({
    ...deployBuildOptions(root),
    stdin: {
      contents: `export { ${names.join(', ')} } from ${JSON.stringify(path.join(root, module))};`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    sourcemap: false,
    logLevel: 'silent',
  });
  return result.outputFiles.reduce((sum, file) => sum + file.contents.length, 0);
}

describe("the shared modules' parts a function never reads", () => {
  it('leave the CloudEvent envelope out of a function that only builds events', async () => {
    const builds = await bundledBytes('events/cloud-event.ts', ['buildCloudEvent']);
    const parses = await bundledBytes('events/cloud-event.ts', [
      'buildCloudEvent',
      'CloudEventEnvelope',
    ]);
    expect(parses - builds).toBeGreaterThan(500);
  });

  it.each(['consumerConfigShape', 'publisherConfigShape'])(
    'leave %s out of a function that does not load it',
    async (shape) => {
      const base = await bundledBytes('shared/config.ts', ['loadConfig', 'baseConfigShape']);
      const withShape = await bundledBytes('shared/config.ts', [
        'loadConfig',
        'baseConfigShape',
        shape,
      ]);
      expect(withShape - base).toBeGreaterThan(50);
    },
  );
});
