import { describe, expect, it } from 'vitest';
import { dashboardBody } from './dashboard.ts';

const titles = (body: { widgets: unknown[] }) =>
  body.widgets.map((w) => (w as { properties: { title: string } }).properties.title);

describe('the stage dashboard', () => {
  it('gives every consumer its row of outcomes, queue and DLQ', () => {
    const body = dashboardBody({
      namespace: 'svc/dev',
      prefix: 'svc-dev',
      consumers: ['billing', 'fraud-check'],
      functions: ['billingWorker', 'fraudCheckWorker', 'ordersApi'],
      httpApi: 'HttpApi',
      webhooks: false,
    });
    expect(titles(body)).toEqual([
      'billing: events handled, retried, dead-lettered, duplicates suppressed',
      'billing: messages waiting in its queue and its DLQ',
      'fraud-check: events handled, retried, dead-lettered, duplicates suppressed',
      'fraud-check: messages waiting in its queue and its DLQ',
      'HTTP responses per route and status class',
      'HTTP API: 4xx, 5xx (API Gateway, throttling and authorizer included)',
      'Function errors and throttles',
      'Function duration (p99)',
    ]);
    const text = JSON.stringify(body);
    expect(text).toContain(
      `SEARCH('{svc/dev,service,consumer,eventType} MetricName=\\"EventsDeadLettered\\" consumer=\\"fraud-check\\"', 'Sum', 60)`,
    );
    expect(text).toContain('"svc-dev-fraud-check-dlq"');
    const sub = (name: string) => `$\{${name}}`; // a Fn::Sub placeholder
    expect(text).toContain(`"ApiId","${sub('HttpApi')}"`);
    // Fn::Sub replaces every placeholder: only the region and the API's id may appear.
    expect(
      text.match(/\$\{[^}]*\}/g)?.every((v) => v === sub('AWS::Region') || v === sub('HttpApi')),
    ).toBe(true);
  });

  it('leaves out the HTTP API and the webhooks where a stage has neither', () => {
    const body = dashboardBody({
      namespace: 'svc/dev',
      prefix: 'svc-dev',
      consumers: ['billing'],
      functions: ['billingWorker'],
      webhooks: false,
    });
    expect(titles(body).filter((t) => /HTTP|Webhook/.test(t))).toEqual([]);
  });
});
