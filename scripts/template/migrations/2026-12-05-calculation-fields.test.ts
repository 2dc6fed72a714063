import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, rewrite } from './2026-12-05-calculation-fields.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const BEFORE = `import { CalculationFields, Operation } from '../../events/calculation-fields.ts';
import * as z from '../../events/zod.ts';

export const zqxAudited = z.extend(CalculationFields, { zqxBy: z.string() });
export type ZqxFields = z.infer<typeof CalculationFields>;
`;
const AFTER = `import { calculationFields, Operation } from '../../events/calculation-fields.ts';
import * as z from '../../events/zod.ts';

export const zqxAudited = z.extend(calculationFields(), { zqxBy: z.string() });
export type ZqxFields = z.infer<ReturnType<typeof calculationFields>>;
`;

describe('migration: the shared calculation fields are functions', () => {
  it("rewrites a fork's module that imports them, and nothing else", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zqx-migration-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'services', 'zqx-audit'), { recursive: true });
    writeFileSync(path.join(dir, 'services', 'zqx-audit', 'fields.ts'), BEFORE);
    const untouched = "export const CalculationFields = 'a string of its own';\n";
    writeFileSync(path.join(dir, 'services', 'zqx-audit', 'other.ts'), untouched);
    expect(migrate(dir)).toEqual([path.join('services', 'zqx-audit', 'fields.ts')]);
    expect(readFileSync(path.join(dir, 'services', 'zqx-audit', 'fields.ts'), 'utf8')).toBe(AFTER);
    expect(readFileSync(path.join(dir, 'services', 'zqx-audit', 'other.ts'), 'utf8')).toBe(
      untouched,
    );
    expect(migrate(dir)).toEqual([]);
  });

  it("leaves the template's own new form as it is", () => {
    const current = `import { calculationFields } from './calculation-fields.ts';\nexport const s = () => z.extend(calculationFields(), {});\n`;
    expect(rewrite(current)).toBe(current);
  });
});
