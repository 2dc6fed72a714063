// The README and docs/ stay true to the repository: every `npm run <script>` they mention exists in
// package.json, every relative link (and #anchor into a markdown heading) resolves, so does every
// document a comment names, and the CI steps the docs list are the ones .ci/run runs. Nothing
// here names a page, a script or a service, so it holds in any fork — including one where
// `npm run remove:examples` has taken the example pages and the example-marked blocks out.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ciStepsOutOfStep, codeReferences } from './scripts/docs/references.ts';

const root = path.dirname(fileURLToPath(import.meta.url));

/** README.md and every markdown page under docs/, as paths relative to the root. */
function markdownPages(): string[] {
  const walk = (dir: string): string[] =>
    existsSync(path.join(root, dir))
      ? readdirSync(path.join(root, dir)).flatMap((name) => {
          const relative = path.join(dir, name);
          if (statSync(path.join(root, relative)).isDirectory()) return walk(relative);
          return name.endsWith('.md') ? [relative] : [];
        })
      : [];
  return [...(existsSync(path.join(root, 'README.md')) ? ['README.md'] : []), ...walk('docs')];
}

const read = (page: string) => readFileSync(path.join(root, page), 'utf8');

/** The text without fenced code blocks (their brackets are code, not links or headings). */
const withoutCodeBlocks = (markdown: string) =>
  markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1/gm, '');

/** The script names of every `npm run [-s] <name>` in the text, code blocks included. */
function npmRunScripts(markdown: string): string[] {
  const names = [...markdown.matchAll(/\bnpm run(?:\s+(?:-s|--silent))?\s+([\w:.-]+)/g)];
  return [...new Set(names.map((m) => m[1] as string))];
}

