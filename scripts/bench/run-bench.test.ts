import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { topology } from '../../events/topology.ts';
import { cloudFormationTags as customTags } from '../serverless/cloudformation-yaml.ts';
import { RELAY_HANDLER } from '../serverless/tables.ts';
import { formatBench, runBench } from './run-bench.ts';

// `npm run bench` in a tiny mode, so the harness cannot rot: every in-process figure is produced
// and printed, for whatever functions this fork's serverless.yml deploys (the example's
// end-to-end part needs the emulator; test/tools/bench.test.ts runs it small).
const { custom, functions } = parse(readFileSync('serverless.yml', 'utf8'), { customTags }) as {
  custom: {
    consumers?: Record<string, { handler: string }> | null;
    tables?: Record<string, { outbox?: boolean }> | null;
  };
  functions?: Record<string, { handler: string }> | null;
};
const consumers = Object.entries(custom.consumers ?? {});
const handlers = [
  ...consumers.map(([, c]) => c.handler),
  ...Object.values(functions ?? {}).map((f) => f.handler),
  // The outbox relay of each table that has one (custom.tables).
  ...Object.values(custom.tables ?? {}).flatMap((t) => (t.outbox ? [RELAY_HANDLER] : [])),
];

/**
 * Whether a handler's own code asks for Powertools Idempotency: a module it imports (following
 * relative value imports) that is not shared/ mechanism imports the library, or it uses
 * shared/idempotency-table.ts. createConsumer alone must never bring it in.
 */
function asksForIdempotency(source: string): boolean {
  const seen = new Set<string>();
  const visit = (file: string): boolean => {
    if (seen.has(file)) return false;
    seen.add(file);
    if (file.endsWith(path.join('shared', 'idempotency-table.ts'))) return true;
    const code = readFileSync(file, 'utf8');
    const imports = [...code.matchAll(/^import (?!type )[^;]*?from '([^']+)'/gms)].map(
      (m) => m[1] ?? '',
    );
    if (
      !file.includes(`${path.sep}shared${path.sep}`) &&
      imports.some((i) => i.startsWith('@aws-lambda-powertools/idempotency'))
    )
      return true;
    return imports
      .filter((i) => i.startsWith('.'))
      .some((i) => visit(path.resolve(path.dirname(file), i)));
  };
  return visit(path.resolve(source));
}

describe('npm run bench (tiny)', () => {
  it('measures every function cold and every consumer stack against its bare handler', async () => {
    const report = await runBench({
      root: process.cwd(),
      latencyMs: 1,
      rounds: 2,
      coldImportRuns: 1,
      calculations: 1,
      concurrency: 1,
      endToEnd: false,
      log: () => {},
    });
    const table = formatBench(report);

    // Cold import: every deployed function, found in the packaged template.
    const deployed = report.coldImport.functions.filter((f) => !f.function.includes('('));
    expect(deployed).toHaveLength(handlers.length);
    for (const f of report.coldImport.functions) {
      // What it holds beyond its AWS clients: a consumer the contracts' zod, and any function
      // the Idempotency library only when its own code asks for it (the consumer and HTTP
      // mechanisms never bring it in).
      const parts = f.aboveBare.map((p) => p.part);
      if (report.consumers[f.function.replace(/ \(.*$/, '')])
        expect(parts, f.function).toContain('zod');
      if (asksForIdempotency(f.source))
        expect(parts, f.function).toContain('@aws-lambda-powertools/idempotency');
      else expect(parts, f.function).not.toContain('@aws-lambda-powertools/idempotency');
      expect(f.ms).toBeGreaterThan(0);
      expect(f.vsBare).toBeGreaterThan(0);
      expect(f.bundleKb).toBeGreaterThan(f.bareKb);
      expect(table).toMatch(
        new RegExp(`cold import ${f.function.replace(/[()]/g, '\\$&')} .*× a bare bundle`),
      );
    }
    expect(Object.keys(report.coldImportVsBareByFunction).sort()).toEqual(
      deployed.map((f) => f.function).sort(),
    );
    if (deployed.length)
      expect(report.coldImportVsBare).toBe(
        Math.max(...Object.values(report.coldImportVsBareByFunction)),
      );

    // Consumer stacks: one per custom.consumers entry, fed batches of what topology says it consumes.
    expect(
      Object.values(report.consumers)
        .map((c) => c.consumer)
        .sort(),
    ).toEqual(consumers.map(([name]) => name).sort());
    for (const [name, c] of Object.entries(report.consumers)) {
      expect(c.consumes).toEqual(topology.services[c.consumer]?.consumes);
      expect(c.failure, `${name}'s sample batch`).toBeUndefined();
      expect(c.ratio).toBeGreaterThan(0);
      // The bare handler takes the batch as the consumer declares, and makes its warm calls.
      expect(typeof c.concurrent).toBe('boolean');
      expect(c.firstCallsPerUnit).toBeTypeOf('object');
      expect(report.stackVsBareByFunction[name]).toBe(c.ratio);
      expect(table).toMatch(new RegExp(`consumer stack ${name}, 10-record batch .*× bare handler`));
    }
    if (consumers.length) expect(report.stackVsBare).toBeGreaterThan(0);

    // Every other function (HTTP ones) has a stack figure or a reason.
    for (const { handler } of Object.values(functions ?? {})) {
      const name =
        deployed.find((f) => `${f.source.replace(/\.ts$/, '')}.` === handler.replace(/[^.]+$/, ''))
          ?.function ?? handler;
      expect(report.http[name] ?? report.unmeasured[name], handler).toBeDefined();
    }
    for (const h of Object.values(report.http)) expect(h.failure).toBeUndefined();

    // Cold starts: init + the first invocation of every measured function, beside a bare bundle
    // doing the same, in fresh processes.
    expect(report.coldInvoke.map((c) => c.function).sort()).toEqual(
      [...Object.keys(report.consumers), ...Object.keys(report.http)].sort(),
    );
    for (const c of report.coldInvoke) {
      expect(c.failure, `${c.function}'s first invocation`).toBeUndefined();
      for (const figure of [c.ms, c.bareMs, c.vsBare, c.cpuMs, c.cpuVsBare, c.loadedMs])
        expect(figure, c.function).toBeGreaterThan(0);
      expect(c.invokedMs).toBeGreaterThanOrEqual(0);
      expect(c.bareKb).toBeGreaterThan(0);
      expect(c.first).toBe(report.consumers[c.function] ? '10-record batch' : 'one request');
      expect(report.coldInvokeVsBareByFunction[c.function]).toBe(c.vsBare);
      expect(table).toMatch(
        new RegExp(`cold start ${c.function}, init \\+ first .*× a bare handler bundle`),
      );
    }
    if (report.coldInvoke.length)
      expect(report.coldInvokeVsBare).toBe(
        Math.max(...Object.values(report.coldInvokeVsBareByFunction)),
      );
  }, 120_000);
});
