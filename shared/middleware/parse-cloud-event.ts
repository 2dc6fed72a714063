import type { MiddlewareObj } from '@middy/core';
import type { SQSRecord } from 'aws-lambda';
import type { CloudEvent } from '../../events/cloud-event.ts';
import { ContractViolation } from '../../events/contract-violation.ts';
import { parseEvent } from '../../events/registry.ts';
import * as z from '../../events/zod.ts';
import { parseJson } from '../json.ts';
import { rememberRecord } from './sqs-record.ts';

export interface ParseCloudEventOptions {
  /** Event types this consumer handles; anything else is a contract violation. */
  accepts: readonly string[];
}

/**
 * The SNS notification envelope a queue receives when its subscription has no raw delivery.
 * (Powertools' SnsSqsNotificationSchema says the same, but it imports zod as a whole and so
 * bundles its locales into every function: docs/deploying.md#what-the-template-sets.) Built at
 * the first record (z.lazy), not at the cold start.
 */
const SnsNotification = z.lazy(() =>
  z.object({
    Type: z.literal('Notification'),
    TopicArn: z.string(),
    Message: z.string(),
  }),
);

function parseBody(body: string): unknown {
  try {
    return parseJson(body);
  } catch (error) {
    throw new ContractViolation('MALFORMED_MESSAGE', 'Message body is not JSON', { cause: error });
  }
}

/**
 * SQS record body → CloudEvent with validated `data`. Understands raw SNS delivery (the body is
 * the event) and SNS-wrapped bodies (a queue subscribed without raw delivery).
 */
export function parseRecordBody(body: string, accepts: readonly string[]): CloudEvent {
  let json = parseBody(body);
  const notification = SnsNotification.safeParse(json);
  if (notification.success) json = parseBody(notification.data.Message);
  const event = parseEvent(json);
  if (!accepts.includes(event.type)) {
    throw new ContractViolation(
      'UNKNOWN_EVENT_TYPE',
      `This consumer does not handle "${event.type}" (it handles: ${accepts.join(', ')})`,
    );
  }
  return event;
}

/** Middy middleware: replaces the SQS record in `request.event` with its parsed CloudEvent. */
export const parseCloudEvent = ({ accepts }: ParseCloudEventOptions): MiddlewareObj => ({
  before: (request) => {
    const record = request.event as SQSRecord;
    rememberRecord(request, record);
    request.event = parseRecordBody(record.body, accepts);
  },
});