/** Every link target of inline links, images and reference definitions, outside code. */
function linkTargets(markdown: string): string[] {
  const text = withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, '');
  const inline = [...text.matchAll(/!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  const references = [...text.matchAll(/^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)];
  return [...inline, ...references].map((m) => m[1] as string);
}

/** GitHub's anchors for the headings of a markdown page (duplicates get -1, -2, …). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutCodeBlocks(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (heading as string)
      .replace(/<[^>]+>/g, '') // inline HTML
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link keeps its text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    anchors.add(count ? `${slug}-${count}` : slug);
    seen.set(slug, count + 1);
  }
  return anchors;
}

const isExternal = (target: string) =>
  /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** Why a relative link from `page` does not resolve, or undefined when it does. */
function brokenLink(page: string, target: string): string | undefined {
  const [rawFile = '', anchor] = target.split('#', 2);
  const file = decodeURIComponent(rawFile);
  const resolved = file ? path.join(path.dirname(page), file) : page;
  if (path.relative(root, path.join(root, resolved)).startsWith('..'))
    return 'outside the repository';
  if (!existsSync(path.join(root, resolved))) return `${resolved} does not exist`;
  if (anchor && resolved.endsWith('.md') && !headingAnchors(read(resolved)).has(anchor)) {
    return `${resolved} has no heading #${anchor}`;
  }
  return undefined;
}

describe('README.md and docs/', () => {
  const pages = markdownPages();
  const scripts = Object.keys(JSON.parse(read('package.json')).scripts ?? {});

  it.each(pages)('%s: every `npm run <script>` is a script in package.json', (page) => {
    const missing = npmRunScripts(read(page)).filter((name) => !scripts.includes(name));
    expect(missing, `${page} mentions scripts package.json does not have`).toEqual([]);
  });

  it.each(pages)('%s: every relative link resolves', (page) => {
    const broken = linkTargets(read(page))
      .filter((target) => !isExternal(target))
      .flatMap((target) => {
        const reason = brokenLink(page, target);
        return reason ? [`(${target}): ${reason}`] : [];
      });
    expect(broken, `${page} has broken links`).toEqual([]);
  });

  it('every docs/….md or README.md a comment or configuration names resolves, anchor included', () => {
    // After remove:examples the example page is gone, and remove-examples.ts still names it.
    const examplePageGone = !existsSync(path.join(root, EXAMPLE_PAGE));
    const references = codeReferences(root).filter(
      ({ target }) => !(examplePageGone && target.split('#')[0] === EXAMPLE_PAGE),
    );
    const broken = references.flatMap(({ from, line, target }) => {
      const reason = brokenLink('README.md', target); // root-relative, as written in code
      return reason ? [`${from}:${line} (${target}): ${reason}`] : [];
    });
    expect(broken, 'comments pointing to documents or sections that do not exist').toEqual([]);
  });

  it('docs/deploying.md and the workflow list the CI steps .ci/run runs, no more, no fewer', () => {
    expect(ciStepsOutOfStep(root)).toEqual([]);
  });

  it('example-marked blocks are balanced, each marker on its own line', () => {
    for (const page of pages) {
      const markers = [...read(page).matchAll(/<!-- example:(start|end) -->/g)];
      const lines = read(page)
        .split('\n')
        .filter((line) => line.includes('<!-- example:'));
      expect(
        lines.every((line) => /^<!-- example:(start|end) -->$/.test(line.trim())),
        page,
      ).toBe(true);
      expect(
        markers.map((m) => m[1]).join(','),
        `${page}: markers must alternate start,end`,
      ).toMatch(/^(start,end(,|$))*$/);
    }
  });
});

// What `npm run remove:examples` does to the docs: it deletes the example page and the blocks
// between the example markers. Whatever stays must not point at them.
const EXAMPLE_PAGE = path.join('docs', 'example.md');
const EXAMPLE_BLOCK = /^<!-- example:start -->\n[\s\S]*?^<!-- example:end -->\n/gm;

describe('after remove:examples strips the example blocks and page', () => {
  const remaining = markdownPages().filter((page) => page !== EXAMPLE_PAGE);

  it.each(remaining)('%s links to the example page only inside example blocks', (page) => {
    const stripped = read(page).replace(EXAMPLE_BLOCK, '');
    const toExample = linkTargets(stripped).filter(
      (target) =>
        !isExternal(target) &&
        path.join(path.dirname(page), decodeURIComponent(target.split('#')[0] ?? '')) ===
          EXAMPLE_PAGE,
    );
    expect(
      toExample,
      `${page}: wrap these in <!-- example:start --> … <!-- example:end -->`,
    ).toEqual([]);
  });

  it.each(remaining)('%s keeps every anchor it links to outside example blocks', (page) => {
    const stripped = (other: string) => read(other).replace(EXAMPLE_BLOCK, '');
    const broken = linkTargets(stripped(page))
      .filter((target) => !isExternal(target) && target.includes('#'))
      .filter((target) => {
        const [file = '', anchor = ''] = target.split('#', 2);
        const resolved = file ? path.join(path.dirname(page), decodeURIComponent(file)) : page;
        return (
          resolved.endsWith('.md') &&
          resolved !== EXAMPLE_PAGE &&
          existsSync(path.join(root, resolved)) &&
          !headingAnchors(stripped(resolved)).has(anchor)
        );
      });
    expect(broken, `${page}: these headings sit inside example blocks`).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find scripts, links and anchors as GitHub reads them', () => {
    expect(npmRunScripts('`npm run -s zz-a -- --json`, npm run zz:b, `npm run <x>`')).toEqual([
      'zz-a',
      'zz:b',
    ]);
    expect(
      linkTargets(
        '[a](x.md#y) ![i](img.png "t") `[no](code.md)`\n```\n[no](fenced.md)\n```\n[r]: ref.md\n',
      ),
    ).toEqual(['x.md#y', 'img.png', 'ref.md']);
    expect([...headingAnchors('# Zz: the `x` — y?\n## Zz: the `x` — y?\n')]).toEqual([
      'zz-the-x--y',
      'zz-the-x--y-1',
    ]);
  });
});
