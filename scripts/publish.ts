#!/usr/bin/env tsx
// `npm run publish -- <type> '<json data>' [--stage <stage>]`: publish one validated event to the
// deployed events topic of a stage (default: local, in the emulator) and print its id.
import { ContractViolation } from '../events/contract-violation.ts';
import { type EventType, eventTypes, validateData } from '../events/registry.ts';
import { parseJson } from '../shared/json.ts';
import { parseCli, runMain, UsageError } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run publish -- <type> '<json data>' [--stage <stage>]
  <type>           the event type (${eventTypes().join(', ')})
  <json data>      the event's data, checked against its contract before anything is sent
  --stage <stage>  the deployed stage (default: local, in the emulator; others use your AWS credentials)
  --help           this text
Prints the published event's id.`,
  allowPositionals: true,
  options: { stage: { type: 'string', default: 'local' } },
} as const;

async function main(): Promise<number> {
  const { positionals, values } = parseCli(cli);
  const [type, json, ...extra] = positionals;
  if (!type || json === undefined)
    throw new UsageError('Name an event type and give its JSON data.');
  if (extra.length)
    throw new UsageError(`Unexpected argument "${extra[0]}": quote the JSON data as one argument.`);
  if (!(eventTypes() as string[]).includes(type))
    throw new UsageError(`Unknown event type "${type}".`);
  // Refuse bad input before touching AWS: the error names the field.
  let data: unknown;
  try {
    data = parseJson(json);
  } catch {
    throw new UsageError(`The data is not valid JSON: ${json}`);
  }
  try {
    validateData(type as EventType, data);
  } catch (error) {
    if (error instanceof ContractViolation) throw new UsageError(error.message);
    throw error;
  }
  // Imported only now: --help and bad input load no AWS SDK.
  const { createPublisher } = await import('../shared/publisher.ts');
  const { applyLocalAwsEnv } = await import('./emulator/local-env.ts');
  const { stackOutputs } = await import('./local/stack.ts');
  // Only the local stage talks to the emulator; other stages use your normal AWS credentials.
  if (values.stage === 'local') applyLocalAwsEnv();
  const { eventsTopicArn } = await stackOutputs(values.stage);
  const publisher = createPublisher({ topicArn: eventsTopicArn, source: 'cli' });
  const event = await publisher.publish(type as EventType, data as never);
  console.log(event.id);
  return 0;
}

runMain(cli, main);
