// The versions of the tools the scripts install (MiniStack, moto, cfn-lint, checkov, actionlint)
// live in scripts/requirements/, in the formats update bots read (pip requirements, go.mod), not
// in TypeScript constants no bot can see; these read them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const requirements = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'requirements');

/**
 * The pins of one tool (`name==version` lines) from scripts/requirements/<file>, where an update
 * bot can read and bump them (Renovate's pip_requirements manager); comments and blanks skipped.
 */
export function pinsOf(file: string): string[] {
  const pins = readFileSync(path.join(requirements, file), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
  const loose = pins.find((pin) => !/^[\w.[\]-]+==[\w.+-]+$/.test(pin));
  if (loose)
    throw new Error(`scripts/requirements/${file}: "${loose}" is not pinned (name==version)`);
  return pins;
}

/** The version a Go tool is required at in scripts/requirements/go.mod. */
export function goToolVersion(module: string): string {
  const goMod = readFileSync(path.join(requirements, 'go.mod'), 'utf8');
  const version = goMod.match(
    new RegExp(`^\\s*(?:require\\s+)?${module.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm'),
  )?.[1];
  if (!version) throw new Error(`scripts/requirements/go.mod requires no ${module}`);
  return version;
}
