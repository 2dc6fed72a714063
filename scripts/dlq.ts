#!/usr/bin/env tsx
// `npm run dlq -- list [service] [--stage s]`, `redrive <service> [--stage s] [--max n] [--code c]`,
// `purge <service> --yes [--stage s]`: the dead-letter queues of a deployed stage (default
// `local`, in the emulator; other stages use your normal AWS credentials).
import { parseCli, runMain, UsageError, wholeNumber } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run dlq -- list [service] [--stage s]
       npm run dlq -- redrive <service> [--stage s] [--max n] [--code c] [--rate n]
       npm run dlq -- purge <service> --yes [--stage s]
  list        count each service's dead letters, grouped by failure.code, with their reasons
  redrive     move a service's dead letters back to its queue for another try; for a table's
              outbox relay (<table>-outbox), republish the events of its failed batches
  purge       drop every dead letter of a service
  --stage s   the deployed stage (default: local, in the emulator; others use your AWS credentials)
  --max n     redrive at most n letters
  --code c    redrive only letters whose failure.code is c (see list)
  --rate n    letters a second at most (default: what the consumer can take — its concurrency ×
              batch size / timeout, from the deployed stage)
  --yes       confirm a purge
  --help      this text`,
  allowPositionals: true,
  options: {
    stage: { type: 'string', default: 'local' },
    max: { type: 'string' },
    rate: { type: 'string' },
    code: { type: 'string' },
    yes: { type: 'boolean', default: false },
  },
} as const;

async function main(): Promise<number> {
  const { positionals, values } = parseCli(cli);
  const [command, service, ...extra] = positionals;
  if (!command) throw new UsageError('Name a command: list, redrive or purge.');
  if (!['list', 'redrive', 'purge'].includes(command))
    throw new UsageError(`Unknown command "${command}": use list, redrive or purge.`);
  if (extra.length) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  if (command !== 'list' && !service)
    throw new UsageError(`Name the service whose DLQ to ${command}.`);
  if (command === 'purge' && !values.yes)
    throw new UsageError(`This drops every message in the ${service} DLQ; add --yes.`);
  const max = wholeNumber('max', values.max);
  const rate = wholeNumber('rate', values.rate);
  if (rate === 0) throw new UsageError('--rate is letters a second: 1 or more.');
  // Imported after the arguments are read: --help and a bad flag load no AWS SDK.
  const { sqsClient } = await import('../shared/aws/clients.ts');
  const { applyLocalAwsEnv } = await import('./emulator/local-env.ts');
  const { stackOutputs } = await import('./local/stack.ts');
  const { countMessages, groupByCode, purge, readDeadLetters } = await import(
    './operations/dead-letters.ts'
  );
  const { redrive } = await import('./operations/redrive.ts');
  const { sourceQueueOf } = await import('./operations/source-queue.ts');
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
          `  ${group.code} × ${group.count}  (consumer ${group.consumer ?? '-'}, attempts ${group.attempts.join('/') || '-'}, first seen ${group.firstSeen ?? '-'}${group.redrivenBefore ? `; ${group.redrivenBefore} failed again after a redrive` : ''})`,
        );
        if (group.reason) console.log(`    ${group.reason}`);
        for (const event of group.events.slice(0, 5))
          console.log(`    - ${event.type ?? '(no type)'} ${event.id ?? '(no id)'}`);
        if (group.events.length > 5) console.log(`    … and ${group.events.length - 5} more`);
      }
    }
    return 0;
  }
  const name = service as string; // checked before any work, above
  if (command === 'purge') {
    console.log(`purged ${await purge(sqs, dlqOf(name))} messages from the ${name} DLQ`);
    return 0;
  }
  if (stack.outboxDeadLetterQueues.includes(name)) {
    // A relay's letters point at stream records: the events are republished from the table.
    const { redriveOutbox } = await import('./operations/outbox-letters.ts');
    const { documentClient, snsClient } = await import('../shared/aws/clients.ts');
    const result = await redriveOutbox(
      { sqs, sns: snsClient(), documents: documentClient() },
      dlqOf(name),
      { topicArn: stack.eventsTopicArn, max },
    );
    console.log(
      `redrove ${result.batches} failed batch${result.batches === 1 ? '' : 'es'} from the ${name} DLQ: ${result.events} event(s) republished from the outbox${result.left ? `; ${result.left} letter(s) that are no stream failure left there` : ''}; ${await countMessages(sqs, dlqOf(name))} remain`,
    );
    return 0;
  }
  const { consumerPace } = await import('./operations/consumer-pace.ts');
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const source = await sourceQueueOf(sqs, dlqOf(name));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: source, AttributeNames: ['QueueArn'] }),
  );
  // Reading the pace needs lambda:ListEventSourceMappings and GetFunctionConfiguration.
  const pace =
    rate === undefined
      ? await consumerPace(Attributes?.QueueArn as string).catch((error: Error) => {
          console.warn(
            `could not read what ${name} can take (${error.name}): redriving unpaced; --rate n sets a pace`,
          );
          return undefined;
        })
      : undefined;
  const perSecond = rate ?? pace?.perSecond;
  if (perSecond)
    console.log(
      `redriving at ${perSecond} letter(s)/s at most${pace ? ` (what ${name} can take: ${pace.concurrency} invocations × ${pace.batchSize} records / ${pace.timeoutSeconds} s)` : ''}`,
    );
  const total = await countMessages(sqs, dlqOf(name));
  const result = await redrive(sqs, dlqOf(name), {
    max,
    code: values.code,
    perSecond,
    onProgress: (moved) => console.log(`  … ${moved} of ~${total} moved`),
  });
  console.log(
    `redrove ${result.moved} message${result.moved === 1 ? '' : 's'} from the ${name} DLQ (${result.method})${result.left ? `; ${result.left} left there` : ''}; ${await countMessages(sqs, dlqOf(name))} remain`,
  );
  return 0;
}

runMain(cli, main);
