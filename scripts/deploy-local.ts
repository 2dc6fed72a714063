#!/usr/bin/env tsx
// `npm run deploy:local`: serverless deploy --stage local into the emulator (started if needed).
import { parseCli, runMain } from './lib/cli.ts';

const cli = {
  usage: `usage: npm run deploy:local
Deploys the stack as stage local into the emulator (started if needed) and prints its API URL,
events topic and dead-letter queues.
  --help  this text`,
};

async function main(): Promise<number> {
  parseCli(cli);
  // Imported after the arguments are read: --help and a bad flag load no AWS SDK.
  const { deployLocalStack } = await import('./local/stack.ts');
  const stack = await deployLocalStack();
  if (stack.apiUrl) console.log(`\nAPI:    ${stack.apiUrl}`);
  console.log(`Topic:  ${stack.eventsTopicArn}`);
  for (const [service, url] of Object.entries(stack.deadLetterQueues))
    console.log(`DLQ:    ${service} ${url}`);
  console.log('Try:    npm run demo   ·   npm run webhooks   ·   npm run publish -- <type> <json>');
  return 0;
}

runMain(cli, main);
