import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpSecurityHeaders from '@middy/http-security-headers';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { type Caller, callerFromEvent, requireGroup } from '../auth';
import { type FieldError, unprocessable } from '../errors';
import { logger, metrics, tracer } from '../observability';
import type { RouteSpec } from './route-spec';
import { idempotentPost } from './idempotency';
import { problemDetails } from './problem-details';
import type { HttpResult } from './responses';

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface OperationInput<R extends RouteSpec> {
  params: Parsed<NonNullable<R['request']>['params']>;
  query: Parsed<NonNullable<R['request']>['query']>;
  body: Parsed<NonNullable<R['request']>['body']>;
  caller: R['auth'] extends true ? Caller : Caller | undefined;
  headers: Record<string, string | undefined>;
  event: APIGatewayProxyEventV2;
}

export type OperationHandler = middy.MiddyfiedHandler<APIGatewayProxyEventV2, HttpResult, Error, Context>;

export interface OperationOptions {
  /** Overrides for @middy/http-security-headers, e.g. a CSP that lets the docs page run. */
  securityHeaders?: Parameters<typeof httpSecurityHeaders>[0];
}

/** middy's defaults, less the reporting endpoints the hub does not run. */
const quietSecurityHeaders = { reportingEndpoints: false, reportTo: false, xssProtection: { reportTo: '' } };

/** Validates path, query and body against the route's zod schemas: 422 with every error. */
function parseInput(route: RouteSpec, event: APIGatewayProxyEventV2) {
  const errors: FieldError[] = [];
  const parse = (where: string, schema: z.ZodType | undefined, value: unknown) => {
    if (!schema) return undefined;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      errors.push({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message });
    }
    return undefined;
  };
  const input = {
    params: parse('params', route.request?.params, event.pathParameters ?? {}),
    query: parse('query', route.request?.query, event.queryStringParameters ?? {}),
    body: parse('body', route.request?.body, event.body),
  };
  if (errors.length > 0) throw unprocessable('The request is not valid.', errors);
  return input;
}

/**
 * One API operation: the route's handler wrapped in the middleware stack every
 * function shares. Order matters: idempotency is outermost so a replay returns
 * the complete stored response (headers and all) without running anything else;
 * problem details turns every error into problem+json before the header
 * middlewares decorate it.
 */
export function operation<R extends RouteSpec>(
  route: R,
  handler: (input: OperationInput<R>) => Promise<HttpResult>,
  options: OperationOptions = {},
): OperationHandler {
  const chain = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>();
  if (route.method === 'POST') chain.use(idempotentPost());
  chain
    .use(httpSecurityHeaders({ ...quietSecurityHeaders, ...options.securityHeaders } as Parameters<typeof httpSecurityHeaders>[0]))
    .use(httpCors({ origin: '*', exposeHeaders: 'ETag, Location, Idempotent-Replayed' }))
    .use(problemDetails(logger))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use({
      before: function countRequest() {
        // No per-operation dimension: the local hub runs requests concurrently on one
        // metrics object; API Gateway's access log already counts requests by route.
        metrics.addMetric('Requests', MetricUnit.Count, 1);
      },
    })
    .use(captureLambdaHandler(tracer))
    .use(httpHeaderNormalizer());
  if (route.request?.body) chain.use(httpJsonBodyParser({ disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0]));

  return chain.handler(async function handleOperation(event) {
    const caller = route.auth ? callerFromEvent(event as never) : undefined;
    if (caller && route.group) requireGroup(caller, route.group);
    const input = parseInput(route, event);
    return handler({ ...input, caller, headers: event.headers ?? {}, event } as OperationInput<R>);
  });
}

/**
 * A function's entry point: API Gateway names the matched route in `routeKey`,
 * so one Lambda serves its resource group by looking the operation up.
 */
export function routeGroup(operations: Record<string, OperationHandler>) {
  return async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<HttpResult> {
    const op = operations[event.routeKey];
    if (!op) throw new Error(`No operation for route ${event.routeKey}`);
    return op(event, context);
  };
}
