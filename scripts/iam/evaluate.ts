// One observed AWS call judged against the caller's role with a real IAM policy evaluator
// (@cloud-copilot/iam-simulate: actions, resources, wildcards, every condition operator), and the
// sentence a reader needs when it is denied: the function, the call and the statement missing.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AwsCall } from './aws-calls.ts';
import type { FunctionRole, PolicyStatement } from './template-roles.ts';

export interface Verdict {
  allowed: boolean;
  /** Set when denied: one sentence naming the function, the call and what its role lacks. */
  reason?: string;
}

const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
const matches = (patterns: string | string[], value: string) =>
  [patterns].flat().some((p) => wildcard(p).test(value));

const describeContext = (call: AwsCall) =>
  Object.keys(call.context).length
    ? ` with ${Object.entries(call.context)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')}`
    : '';

/** Why no statement allowed it: a statement for the action that misses the resource or condition. */
function missingStatement(fn: FunctionRole, call: AwsCall): string {
  const forAction = fn.policies.flatMap((p) =>
    p.statements
      .filter((s) => s.Effect === 'Allow' && matches(s.Action, call.action))
      .map((s) => ({ policy: p.name, statement: s })),
  );
  const wanted = `missing statement: { Effect: Allow, Action: ${call.action}, Resource: ${call.resource} }`;
  if (!forAction.length) return `no statement of ${fn.roleId} allows ${call.action} — ${wanted}`;
  const near = forAction.map(({ policy, statement }) => describeStatement(policy, statement, call));
  return `${near.join('; ')} — ${wanted}`;
}

function describeStatement(policy: string, s: PolicyStatement, call: AwsCall): string {
  const where = `${policy}'s statement for ${[s.Action].flat().join(', ')} on ${[s.Resource].flat().join(', ')}`;
  if (!matches(s.Resource, call.resource)) return `${where} does not cover this resource`;
  return `${where} applies only when ${JSON.stringify(s.Condition)}`;
}

export async function evaluateCall(
  fn: FunctionRole,
  call: AwsCall,
  accountId: string,
): Promise<Verdict> {
  const response = await runSimulation(
    {
      identityPolicies: fn.policies.map((p) => ({
        name: p.name,
        policy: { Version: '2012-10-17', Statement: p.statements },
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: call.action,
        principal: `arn:aws:iam::${accountId}:role/${fn.roleId}`,
        resource: { accountId, resource: call.resource },
        contextVariables: call.context,
      },
      // biome-ignore lint/suspicious/noExplicitAny: the simulator's input type is wider than we use
    } as any,
    {},
  );
  const call$ = `${call.action} on ${call.resource}${describeContext(call)}`;
  if (response.resultType === 'error')
    return {
      allowed: false,
      reason: `${fn.key} called ${call$}, which the IAM evaluator could not judge: ${JSON.stringify(response.errors)}`,
    };
  if (response.overallResult === 'Allowed') return { allowed: true };
  return {
    allowed: false,
    reason: `${fn.key} (role ${fn.roleId}) would be denied ${call$} on AWS: ${missingStatement(fn, call)}`,
  };
}
