// Line-level edits of serverless.yml that keep its comments and style exactly: a YAML library
// would rewrite flow collections and comment placement. Keys are found by their indentation
// (two spaces per level, as in this repository's serverless.yml).

const indentOf = (line: string) => line.length - line.trimStart().length;
const isComment = (line: string) => line.trimStart().startsWith('#');

/** [start, end) of the block of the entry at `keys`: its key line and every nested line. */
export function findBlock(lines: string[], keys: string[]): [number, number] | undefined {
  let from = 0;
  let to = lines.length;
  let start = -1;
  for (const [depth, key] of keys.entries()) {
    const indent = ' '.repeat(2 * depth);
    start = -1;
    for (let i = from; i < to; i++) {
      const line = lines[i] ?? '';
      if (line.startsWith(`${indent}${key}:`) && indentOf(line) === 2 * depth) {
        start = i;
        break;
      }
    }
    if (start < 0) return undefined;
    let end = start + 1;
    while (end < to) {
      const line = lines[end] ?? '';
      if (line.trim() !== '' && indentOf(line) <= 2 * depth) break;
      end++;
    }
    // Blank and comment lines at the end belong to what follows, not to this entry.
    while (end > start + 1) {
      const last = lines[end - 1] ?? '';
      if (last.trim() === '' || (isComment(last) && indentOf(last) <= 2 * (depth + 1))) end--;
      else break;
    }
    from = start + 1;
    to = end;
  }
  return [start, to];
}

/**
 * Remove the entry at `keys`, what is nested under it and the comment lines right above it. A
 * parent left with no entries becomes `{}` so the file keeps its meaning. Missing keys are ignored.
 */
export function removeEntry(text: string, keys: string[]): string {
  const lines = text.split('\n');
  const block = findBlock(lines, keys);
  if (!block) return text;
  let [start] = block;
  const [, end] = block;
  const indent = indentOf(lines[start] ?? '');
  while (
    start > 0 &&
    isComment(lines[start - 1] ?? '') &&
    indentOf(lines[start - 1] ?? '') === indent
  )
    start--;
  lines.splice(start, end - start);
  const parent = findBlock(lines, keys.slice(0, -1));
  if (parent && keys.length > 1) {
    const nested = lines.slice(parent[0] + 1, parent[1]).filter((l) => l.trim() && !isComment(l));
    if (nested.length === 0) lines[parent[0]] = `${lines[parent[0]]?.replace(/:\s*$/, '')}: {}`;
  }
  return lines.join('\n');
}
