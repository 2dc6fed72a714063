import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pMap from 'p-map';
import { parse } from 'yaml';
import type { ChaosScenario, ScenarioContext, ScenarioRun } from '../scenario.ts';

// Any service's create routes under faults, in any fork: every POST of openapi.yaml that answers
// 201 with a Location and whose request body documents an example (what `npm run new:service --
// --http` generates) is driven with that example while the functions' AWS calls fail, hang and
// crash — its transaction with the outbox among them. At the end each created resource reads back
// (200) at its Location; the engine checks that every event the outboxes received was published.
// Part of the mechanism: `remove:examples` keeps it.

type Json = Record<string, unknown>;
export interface CreateRoute {
  path: string;
  body: unknown;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The create routes of an OpenAPI document that a client can drive from its examples alone. */
export function createRoutes(document: Json): CreateRoute[] {
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Json;
  const resolve = (schema: Json | undefined): Json | undefined => {
    const ref = schema?.$ref;
    return typeof ref === 'string'
      ? (schemas[ref.replace('#/components/schemas/', '')] as Json | undefined)
      : schema;
  };
  return Object.entries((document.paths ?? {}) as Record<string, Json>).flatMap(([route, item]) => {
    const post = item.post as Json | undefined;
    const created = (post?.responses as Json | undefined)?.['201'] as Json | undefined;
    if (!post || !(created?.headers as Json | undefined)?.Location) return [];
    const body = (post.requestBody as Json | undefined)?.content as Json | undefined;
    const schema = resolve((body?.['application/json'] as Json | undefined)?.schema as Json);
    const [example] = (schema?.examples as unknown[] | undefined) ?? [];
    return example === undefined ? [] : [{ path: route, body: example }];
  });
}

const routes = () => createRoutes(parse(readFileSync(path.join(root, 'openapi.yaml'), 'utf8')));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(ctx: ScenarioContext): Promise<ScenarioRun> {
  const apiUrl = ctx.stack.apiUrl ?? '';
  const creates = routes();
  const created: Array<{ route: string; location: string; body: unknown }> = [];
  const unanswered: string[] = [];
  /** A client retrying on 5xx and network errors, as any client of a create should. */
  const call = async (method: string, url: string, body?: unknown) => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      try {
        const response = await fetch(url, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        if (response.status < 500 && response.status !== 429) return response;
      } catch {
        // network error: retry
      }
      await sleep(100 * 2 ** attempt);
    }
    return undefined;
  };
  return {
    async drive() {
      const jobs = Array.from({ length: ctx.events }, (_, i) => creates[i % creates.length]);
      await pMap(
        jobs,
        async (job) => {
          if (!job) return;
          const response = await call('POST', `${apiUrl}${job.path}`, job.body);
          const location = response?.status === 201 ? response.headers.get('location') : null;
          if (location) created.push({ route: job.path, location, body: await response?.json() });
          else unanswered.push(`${job.path}: ${response?.status ?? 'no answer'}`);
        },
        { concurrency: ctx.concurrency },
      );
      ctx.log(
        `created ${created.length} resources through ${creates.map((c) => c.path).join(', ')}`,
      );
    },
    async verdict() {
      const lost: string[] = unanswered.map((u) => `POST ${u} (a create that never succeeded)`);
      let readBack = 0;
      for (const c of created) {
        const response = await call('GET', `${apiUrl}${c.location}`);
        if (
          response?.status === 200 &&
          JSON.stringify(await response.json()) === JSON.stringify(c.body)
        )
          readBack++;
        else
          lost.push(
            `${c.location} (POST ${c.route}) does not read back as created: ${response?.status}`,
          );
      }
      return {
        sent: ctx.events,
        completed: readBack,
        duplicatesSent: 0,
        lost,
        duplicates: [],
        rows: [['created through HTTP and read back', `${readBack} of ${ctx.events}`]],
      };
    },
    close: async () => {},
  };
}

export const scenario: ChaosScenario = {
  name: 'http-creates',
  applies: () => routes().length > 0,
  start,
};
