// The packaged CloudFormation template as the IAM tier reads it: each function with its handler,
// role and environment, each role's policy statements, and intrinsic functions (Ref, GetAtt,
// Sub, Join) resolved against the resources created in the emulator.
import { readFileSync } from 'node:fs';

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
type Json = any;

export interface Template {
  Resources: Record<string, { Type: string; Properties?: Json }>;
}

export const readTemplate = (file: string): Template => JSON.parse(readFileSync(file, 'utf8'));

/** What intrinsic functions resolve to: pseudo parameters, and per logical id its Ref and attributes. */
export interface Resolved {
  accountId: string;
  region: string;
  refs: Record<string, string>;
  attributes: Record<string, Record<string, string>>;
}

export function resolve(value: Json, by: Resolved): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(v, by));
  if (value === null || typeof value !== 'object') return value;
  const pseudo: Record<string, string> = {
    'AWS::AccountId': by.accountId,
    'AWS::Region': by.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const ref = (name: string): string => {
    const found = pseudo[name] ?? by.refs[name];
    if (found === undefined) throw new Error(`The IAM tier cannot resolve Ref ${name}`);
    return found;
  };
  const attribute = (id: string, name: string): string => {
    const found = by.attributes[id]?.[name];
    if (found === undefined) throw new Error(`The IAM tier cannot resolve GetAtt ${id}.${name}`);
    return found;
  };
  if ('Ref' in value) return ref(value.Ref);
  if ('Fn::GetAtt' in value) {
    const [id, name] =
      typeof value['Fn::GetAtt'] === 'string'
        ? value['Fn::GetAtt'].split('.')
        : value['Fn::GetAtt'];
    return attribute(id, name);
  }
  if ('Fn::Sub' in value) {
    const [text, vars = {}] = Array.isArray(value['Fn::Sub'])
      ? value['Fn::Sub']
      : [value['Fn::Sub']];
    const variables = resolve(vars, by) as Record<string, string>;
    return (text as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in variables) return variables[name] as string;
      const [id, attr] = name.split('.');
      return attr ? attribute(id as string, attr) : ref(name);
    });
  }
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'];
    return (resolve(parts, by) as string[]).join(separator);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, by)]));
}

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
