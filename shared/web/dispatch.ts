/**
 * A page's action runs the API's own operation, in-process: the API Gateway event
 * that route would receive (route key, path, path parameters, JSON body, the
 * session's claims where the JWT authorizer puts them, the form's write id as the
 * Idempotency-Key) goes to the same handler the API's Lambda runs. So an action
 * takes the same access checks, transitions, idempotency and store as the API,
 * and a double-submitted form is one write (the second is the first's replay).
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { ProblemBody } from '../errors';
import type { HttpResult } from '../http/responses';
import { routeKey, type RouteSpec } from '../http/route-spec';
import type { Session } from './session';

export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult | { statusCode?: number; headers?: Record<string, unknown>; body?: string }>;

/** The API functions the pages dispatch to, by the route table's `fn`. */
export type ApiHandlers = Readonly<Record<string, ApiHandler>>;

export interface ApiCall {
  route: RouteSpec;
  params?: Record<string, string>;
  body?: unknown;
  /** The form's write id: the same for every submission of one form. */
  writeId?: string;
  accept?: string;
  query?: Record<string, string>;
}

export type ApiAnswer =
  | { ok: true; status: number; headers: Record<string, string>; body: string }
  | { ok: false; status: number; problem: ProblemBody };

const pathOf = (route: RouteSpec, params: Record<string, string>) =>
  route.path.replace(/\{(\w+)\+?\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));

/** The event API Gateway's HTTP API (payload 2.0, JWT authorizer) would send for this call. */
export function apiEvent(call: ApiCall, session: Session, outer: Pick<APIGatewayProxyEventV2, 'requestContext'>): APIGatewayProxyEventV2 {
  const params = call.params ?? {};
  const rawPath = pathOf(call.route, params);
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const query = new URLSearchParams(call.query ?? {}).toString();
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: routeKey(call.route),
    rawPath,
    rawQueryString: query,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(call.writeId ? { 'idempotency-key': `page-form-${call.writeId}` } : {}),
      ...(call.accept ? { accept: call.accept } : {}),
    },
    ...(query ? { queryStringParameters: call.query } : {}),
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      ...outer.requestContext,
      http: { ...outer.requestContext.http, method: call.route.method, path: rawPath },
      routeKey: routeKey(call.route),
      requestId: `${outer.requestContext.requestId}-api`,
      time: new Date(now).toISOString(),
      timeEpoch: now,
      authorizer: { jwt: { claims: session.claims, scopes: [] } },
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the call; a problem+json answer comes back as the problem. A second
 * submission that arrives while the first is still running (409
 * idempotency_in_progress) waits for it and gets its answer.
 */
export async function callApi(handlers: ApiHandlers, call: ApiCall, session: Session, outer: APIGatewayProxyEventV2, context: Context): Promise<ApiAnswer> {
  const handler = handlers[call.route.fn];
  if (!handler) throw new Error(`No API function ${call.route.fn} is wired into the pages`);
  for (let attempt = 0; ; attempt++) {
    const result = await handler(apiEvent(call, session, outer), context);
    const status = result.statusCode ?? 200;
    const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    if (status < 400) return { ok: true, status, headers, body: result.body ?? '' };
    let problem: ProblemBody;
    try {
      problem = JSON.parse(result.body ?? '') as ProblemBody;
    } catch {
      problem = { type: 'about:blank', title: 'Error', status, detail: 'The hub could not do this.' };
    }
    if (problem.code === 'idempotency_in_progress' && attempt < 40) {
      await sleep(150);
      continue;
    }
    return { ok: false, status, problem };
  }
}
