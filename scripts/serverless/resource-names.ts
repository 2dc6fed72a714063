// A Serverless Framework plugin (serverless.yml → plugins, listed last) that refuses, while
// packaging, a template whose stage or service name makes a resource name longer than AWS allows
// or gives it characters AWS refuses — one sentence naming the resource, the name and the limit,
// instead of CloudFormation failing the deploy half-way (a pull request's preview stage
// `pr-<number>` and a long service name are the usual way there). Names built at deploy time
// (Fn::Sub, Fn::Join) are not judged here; CloudFormation's generated names are truncated by it.

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
type Template = { Resources: Record<string, Resource> };

interface NameRule {
  property: string;
  /** What AWS calls it, for the sentence. */
  kind: string;
  max: number;
  /** The characters AWS accepts, as a regular expression over the whole name. */
  pattern?: RegExp;
}

/** AWS's limits on the names this template (or a fork's resources) sets explicitly. */
export const NAME_RULES: Record<string, NameRule> = {
  'AWS::Lambda::Function': {
    property: 'FunctionName',
    kind: 'Lambda function',
    max: 64,
    pattern: /^[a-zA-Z0-9_-]+$/,
  },
  'AWS::SQS::Queue': {
    property: 'QueueName',
    kind: 'SQS queue',
    max: 80,
    pattern: /^[a-zA-Z0-9_-]+(\.fifo)?$/,
  },
  'AWS::SNS::Topic': {
    property: 'TopicName',
    kind: 'SNS topic',
    max: 256,
    pattern: /^[a-zA-Z0-9_-]+(\.fifo)?$/,
  },
  'AWS::DynamoDB::Table': {
    property: 'TableName',
    kind: 'DynamoDB table',
    max: 255,
    pattern: /^[a-zA-Z0-9_.-]{3,}$/,
  },
  'AWS::CloudWatch::Alarm': { property: 'AlarmName', kind: 'CloudWatch alarm', max: 255 },
  'AWS::CloudWatch::Dashboard': {
    property: 'DashboardName',
    kind: 'CloudWatch dashboard',
    max: 255,
    pattern: /^[a-zA-Z0-9_-]+$/,
  },
  'AWS::Logs::LogGroup': {
    property: 'LogGroupName',
    kind: 'log group',
    max: 512,
    pattern: /^[a-zA-Z0-9_\-/.#]+$/,
  },
  'AWS::Logs::QueryDefinition': { property: 'Name', kind: 'Logs Insights query', max: 255 },
  'AWS::ApiGatewayV2::Api': { property: 'Name', kind: 'HTTP API', max: 128 },
  'AWS::IAM::Role': { property: 'RoleName', kind: 'IAM role', max: 64 },
  'AWS::Events::Rule': { property: 'Name', kind: 'EventBridge rule', max: 64 },
};

/** One sentence per resource whose literal name AWS would refuse. */
export function nameFindings(template: Template, stage: string, service: string): string[] {
  const findings: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const rule = NAME_RULES[resource.Type];
    const name = rule && resource.Properties?.[rule.property];
    if (!rule || typeof name !== 'string') continue;
    if (name.length > rule.max)
      findings.push(
        `Stage "${stage}" of service "${service}" makes the ${rule.kind} name of ${id} ${name.length} characters ("${name}"); AWS allows ${rule.max}: choose a stage or service name at least ${name.length - rule.max} character${name.length - rule.max === 1 ? '' : 's'} shorter.`,
      );
    else if (rule.pattern && !rule.pattern.test(name))
      findings.push(
        `Stage "${stage}" of service "${service}" gives the ${rule.kind} ${id} the name "${name}", with characters AWS refuses there (it accepts ${rule.pattern.source}).`,
      );
  }
  return findings;
}

/**
 * The one sentence a refused package prints: the finding that asks for the shortest name (the
 * others are met by it when they come from the same stage), and how many more there are.
 */
export function refusal(findings: string[]): string {
  const over = (f: string) => Number(f.match(/at least (\d+) character/)?.[1] ?? 0);
  const [first, ...others] = [...findings].sort((a, b) => over(b) - over(a));
  return others.length
    ? `${first?.replace(/\.$/, '')} (and ${others.length} other resource name${others.length === 1 ? '' : 's'} with it).`
    : (first ?? '');
}

interface Serverless {
  service: {
    service: string;
    provider: { compiledCloudFormationTemplate: Template; stage: string };
  };
  getProvider?(name: string): { getStage(): string };
}

export default class ResourceNames {
  hooks: Record<string, () => void>;
  constructor(serverless: Serverless, options: { stage?: string }) {
    this.hooks = {
      'before:aws:package:finalize:saveServiceState': () => {
        const stage =
          options.stage ??
          serverless.getProvider?.('aws').getStage() ??
          serverless.service.provider.stage;
        const findings = nameFindings(
          serverless.service.provider.compiledCloudFormationTemplate,
          stage,
          serverless.service.service,
        );
        if (findings.length) throw new Error(refusal(findings));
      },
    };
  }
}
