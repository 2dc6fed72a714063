// The alarms a team expects beside every DLQ's, built the same way for each queue, function and
// HTTP API the plugins generate. All of them notify custom.alarmActions (the alerts topic).

type Json = unknown;

const base = (actions: Json) => ({
  EvaluationPeriods: 1,
  ComparisonOperator: 'GreaterThanThreshold',
  TreatMissingData: 'notBreaching',
  AlarmActions: actions,
});

/**
 * The logical id the framework gives a function named in camelCase, as every generated consumer
 * is (`calculatorWorker` → `CalculatorWorkerLambdaFunction`); other names go through the
 * framework's own naming (the http-api plugin).
 */
export const functionLogicalId = (functionName: string) =>
  `${functionName.charAt(0).toUpperCase()}${functionName.slice(1)}LambdaFunction`;

/** The oldest message of a queue has waited longer than `seconds`: a backlog or a stuck consumer. */
export function oldestMessageAlarm(o: {
  name: string;
  queueLogicalId: string;
  seconds: number;
  actions: Json;
}) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ...base(o.actions),
      AlarmName: `${o.name}-oldest-message`,
      AlarmDescription: `A message has waited over ${o.seconds} s in ${o.name}`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [o.queueLogicalId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: o.seconds,
    },
  };
}

/**
 * A function failed (threw, timed out, ran out of memory). A consumer reports a record's failure
 * as a batch item failure, not an error, so for a worker this counts crashes only.
 */
export function functionErrorsAlarm(o: {
  name: string;
  functionName: string;
  /** The function's logical id in the template (the framework's naming decides it). */
  functionId?: string;
  actions: Json;
}) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ...base(o.actions),
      AlarmName: `${o.name}-errors`,
      AlarmDescription: `${o.functionName} failed (an error, a timeout or out of memory)`,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: o.functionId ?? functionLogicalId(o.functionName) } },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
    },
  };
}

/** The HTTP API answered 5xx (a function failed or API Gateway could not reach it). */
export function api5xxAlarm(o: { name: string; apiLogicalId: string; actions: Json }) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      ...base(o.actions),
      AlarmName: `${o.name}-5xx`,
      AlarmDescription: 'The HTTP API answered 5xx',
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: o.apiLogicalId } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
    },
  };
}
