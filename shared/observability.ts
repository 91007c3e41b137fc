import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type middy from '@middy/core';

/** Created once per execution environment; configured by POWERTOOLS_* variables. */
const serviceName = 'council-hub';
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: 'CouncilHub', serviceName });

/**
 * Whether calls are traced through the X-Ray SDK (Powertools Tracer): a subsegment
 * per DynamoDB call (shared/store/client.ts) and the handler's subsegment with its
 * ColdStart annotation. Only when POWERTOOLS_TRACE_ENABLED is `true`, which HubFunction
 * sets when the CDK context `sdkTracing` is on: loading the X-Ray SDK costs every cold
 * start about a third of a bare DynamoDB client's init (README, Tests, budgets and
 * benchmarks). Without it the Lambda runtime's own active tracing still records every
 * invocation's segment (initialization, invocation, overhead) linked to API Gateway's.
 */
export const sdkTracing = process.env.POWERTOOLS_TRACE_ENABLED?.trim().toLowerCase() === 'true';

/**
 * Stands in for the Tracer when SDK tracing is off: the same surface the hub uses,
 * doing nothing (the middleware's hooks return at once when tracing is disabled).
 * Nothing of aws-xray-sdk-core is loaded.
 */
const untraced = {
  isTracingEnabled: () => false,
  captureAWSv3Client: <T>(client: T): T => client,
  getSegment: () => undefined,
  setSegment: () => undefined,
  annotateColdStart: () => undefined,
  addServiceNameAnnotation: () => undefined,
  addResponseAsMetadata: () => undefined,
  addErrorAsMetadata: () => undefined,
  putAnnotation: () => undefined,
  putMetadata: () => undefined,
} as unknown as Tracer;

/** The Tracer and its handler middleware (each operation's chain gets its own), from the Powertools layer. */
async function sdkTracer(): Promise<{ tracer: Tracer; traceHandler: () => middy.MiddlewareObj }> {
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]);
  const traced = new Tracer({ serviceName });
  return { tracer: traced, traceHandler: () => captureLambdaHandler(traced) };
}

/** Without SDK tracing there is no handler middleware at all (the Tracer's would return at once). */
export const { tracer, traceHandler } = sdkTracing ? await sdkTracer() : { tracer: untraced, traceHandler: undefined };
