import { defineContract } from './contract.ts';
import * as z from './zod.ts';

export const notificationSent = defineContract({
  type: 'notification.sent',
  version: 1,
  description: 'A calculation outcome was delivered to a webhook.',
  schema: () =>
    z.object({
      calculationId: z.uuid(),
      /** The id of the event that was delivered (any producer's CloudEvents id: a non-empty string). */
      eventId: z.string().check(z.minLength(1)),
      /** Name of the configured webhook target (never its URL, which may carry credentials). */
      target: z.string().check(z.minLength(1)),
      status: z.int().check(z.minimum(100), z.maximum(599)),
      attempts: z.int().check(z.minimum(1)),
    }),
  examples: [
    {
      calculationId: '6f1c1c3e-3f0e-4c55-9d43-0a7a3c1e2b10',
      eventId: '2c0e0a39-6a3c-4a3b-8d7e-0d8f7f6e5a41',
      target: 'default',
      status: 200,
      attempts: 1,
    },
  ],
});
export type NotificationSent = z.infer<typeof notificationSent.schema>;
