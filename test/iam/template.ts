// The packaged CloudFormation template as the IAM tier reads it: each function with its handler,
// role and environment, each role's policy statements, and intrinsic functions (Ref, GetAtt,
// Sub, Join) resolved against the resources created in the emulator.
import { readFileSync } from 'node:fs';
import type { Json } from '../../scripts/iam/intrinsics.ts';

export { type Resolved, resolve } from '../../scripts/iam/intrinsics.ts';

export interface Template {
  Resources: Record<string, { Type: string; Properties?: Json }>;
}

export const readTemplate = (file: string): Template => JSON.parse(readFileSync(file, 'utf8'));

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
}

export interface FunctionUnderTest {
  /** Logical id of the AWS::Lambda::Function. */
  id: string;
  /** e.g. services/calculator/worker.handler */
  handler: string;
  role: string;
  environment: Record<string, Json>;
}

/** Every function of the template, with the logical id of its role. */
export function functionsOf(template: Template): FunctionUnderTest[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => ({
      id,
      handler: r.Properties.Handler,
      role: r.Properties.Role['Fn::GetAtt'][0],
      environment: r.Properties.Environment?.Variables ?? {},
    }));
}

/** A role's inline policies, unresolved: { policy name → statements }. */
export function policiesOf(template: Template, role: string): Record<string, Statement[]> {
  const policies: { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[] =
    template.Resources[role]?.Properties?.Policies ?? [];
  return Object.fromEntries(policies.map((p) => [p.PolicyName, p.PolicyDocument.Statement]));
}

/** The actions a role's policies allow, sorted. */
export function allowedActions(template: Template, role: string): string[] {
  const actions = Object.values(policiesOf(template, role))
    .flat()
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => [s.Action].flat());
  return [...new Set(actions)].sort();
}

/** Condition keys a role's statements use (moto evaluates none of them). */
export function conditionKeys(template: Template, role: string): string[] {
  const keys = Object.values(policiesOf(template, role))
    .flat()
    .flatMap((s) => Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c as object)));
  return [...new Set(keys)].sort();
}
