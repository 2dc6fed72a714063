import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

// CloudWatch metrics as Powertools EMF documents: one log line per publish, turned into metrics
// by CloudWatch Logs, so no PutMetricData call and no extra latency. The namespace comes from
// POWERTOOLS_METRICS_NAMESPACE (serverless.yml sets it to the service name); the dashboard in
// serverless.yml reads these names.

/** What happened to the records of a consumer, per metric name. */
export const RECORD_METRICS = {
  handled: 'EventsHandled',
  retried: 'EventsRetried',
  deadLettered: 'EventsDeadLettered',
  duplicate: 'DuplicatesSuppressed',
} as const;
export type RecordOutcome = keyof typeof RECORD_METRICS;

// One instance per (service, dimensions): dimension values come from closed sets (consumer
// names, accepted event types, routes, webhook target names), so this stays small.
const instances = new Map<string, Metrics>();

function metricsFor(service: string, dimensions: Record<string, string>): Metrics {
  const key = JSON.stringify([service, dimensions]);
  let metrics = instances.get(key);
  if (!metrics) {
    metrics = new Metrics({ serviceName: service, defaultDimensions: dimensions });
    instances.set(key, metrics);
  }
  return metrics;
}

/** Publish these counts (zeros left out) as one EMF document with these dimensions. */
export function publishCounts(
  service: string,
  dimensions: Record<string, string>,
  counts: Record<string, number>,
): void {
  const metrics = metricsFor(service, dimensions);
  for (const [name, value] of Object.entries(counts)) {
    if (value) metrics.addMetric(name, MetricUnit.Count, value);
  }
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** Record outcomes of one invocation, by event type; published once, at its end. */
export class OutcomeTally {
  readonly #counts = new Map<string, Record<string, number>>();

  add(eventType: string, outcome: RecordOutcome): void {
    const counts = this.#counts.get(eventType) ?? {};
    const name = RECORD_METRICS[outcome];
    counts[name] = (counts[name] ?? 0) + 1;
    this.#counts.set(eventType, counts);
  }

  publish(service: string, consumer: string): void {
    for (const [eventType, counts] of this.#counts) {
      publishCounts(service, { consumer, eventType }, counts);
    }
  }
}
