// The relay function the `custom.tables` entry of a table with `outbox: true` deploys
// (scripts/serverless/tables.ts): one per such table, on that table's stream.
import { baseConfigShape, loadConfig, publisherConfigShape } from './config.ts';
import { createOutboxRelay } from './outbox-relay.ts';

const config = loadConfig({ ...baseConfigShape, ...publisherConfigShape });

export const handler = createOutboxRelay({ topicArn: config.EVENTS_TOPIC_ARN });
