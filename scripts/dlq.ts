#!/usr/bin/env tsx
// `npm run dlq -- list [service] [--stage s]`, `redrive <service> [--stage s] [--max n] [--code c]`,
// `purge <service> --yes [--stage s]`: the dead-letter queues of a deployed stage (default
// `local`, in the emulator; other stages use your normal AWS credentials).
import { parseArgs } from 'node:util';
import { sqsClient } from '../shared/aws/clients.ts';
import { applyLocalAwsEnv } from './emulator/local-env.ts';
import { stackOutputs } from './local/stack.ts';
import {
  countMessages,
  groupByCode,
  purge,
  readDeadLetters,
  redrive,
} from './operations/dead-letters.ts';

const usage = `usage: npm run dlq -- list [service] [--stage s]
       npm run dlq -- redrive <service> [--stage s] [--max n] [--code c]
       npm run dlq -- purge <service> --yes [--stage s]`;

class UsageError extends Error {}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      stage: { type: 'string', default: 'local' },
      max: { type: 'string' },
      code: { type: 'string' },
      yes: { type: 'boolean', default: false },
    },
  });
  const [command, service] = positionals;
  if (!command || !['list', 'redrive', 'purge'].includes(command)) throw new UsageError(usage);
  if (values.stage === 'local') applyLocalAwsEnv();
  const stack = await stackOutputs(values.stage);
  const services = Object.keys(stack.deadLetterQueues);
  if (service !== undefined && !services.includes(service)) {
    throw new UsageError(
      `"${service}" has no dead-letter queue in stage ${values.stage}; its services are: ${services.join(', ')}.`,
    );
  }
  const sqs = sqsClient();
  const dlqOf = (name: string) => stack.deadLetterQueues[name] as string;

  if (command === 'list') {
    for (const name of service ? [service] : services) {
      const letters = await readDeadLetters(sqs, dlqOf(name));
      console.log(`${name}: ${letters.length} message${letters.length === 1 ? '' : 's'}`);
      for (const group of groupByCode(letters)) {
        console.log(
          `  ${group.code} × ${group.count}  (consumer ${group.consumer ?? '-'}, attempts ${group.attempts.join('/') || '-'}, first seen ${group.firstSeen ?? '-'})`,
        );
        if (group.reason) console.log(`    ${group.reason}`);
        for (const event of group.events.slice(0, 5))
          console.log(`    - ${event.type ?? '(no type)'} ${event.id ?? '(no id)'}`);
        if (group.events.length > 5) console.log(`    … and ${group.events.length - 5} more`);
      }
    }
    return 0;
  }
  if (!service) throw new UsageError(`Name the service whose DLQ to ${command}.\n${usage}`);
  if (command === 'purge') {
    if (!values.yes)
      throw new UsageError(`This drops every message in the ${service} DLQ; add --yes.`);
    console.log(`purged ${await purge(sqs, dlqOf(service))} messages from the ${service} DLQ`);
    return 0;
  }
  const max = values.max === undefined ? undefined : Number(values.max);
  if (max !== undefined && !(Number.isInteger(max) && max > 0))
    throw new UsageError(`--max must be a positive whole number, not "${values.max}".`);
  const result = await redrive(sqs, dlqOf(service), { max, code: values.code });
  console.log(
    `redrove ${result.moved} message${result.moved === 1 ? '' : 's'} from the ${service} DLQ (${result.method})${result.left ? `; ${result.left} left there` : ''}; ${await countMessages(sqs, dlqOf(service))} remain`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
