// What `npm run invoke` does once it has its arguments: read the deployed function (its handler
// and environment), build the event, import the handler from its source and call it.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { currentContract, type EventType, eventTypes } from '../../events/registry.ts';
import { applyLocalAwsEnv } from '../emulator/local-env.ts';
import { exampleEvent, sqsEventOf } from '../generate-events.ts';
import { explainAwsError, serviceName } from '../local/stack.ts';
import { EMULATOR_STAGES } from '../serverless/local-faults.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface InvokeInput {
  fn: string;
  stage: string;
  event?: unknown;
  type?: string;
}

/** A consumer's SQS batch of one event of this type, from its contract's first example. */
export function eventOfType(type: string) {
  if (!eventTypes().includes(type as EventType))
    throw new Error(`No contract for "${type}"; known types: ${eventTypes().join(', ')}.`);
  const contract = currentContract(type as EventType);
  const id = randomUUID();
  return sqsEventOf({
    ...exampleEvent(contract, 0),
    id,
    correlationid: id,
    time: new Date().toISOString(),
  });
}

/** A Lambda context for an in-process call, with the function's timeout. */
function contextFor(functionName: string, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'npm-run-invoke',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export async function invokeDeployed({ fn, stage, event, type }: InvokeInput): Promise<unknown> {
  if (EMULATOR_STAGES.includes(stage)) applyLocalAwsEnv();
  const functionName = `${serviceName()}-${stage}-${fn}`;
  const config = await new LambdaClient({})
    .send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
    .catch((error: unknown) => {
      if ((error as Error).name === 'ResourceNotFoundException')
        throw new Error(
          `No function ${functionName} is deployed (stage ${stage}): deploy it first.`,
        );
      throw explainAwsError(error);
    });
  // Its environment as deployed; the endpoint and credentials stay this shell's.
  const { AWS_ENDPOINT_URL: _ignored, ...variables } = config.Environment?.Variables ?? {};
  Object.assign(process.env, variables);
  const [file, exported = 'handler'] = (config.Handler ?? '').split(/\.(?=[^.]+$)/);
  const module = await import(pathToFileURL(path.join(root, `${file}.ts`)).href);
  const handler = module[exported];
  if (typeof handler !== 'function')
    throw new Error(`${file}.ts exports no function ${exported} (the handler ${config.Handler}).`);
  const input = event ?? eventOfType(type as string);
  return handler(input, contextFor(functionName, config.Timeout ?? 10));
}
