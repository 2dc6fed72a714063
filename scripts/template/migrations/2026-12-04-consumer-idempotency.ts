// Every custom.consumers entry in serverless.yml says how it is idempotent (`idempotency: table`
// or `handler`), as its worker's createConsumer does: the key became required. An entry without
// it had the old default, `table`, which this writes down — so nothing deployed changes.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findBlock } from '../../serverless/yaml-blocks.ts';

export const description =
  'custom.consumers entries state `idempotency` (now required); `table`, the old default, written where it was left out';

export function migrate(root: string): string[] {
  const file = path.join(root, 'serverless.yml');
  const lines = readFileSync(file, 'utf8').split('\n');
  const consumers = findBlock(lines, ['custom', 'consumers']);
  if (!consumers) return [];
  const [start, end] = consumers;
  const entries: number[] = [];
  for (let i = start + 1; i < end; i++)
    if (/^ {4}[a-z][a-z0-9-]*:\s*(#.*)?$/.test(lines[i] ?? '')) entries.push(i);
  let added = 0;
  // From the last entry up, so the earlier entries' line numbers stay true.
  for (const at of entries.reverse()) {
    const name = (lines[at] ?? '').trim().replace(/:.*$/, '');
    const block = findBlock(lines, ['custom', 'consumers', name]);
    if (!block) continue;
    const body = lines.slice(block[0] + 1, block[1]);
    if (body.some((line) => /^ {6}idempotency:/.test(line))) continue;
    const handler = body.findIndex((line) => /^ {6}handler:/.test(line));
    lines.splice(block[0] + 1 + (handler < 0 ? 0 : handler + 1), 0, '      idempotency: table');
    added++;
  }
  if (!added) return [];
  writeFileSync(file, lines.join('\n'));
  return ['serverless.yml'];
}
