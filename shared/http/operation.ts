import middy from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type * as z from '../schemas/zod';
import { type Caller, callerFromEvent, requireGroup } from '../auth';
import { badRequest, type FieldError, unprocessable } from '../errors';
import { logger, metrics, traceHandler } from '../observability';
import { idempotentPost } from './idempotency';
import { problemDetails } from './problem-details';
import type { HttpResult } from './responses';
import { routeKey, type RouteSpec } from './route-spec';

type Parsed<T> = T extends z.ZodMiniType ? z.output<T> : undefined;

export interface OperationInput<R extends RouteSpec> {
  params: Parsed<NonNullable<R['request']>['params']>;
  query: Parsed<NonNullable<R['request']>['query']>;
  body: Parsed<NonNullable<R['request']>['body']>;
  caller: R['auth'] extends true ? Caller : Caller | undefined;
  headers: Record<string, string | undefined>;
  event: APIGatewayProxyEventV2;
  /** The invocation's Lambda context (the pages pass it on to the API operations they run in-process). */
  context: Context;
}

export type OperationHandler = middy.MiddyfiedHandler<APIGatewayProxyEventV2, HttpResult, Error, Context>;
export type Handler<R extends RouteSpec> = (input: OperationInput<R>) => Promise<HttpResult>;

export interface OperationOptions {
  /** Overrides for @middy/http-security-headers, e.g. a CSP that lets the docs page run. */
  securityHeaders?: Parameters<typeof httpSecurityHeaders>[0];
}

/** middy's defaults, less the reporting endpoints the hub does not run. */
const quietSecurityHeaders = { reportingEndpoints: false, reportTo: false, xssProtection: { reportTo: '' } };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request body as text. A body API Gateway could only pass base64-encoded
 * (not valid UTF-8) is refused rather than decoded with replacement characters.
 */
export function bodyText(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  if (!event.isBase64Encoded) return event.body;
  try {
    return strictUtf8.decode(Buffer.from(event.body, 'base64'));
  } catch {
    throw badRequest('The request body must be UTF-8 encoded JSON.');
  }
}

/** A JSON body: 400 when it is missing or not JSON (an optional body may be empty). */
export function jsonBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>, { optional = false } = {}): unknown {
  const raw = bodyText(event);
  if (optional && (raw === undefined || raw.trim() === '')) return undefined;
  if (raw === undefined) throw badRequest('The request body must be a JSON document.');
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('The request body must be a JSON document.');
  }
}

/** The JSON body; where the route lets it be left out, no body is `{}`. */
const bodyOf = (route: RouteSpec, event: APIGatewayProxyEventV2) =>
  route.request?.bodyOptional ? (jsonBody(event, { optional: true }) ?? {}) : jsonBody(event);

/** Validates path, query and body against the route's zod schemas: 422 with every error. */
function parseInput(route: RouteSpec, event: APIGatewayProxyEventV2) {
  const errors: FieldError[] = [];
  const parse = (where: string, schema: z.ZodMiniType | undefined, value: unknown) => {
    if (!schema) return undefined;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) errors.push({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message });
    return undefined;
  };
  const input = {
    params: parse('params', route.request?.params, event.pathParameters ?? {}),
    query: parse('query', route.request?.query, event.queryStringParameters ?? {}),
    body: parse('body', route.request?.body, route.request?.body ? bodyOf(route, event) : undefined),
  };
  if (errors.length > 0) throw unprocessable('The request is not valid.', errors);
  return input;
}

/**
 * The correlation id is API Gateway's request id (`requestContext.requestId`): a write
 * stores it on its event items (store/write.ts), so the fan-out logs it with each event
 * (docs/events.md). Appended as `correlationId` to the request's lines (not Powertools'
 * `correlation_id`: one key across every stage), and on the line with the answer itself,
 * which passes it explicitly: the local hub runs requests side by side on one logger.
 */
function correlated(): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context> {
  type Request = middy.Request<APIGatewayProxyEventV2, HttpResult>;
  const idOf = (request: Request) => request.event.requestContext?.requestId;
  function answered(request: Request) {
    logger.info('Request answered', { route: request.event.routeKey, statusCode: request.response?.statusCode, correlationId: idOf(request) });
    // Not left on whatever the process logs next (the local hub's fan-out shares this logger).
    logger.removeKeys(['correlationId']);
  }
  return {
    before: function correlate(request) {
      logger.appendKeys({ correlationId: idOf(request) });
    },
    after: answered,
    onError: answered,
  };
}

/**
 * One API operation: the route's handler wrapped in the middleware stack every
 * function shares. Order matters: idempotency is outermost so a replay returns
 * the complete stored response (headers and all) without running anything else;
 * problem details turns every error into problem+json before the header
 * middlewares decorate it. CORS is the HTTP API's (shared/http/cors.ts), not ours.
 */
export function operation<R extends RouteSpec>(route: R, handler: Handler<R>, options: OperationOptions = {}): OperationHandler {
  const chain = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>();
  if (route.method === 'POST') chain.use(idempotentPost());
  chain
    .use(httpSecurityHeaders({ ...quietSecurityHeaders, ...options.securityHeaders } as Parameters<typeof httpSecurityHeaders>[0]))
    // Outside problemDetails: its answer line sees the status an error became.
    .use(correlated())
    .use(problemDetails(logger, route))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use({
      before: function countRequest() {
        // No per-operation dimension: the local hub runs requests concurrently on one
        // metrics object; API Gateway's access log already counts requests by route.
        metrics.addMetric('Requests', MetricUnit.Count, 1);
      },
    });
  // No header normalizer: HTTP API payload 2.0 (and the local adapter, through Node) already lower-cases header names.
  if (traceHandler) chain.use(traceHandler());

  return chain.handler(async function handleOperation(event, context) {
    const caller = route.auth ? callerFromEvent(event as never) : undefined;
    if (caller && route.group) requireGroup(caller, route.group);
    const input = parseInput(route, event);
    return handler({ ...input, caller, headers: event.headers ?? {}, event, context } as OperationInput<R>);
  });
}

type Operations<G extends Record<string, RouteSpec>> = {
  [K in keyof G]: Handler<G[K]> | { handler: Handler<G[K]>; options: OperationOptions };
};

/**
 * A function's entry point, wired once from its route group: every route of the
 * group has exactly one operation (the type says so), and API Gateway names the
 * matched route in `routeKey`, so one Lambda serves the group by looking it up.
 */
export function routeGroup<G extends Record<string, RouteSpec>>(routes: G, operations: Operations<G>) {
  const byRouteKey = new Map<string, OperationHandler>();
  for (const name of Object.keys(routes) as Array<keyof G>) {
    const op = operations[name];
    const [handler, options] = typeof op === 'function' ? [op, {}] : [op.handler, op.options];
    byRouteKey.set(routeKey(routes[name]!), operation(routes[name]!, handler as Handler<RouteSpec>, options));
  }
  return async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<HttpResult> {
    const op = byRouteKey.get(event.routeKey);
    if (!op) throw new Error(`No operation for route ${event.routeKey}`);
    return op(event, context);
  };
}
