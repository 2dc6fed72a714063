#!/usr/bin/env tsx
// `npm run deploy:local`: serverless deploy --stage local into the emulator (started if needed).
import { deployLocalStack } from './local/stack.ts';

deployLocalStack().then(
  (stack) => {
    console.log(`\nAPI:    ${stack.apiUrl}/calculations`);
    console.log(`Topic:  ${stack.eventsTopicArn}`);
    console.log(
      'Try:    npm run demo   ·   npm run webhooks   ·   npm run publish -- <type> <json>',
    );
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
