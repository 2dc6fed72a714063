#!/usr/bin/env tsx
// `npm run deploy:local`: serverless deploy --stage local into the emulator (started if needed).
import { deployLocalStack } from './local/stack.ts';

deployLocalStack().then(
  (stack) => {
    if (stack.apiUrl) console.log(`\nAPI:    ${stack.apiUrl}`);
    console.log(`Topic:  ${stack.eventsTopicArn}`);
    for (const [service, url] of Object.entries(stack.deadLetterQueues))
      console.log(`DLQ:    ${service} ${url}`);
    console.log(
      'Try:    npm run demo   ·   npm run webhooks   ·   npm run publish -- <type> <json>',
    );
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
