// How fast a deployed consumer can take letters back: what a redrive paces itself to.
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';

export interface ConsumerPace {
  /** Letters a second a redrive hands it at most (at least 1). */
  perSecond: number;
  concurrency: number;
  batchSize: number;
  timeoutSeconds: number;
}

/** Invocations at once assumed for a consumer its event source does not cap. */
export const UNCAPPED_CONCURRENCY = 10;

/**
 * Every invocation at once taking a whole batch for its whole timeout — the pace it keeps even
 * when every record is slow (a receiver barely answering), so a redrive never outruns it.
 */
export function paceOf(concurrency: number, batchSize: number, timeoutSeconds: number): number {
  return Math.max(1, Math.floor((concurrency * batchSize) / timeoutSeconds));
}

/** The pace of the function that consumes `queueArn`, from its event source and timeout. */
export async function consumerPace(
  queueArn: string,
  lambda = new LambdaClient({}),
): Promise<ConsumerPace | undefined> {
  const { EventSourceMappings = [] } = await lambda.send(
    new ListEventSourceMappingsCommand({ EventSourceArn: queueArn }),
  );
  const mapping = EventSourceMappings[0];
  if (!mapping?.FunctionArn) return undefined;
  const { Timeout = 3 } = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: mapping.FunctionArn }),
  );
  const concurrency = mapping.ScalingConfig?.MaximumConcurrency ?? UNCAPPED_CONCURRENCY;
  const batchSize = mapping.BatchSize ?? 10;
  return {
    perSecond: paceOf(concurrency, batchSize, Timeout),
    concurrency,
    batchSize,
    timeoutSeconds: Timeout,
  };
}
