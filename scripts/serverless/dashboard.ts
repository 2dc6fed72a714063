// The stage's CloudWatch dashboard, generated with the consumers (scripts/serverless/event-
// consumers.ts) so a new consumer gets its row without an edit: per consumer its events by
// outcome (the EMF metrics of shared/metrics.ts) and its queue and DLQ; the webhooks; the HTTP API;
// every function's errors, throttles and duration.

type Json = unknown;

export interface DashboardInput {
  /** The metrics namespace the functions publish to (POWERTOOLS_METRICS_NAMESPACE). */
  namespace: string;
  /** `<service>-<stage>`: the prefix of queue and function names. */
  prefix: string;
  consumers: string[];
  functions: string[];
  /** Logical id of the HTTP API, when the stage has one. */
  httpApi?: string;
  /** Whether a consumer delivers webhooks (publishes WebhooksDelivered, …). */
  webhooks: boolean;
}

// CloudFormation Fn::Sub placeholders, not template strings.
const REGION = '$' + '{AWS::Region}';
const ref = (logicalId: string) => `$\{${logicalId}}`;

const search = (namespace: string, dimensions: string[], terms: string, stat = 'Sum') =>
  `SEARCH('{${namespace},${dimensions.join(',')}} ${terms}', '${stat}', 60)`;

function widget(title: string, metrics: Json[], x: number, y: number, stat = 'Sum'): Json {
  return {
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region: REGION, view: 'timeSeries', stat, period: 60, metrics },
  };
}

const expressions = (list: string[]) =>
  list.map((expression, i) => [{ expression, id: `e${i + 1}` }]);

/** The dashboard body, for Fn::Sub (it holds `${AWS::Region}` and the API's `${Ref}`). */
export function dashboardBody(input: DashboardInput): { widgets: Json[] } {
  const { namespace, prefix } = input;
  const widgets: Json[] = [];
  let y = 0;
  for (const consumer of input.consumers) {
    const outcome = (metric: string) =>
      search(
        namespace,
        ['service', 'consumer', 'eventType'],
        `MetricName="${metric}" consumer="${consumer}"`,
      );
    widgets.push(
      widget(
        `${consumer}: events handled, retried, dead-lettered, duplicates suppressed`,
        expressions(
          ['EventsHandled', 'EventsRetried', 'EventsDeadLettered', 'DuplicatesSuppressed'].map(
            outcome,
          ),
        ),
        0,
        y,
      ),
      widget(
        `${consumer}: messages waiting in its queue and its DLQ`,
        [
          ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `${prefix}-${consumer}`],
          ['...', `${prefix}-${consumer}-dlq`],
          [
            'AWS/SQS',
            'ApproximateAgeOfOldestMessage',
            'QueueName',
            `${prefix}-${consumer}`,
            { yAxis: 'right' },
          ],
        ],
        12,
        y,
        'Maximum',
      ),
    );
    y += 6;
  }
  let x = 0;
  if (input.webhooks) {
    widgets.push(
      widget(
        'Webhooks delivered, failed (retried), rejected (4xx), per target',
        expressions(
          ['WebhooksDelivered', 'WebhooksFailed', 'WebhooksGone'].map((metric) =>
            search(namespace, ['service', 'target'], `MetricName="${metric}"`),
          ),
        ),
        x,
        y,
      ),
    );
    x = 12;
  }
  if (input.httpApi) {
    widgets.push(
      widget(
        'HTTP responses per route and status class',
        expressions([
          search(namespace, ['service', 'route', 'status'], 'MetricName="HttpResponses"'),
        ]),
        x,
        y,
      ),
    );
    if (x === 12) {
      y += 6;
      x = 0;
    } else x = 12;
    widgets.push(
      widget(
        'HTTP API: 4xx, 5xx (API Gateway, throttling and authorizer included)',
        [
          ['AWS/ApiGateway', '4xx', 'ApiId', ref(input.httpApi), 'Stage', '$default'],
          ['.', '5xx', '.', '.', '.', '.'],
        ],
        x,
        y,
      ),
    );
  }
  y += 6;
  const perFunction = (metric: string) =>
    input.functions.map((fn) => ['AWS/Lambda', metric, 'FunctionName', `${prefix}-${fn}`]);
  widgets.push(
    widget(
      'Function errors and throttles',
      [...perFunction('Errors'), ...perFunction('Throttles')],
      0,
      y,
    ),
    widget('Function duration (p99)', perFunction('Duration'), 12, y, 'p99'),
  );
  return { widgets };
}
