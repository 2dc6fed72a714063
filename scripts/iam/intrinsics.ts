// CloudFormation's intrinsic functions (Ref, GetAtt, Sub, Join) resolved against known values:
// what a packaged template's policies say once deployed. Used by both IAM checks (test/iam on
// moto, and the observation of every tier in scripts/iam/observer.ts).

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON
export type Json = any;

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
    if (found === undefined) throw new Error(`Cannot resolve Ref ${name}`);
    return found;
  };
  const attribute = (id: string, name: string): string => {
    const found = by.attributes[id]?.[name];
    if (found === undefined) throw new Error(`Cannot resolve GetAtt ${id}.${name}`);
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
