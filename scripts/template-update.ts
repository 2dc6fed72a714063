#!/usr/bin/env tsx
// `npm run template:update -- [--from <git URL or path>] [--to <ref>] [--base <commit>]`: bring
// this fork the template's changes since the commit it was made from or last updated to
// (scripts/template/update.ts; docs/template.md). Exit 1 when a conflict is left to resolve.
import { parseCli, runMain } from './lib/cli.ts';
import { type UpdateReport, updateFromTemplate } from './template/update.ts';

const cli = {
  usage: `usage: npm run template:update -- [--from <git URL or path>] [--to <ref>] [--base <commit>]
Three-way merges the template's changes since this fork's base (template.json) into the working
tree, leaves the fork's own files alone, runs the migrations added since, regenerates the
documents and records the new base. Start from a clean working tree; nothing is committed.
  --from <src>     the template repository (default: template.json's source; recorded)
  --to <ref>       a branch, tag or commit of it (default: its HEAD)
  --base <commit>  the template commit this fork stands on, when template.json records none and
                   the histories share none`,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    base: { type: 'string' },
  },
} as const;

export function printReport(report: UpdateReport): void {
  const short = (commit: string) => commit.slice(0, 12);
  console.log(
    `template ${short(report.base)} → ${short(report.target)} (base from ${report.baseFrom})`,
  );
  const list = (title: string, files: string[]) => {
    if (files.length)
      console.log(`${title} (${files.length}):\n${files.map((f) => `  ${f}`).join('\n')}`);
  };
  list('updated', report.updated);
  list('merged with this fork’s changes', report.merged);
  list('added', report.added);
  list('removed', report.removed);
  list(
    'left alone',
    report.leftAlone.map((l) => `${l.file}: ${l.why}`),
  );
  for (const migration of report.migrations)
    console.log(
      `migration ${migration.name}: ${migration.description}${migration.changed.length ? `\n  changed ${migration.changed.join(', ')}` : ' (nothing to change)'}`,
    );
  list('still to do', report.followUps);
  list(
    'CONFLICTS — resolve the marked lines',
    report.conflicts.map((c) => `${c.file}: ${c.why}`),
  );
  console.log(
    report.conflicts.length
      ? 'Resolve them, then lint, test and commit. `git checkout . && git clean -fd` undoes the whole update.'
      : 'Review with git diff, run the checks, commit.',
  );
}

async function main(): Promise<number> {
  const { values } = parseCli(cli);
  // The repository it is run in, as git works (npm run starts it at the package's root).
  const root = process.cwd();
  const report = await updateFromTemplate({ root, ...values });
  printReport(report);
  return report.conflicts.length ? 1 : 0;
}

runMain(cli, main);
