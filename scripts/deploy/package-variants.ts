// The shapes the template deploys in — dev and prod as they are, and prod with every opt-in
// switched on (tracing, a JWT authorizer) — packaged offline. `npm run lint:iac` checks each with
// the AWS-rules checkers; `npm run deploy:bootstrap` derives CloudFormation's execution role from
// the resource types they contain.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const VARIANTS = [
  { name: 'dev', stage: 'dev', params: [] as string[] },
  // prod without an authorizer deploys only when its API is said to be public.
  { name: 'prod', stage: 'prod', params: ['apiPublic=true'] },
  {
    name: 'prod+opt-ins',
    stage: 'prod',
    params: [
      'tracing=Active',
      'apiJwtIssuer=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example',
      'apiJwtAudience=example-client',
    ],
  },
];
export type Variant = (typeof VARIANTS)[number];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `serverless package` of one variant into `dir`; its template's path, or the failure's output. */
export function packageVariant(
  variant: Variant,
  dir: string,
): { template: string } | { failure: string } {
  const pack = spawnSync(
    path.join(root, 'node_modules', '.bin', 'serverless'),
    [
      'package',
      '--stage',
      variant.stage,
      '--package',
      dir,
      ...variant.params.map((param) => `--param=${param}`),
    ],
    // The shape AWS gets: no emulator endpoint (plugins leave emulator-only changes out).
    { cwd: root, encoding: 'utf8', env: { ...process.env, AWS_ENDPOINT_URL: '' } },
  );
  if (pack.status !== 0) return { failure: `${pack.stdout}${pack.stderr}` };
  return { template: path.join(dir, 'cloudformation-template-update-stack.json') };
}

/** The resource types a packaged template contains. */
export function resourceTypesOf(template: string): string[] {
  const { Resources = {} } = JSON.parse(readFileSync(template, 'utf8')) as {
    Resources?: Record<string, { Type: string }>;
  };
  return [...new Set(Object.values(Resources).map((r) => r.Type))].sort();
}
