import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { goToolVersion, pinsOf } from './tool-pins.ts';

// Every pin where an update bot sees it, and the copies of one version kept as one.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const imageTag = (image: string) =>
  read('docker-compose.yml').match(new RegExp(`image: ${image}:(\\S+)`))?.[1];

describe('tool pins', () => {
  it('pins every Python tool to one version (name==version)', () => {
    for (const file of readdirSync(path.join(root, 'scripts/requirements')))
      if (file.endsWith('.txt')) expect(pinsOf(file).length, file).toBeGreaterThan(0);
    expect(goToolVersion('github.com/rhysd/actionlint')).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('runs the emulator images of docker-compose.yml at the versions the tests run', () => {
    expect(`ministack==${imageTag('ministackorg/ministack')}`).toBe(pinsOf('ministack.txt')[0]);
    const localstack = read('scripts/localstack/requirements.in').match(
      /^localstack-core\[runtime\]==(\S+)$/m,
    )?.[1];
    expect(imageTag('localstack/localstack')).toBe(localstack);
  });

  it('pins every GitHub Action by commit, with its version beside it', () => {
    for (const file of readdirSync(path.join(root, '.github/workflows'))) {
      const uses = [...read(`.github/workflows/${file}`).matchAll(/uses:\s*(\S+)(.*)$/gm)];
      expect(uses.length, file).toBeGreaterThan(0);
      for (const [, action, rest] of uses)
        expect(`${action}${rest}`, file).toMatch(
          /^(\.\/\S+|[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2})$/,
        );
    }
  });
});
