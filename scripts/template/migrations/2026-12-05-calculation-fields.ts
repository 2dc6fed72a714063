// The example's shared calculation fields became functions that build them (the schemas are
// built on first use, docs/performance.md): `CalculationFields` → `calculationFields()`,
// `CalculationRequest` → `calculationRequest()`. The template's own modules come with the update;
// this rewrites the fork's modules that import either, so they still compile.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const description =
  'CalculationFields and CalculationRequest (events/calculation-fields.ts) are now calculationFields() and calculationRequest(): your modules importing them rewritten';

const RENAMED = {
  CalculationFields: 'calculationFields',
  CalculationRequest: 'calculationRequest',
};
const FOLDERS = ['events', 'services', 'shared', 'test'];
const IMPORT = /import\s*\{([^}]*)\}\s*from\s*'([^']*calculation-fields(?:\.ts)?)';/g;

/** The TypeScript modules under `dir`, node_modules left out; none when it does not exist. */
function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.split(path.sep).includes('node_modules'))
    .map((file) => path.join(dir, file));
}

/** `code` with the old names it imports from calculation-fields rewritten, or itself. */
export function rewrite(code: string): string {
  const imported = new Set<string>();
  let out = code.replace(IMPORT, (_whole, names: string, from: string) => {
    const renamed = names.replace(/\b(CalculationFields|CalculationRequest)\b/g, (name) => {
      imported.add(name);
      return RENAMED[name as keyof typeof RENAMED];
    });
    return `import {${renamed}} from '${from}';`;
  });
  for (const name of imported) {
    const to = RENAMED[name as keyof typeof RENAMED];
    out = out
      .replace(new RegExp(`typeof ${name}\\b`, 'g'), `ReturnType<typeof ${to}>`)
      .replace(new RegExp(`(?<![\\w.'"])${name}\\b(?!\\s*[:(])`, 'g'), `${to}()`);
  }
  return out;
}

export function migrate(root: string): string[] {
  const changed: string[] = [];
  for (const file of FOLDERS.flatMap((folder) => sources(path.join(root, folder)))) {
    const code = readFileSync(file, 'utf8');
    const next = rewrite(code);
    if (next === code) continue;
    writeFileSync(file, next);
    changed.push(path.relative(root, file));
  }
  return changed.sort();
}
