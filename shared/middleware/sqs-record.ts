import type { Request } from '@middy/core';
import type { SQSRecord } from 'aws-lambda';

// The raw SQS record behind a request whose `event` was replaced by the parsed CloudEvent.
// Keyed by the request object, which lives exactly as long as one record's pipeline.
const records = new WeakMap<object, SQSRecord>();

export const rememberRecord = (request: Request, record: SQSRecord): void => {
  records.set(request, record);
};

export const recordOf = (request: Request): SQSRecord | undefined => records.get(request);
