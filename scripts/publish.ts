#!/usr/bin/env tsx
// `npm run publish -- <type> '<json data>' [--stage <stage>]`: publish one validated event to the
// deployed events topic of a stage (default: local, in the emulator) and print its id.
import { parseArgs } from 'node:util';
import { ContractViolation } from '../events/contract-violation.ts';
import { type EventType, eventTypes, validateData } from '../events/registry.ts';
import { parseJson } from '../shared/json.ts';
import { createPublisher } from '../shared/publisher.ts';
import { applyLocalAwsEnv } from './emulator/local-env.ts';
import { stackOutputs } from './local/stack.ts';

const usage = `usage: npm run publish -- <type> '<json data>' [--stage <stage>]
types: ${eventTypes().join(', ')}`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { stage: { type: 'string', default: 'local' } },
  });
  const [type, json] = positionals;
  if (!type || !json) {
    console.error(usage);
    return 2;
  }
  if (!(eventTypes() as string[]).includes(type)) {
    console.error(`Unknown event type "${type}".\n${usage}`);
    return 2;
  }
  // Refuse bad input before touching AWS: the error names the field.
  let data: unknown;
  try {
    data = parseJson(json);
  } catch {
    console.error(`The data is not valid JSON: ${json}`);
    return 2;
  }
  validateData(type as EventType, data);
  // Only the local stage talks to the emulator; other stages use your normal AWS credentials.
  if (values.stage === 'local') applyLocalAwsEnv();
  const { eventsTopicArn } = await stackOutputs(values.stage);
  const publisher = createPublisher({ topicArn: eventsTopicArn, source: 'cli' });
  const event = await publisher.publish(type as EventType, data as never);
  console.log(event.id);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Every failure here is explained by its message; a stack trace would only hide it.
    console.error(error instanceof Error ? error.message : error);
    process.exit(error instanceof ContractViolation ? 2 : 1);
  },
);
