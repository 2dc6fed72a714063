// AWS X-Ray through Powertools Tracer, in the bundles of stages that trace (param tracing: Active)
// and nowhere else. scripts/serverless/tracing.ts has the bundler replace
// `process.env.POWERTOOLS_TRACING_BUNDLED` with the stage's setting, so in every other bundle the
// branch below is dead and esbuild drops it with the Tracer and the X-Ray SDK: tracing off costs
// no byte and no millisecond of a cold start (npm run bench compares both). Unbundled (tests,
// npm run invoke), the variable is read from the environment and is normally unset.
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';

const tracing =
  process.env.POWERTOOLS_TRACING_BUNDLED === 'Active'
    ? await (async () => {
        const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
          import('@aws-lambda-powertools/tracer'),
          import('@aws-lambda-powertools/tracer/middleware'),
        ]);
        const tracer = new Tracer();
        // Responses stay out of the trace: they may hold what a log would not (webhook bodies).
        return { tracer, middleware: captureLambdaHandler(tracer, { captureResponse: false }) };
      })()
    : undefined;

/** An AWS SDK v3 client whose calls appear as subsegments of the function's trace, when tracing. */
export function traced<Client>(client: Client): Client {
  return tracing ? tracing.tracer.captureAWSv3Client(client) : client;
}

/** Middy middleware: the handler's subsegment (cold start, errors annotated), when tracing. */
export function tracingMiddleware(): MiddlewareObj[] {
  return tracing ? [tracing.middleware as MiddlewareObj] : [];
}

/** The Tracer, when this bundle traces: annotate a subsegment with what a search should find. */
export const tracer: Tracer | undefined = tracing?.tracer;
