// What a chaos run proves: the deployed consumers (serverless.yml and topology.json), the
// scenarios in scripts/chaos/scenarios/, and the stage's functions as deployed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { parse } from 'yaml';
import { stackName } from '../local/stack.ts';
import { cloudFormationTags } from '../serverless/cloudformation-yaml.ts';
import type { ChaosScenario } from './scenario.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Consumer {
  name: string;
  consumes: string[];
  /** Keeps a Powertools idempotency record per event id (its completions are watched). */
  table: boolean;
}

/** The deployed consumers: custom.consumers in serverless.yml, with what topology.json says they consume. */
export function consumersUnderTest(): Consumer[] {
  const topology = JSON.parse(readFileSync(path.join(root, 'events', 'topology.json'), 'utf8')) as {
    services: Record<string, { consumes?: string[] }>;
  };
  const yaml = parse(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), {
    customTags: cloudFormationTags,
  }) as { custom?: { consumers?: Record<string, { idempotency?: string }> | null } };
  return Object.entries(yaml.custom?.consumers ?? {}).map(([name, entry]) => ({
    name,
    consumes: topology.services[name]?.consumes ?? [],
    table: (entry?.idempotency ?? 'table') !== 'handler',
  }));
}

/** Every module in scripts/chaos/scenarios/ that exports a `scenario`. */
export async function loadScenarios(): Promise<ChaosScenario[]> {
  const dir = path.join(root, 'scripts', 'chaos', 'scenarios');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const scenarios: ChaosScenario[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as {
      scenario?: ChaosScenario;
    };
    if (!module.scenario) throw new Error(`scripts/chaos/scenarios/${file} exports no scenario`);
    if (module.scenario.applies?.() ?? true) scenarios.push(module.scenario);
  }
  return scenarios;
}

/** The key Powertools gives an event id's record under a prefix (md5, base64, of the JSON id). */
export const recordKey = (prefix: string, eventId: string) =>
  `${prefix}#${createHash('md5').update(JSON.stringify(eventId)).digest('base64')}`;

/** A function as deployed: its timeout, s, and its environment's plain values. */
export interface DeployedFunction {
  timeout: number;
  environment: Record<string, string>;
}

/** The stage's functions as deployed (its CloudFormation template): timeout and environment. */
export async function deployedFunctions(stage: string): Promise<Record<string, DeployedFunction>> {
  const { TemplateBody = '{}' } = await new CloudFormationClient({}).send(
    new GetTemplateCommand({ StackName: stackName(stage) }),
  );
  const template = JSON.parse(TemplateBody) as {
    Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
  const functions: Record<string, DeployedFunction> = {};
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const p = resource.Properties ?? {};
    const variables =
      (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    functions[String(p.FunctionName)] = {
      timeout: Number(p.Timeout ?? 6),
      environment: Object.fromEntries(
        Object.entries(variables).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
    };
  }
  return functions;
}
