// template.json: the one place that says what of a fork is the template's (docs/template.md).
// A path listed ending in `/` is a folder and everything under it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';

export const MANIFEST = 'template.json';

const Paths = z.array(z.string().regex(/^[^/].*$/, 'a path relative to the repository root'));

export const Manifest = z.object({
  $comment: z.string().optional(),
  template: z.object({
    /** Where `template:update` fetches the template from (a git URL or path). */
    source: z.string().nullable(),
    /** The template commit this fork was made from or last updated to. */
    base: z
      .string()
      .regex(/^[0-9a-f]{40}$/, 'a full commit id')
      .nullable(),
  }),
  /** Shipped by the template, then the fork's: an update leaves them alone. */
  fork: Paths,
  /** Rebuilt from the sources after an update, never merged. */
  generated: Paths,
  /** The example domain: what remove:examples deletes. */
  examples: Paths,
});
export type Manifest = z.infer<typeof Manifest>;

export function readManifest(root: string): Manifest {
  const file = path.join(root, MANIFEST);
  const parsed = Manifest.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`${file} is not a template manifest: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Record where the template is and the commit the fork now stands on, keeping the rest. */
export function recordTemplate(root: string, template: Manifest['template']): void {
  const file = path.join(root, MANIFEST);
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.template = template;
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** Whether `file` is one of `paths` (a listed file, or under a listed folder). */
export function listed(paths: string[], file: string): boolean {
  return paths.some((entry) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry));
}
