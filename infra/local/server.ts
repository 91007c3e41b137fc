import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../../shared/errors';
import { routeKey, routeList, type RouteSpec } from '../../shared/routes';
import { claimsAsApiGatewayPassesThem, type LocalKeys } from './auth';
import { lambdaContext } from './lambda-context';

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const functionsDir = join(import.meta.dirname, '..', '..', 'functions');
const handlers = new Map<string, Promise<LambdaHandler>>();

/** The same module CDK bundles for the function, loaded once. */
function loadHandler(fn: string): Promise<LambdaHandler> {
  let handler = handlers.get(fn);
  if (!handler) {
    handler = import(pathToFileURL(join(functionsDir, `${fn}.ts`)).href).then((m: { handler: LambdaHandler }) => m.handler);
    handlers.set(fn, handler);
  }
  return handler;
}

/** Route templates as API Gateway matches them: `{name}` is one path segment. */
const matchers = routeList.map((route) => {
  const names: string[] = [];
  const pattern = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, names, regex: new RegExp(`^${pattern}$`) };
});

function matchRoute(method: string, path: string): { route: RouteSpec; pathParameters: Record<string, string> } | 'wrong-method' | undefined {
  let pathMatched = false;
  for (const { route, names, regex } of matchers) {
    const m = regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    return { route, pathParameters: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')])) };
  }
  return pathMatched ? 'wrong-method' : undefined;
}

function sendProblem(res: ServerResponse, status: number, detail: string) {
  res.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE });
  res.end(JSON.stringify(problemBody(status, detail)));
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
}

/** Turns a Node request into the payload-2.0 event API Gateway's HTTP API sends. */
function toEvent(req: IncomingMessage, url: URL, route: RouteSpec, pathParameters: Record<string, string>, body: string | undefined, claims: Record<string, string | number | boolean> | undefined): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: { method: route.method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: routeKey(route),
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
      ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

export interface AdapterOptions {
  keys: LocalKeys;
  /** One line per request, as an access log. */
  log?: (line: string) => void;
}

/**
 * The local HTTP adapter: matches the route table, checks the bearer token as
 * the JWT authorizer would (401 before any function runs), and invokes the
 * function's real handler with an API Gateway event.
 */
export function createHubServer({ keys, log }: AdapterOptions): Server {
  return createServer(async (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    try {
      if (method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
          'access-control-allow-headers': 'authorization,content-type,idempotency-key,if-match',
          'access-control-max-age': '600',
        });
        return void res.end();
      }
      const matched = matchRoute(method, url.pathname);
      if (matched === undefined) return sendProblem(res, 404, `No route ${method} ${url.pathname}.`);
      if (matched === 'wrong-method') return sendProblem(res, 405, `${method} is not allowed on ${url.pathname}.`);
      const { route, pathParameters } = matched;
      let claims;
      if (route.auth) {
        const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
        if (!token) return sendProblem(res, 401, 'A bearer token is required (Authorization: Bearer <JWT>).');
        try {
          claims = claimsAsApiGatewayPassesThem(await keys.verify(token));
        } catch (error) {
          return sendProblem(res, 401, `The bearer token was rejected: ${(error as Error).message}`);
        }
      }
      const body = await readBody(req);
      const handler = await loadHandler(route.fn);
      const result = await handler(toEvent(req, url, route, pathParameters, body, claims), lambdaContext(route.fn, 29_000));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.headers ?? {})) {
        if (value !== undefined) headers[name.toLowerCase()] = String(value);
      }
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : result.body);
    } catch (error) {
      // Only the adapter itself can fail here: handlers answer problems themselves.
      console.error(error);
      if (!res.headersSent) sendProblem(res, 500, 'The local hub failed to invoke the function.');
      else res.end();
    } finally {
      log?.(`${method} ${url.pathname} ${res.statusCode} ${Math.round(performance.now() - started)}ms`);
    }
  });
}
