import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../../shared/errors';
import { declaresAnswer } from '../../shared/http/answers';
import { corsPreflightHeaders, corsResponseHeaders } from '../../shared/http/cors';
import { routeKey, routeList, type RouteSpec } from '../../shared/routes';
import { provideLocalSigner } from '../../shared/web/sign-in';
import { claimsAsApiGatewayPassesThem, LOCAL_AUDIENCE, LOCAL_ISSUER, type LocalKeys } from './auth';
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

/**
 * Route templates as API Gateway matches them: `{name}` is one path segment, a
 * greedy `{name+}` (last in the path) the rest of it, slashes included. As API
 * Gateway prefers the most specific route, greedy routes are tried last.
 */
const matchers = routeList
  .map((route) => {
    const names: string[] = [];
    const pattern = route.path.replace(/\{(\w+)(\+?)\}/g, (_, name: string, greedy: string) => {
      names.push(name);
      return greedy ? '(.+)' : '([^/]+)';
    });
    return { route, names, regex: new RegExp(`^${pattern}$`), greedy: route.path.includes('+}') };
  })
  .sort((a, b) => Number(a.greedy) - Number(b.greedy));

type Matched = { route: RouteSpec; pathParameters: Record<string, string> } | 'wrong-method' | 'bad-encoding' | undefined;

function matchRoute(method: string, path: string): Matched {
  let pathMatched = false;
  for (const { route, names, regex } of matchers) {
    const m = regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const pathParameters: Record<string, string> = {};
    for (const [i, name] of names.entries()) {
      // decodeURIComponent throws on `%ZZ`, a lone `%` or escapes that are not UTF-8 (`%C3`, `%FF`).
      try {
        pathParameters[name] = decodeURIComponent(m[i + 1] ?? '');
      } catch {
        return 'bad-encoding';
      }
    }
    return { route, pathParameters };
  }
  return pathMatched ? 'wrong-method' : undefined;
}

/** Every answer carries CORS headers, as the HTTP API adds them to every response when CORS is configured. */
function sendProblem(res: ServerResponse, status: number, detail: string) {
  res.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, ...corsResponseHeaders() });
  res.end(JSON.stringify(problemBody(status, detail)));
}

/**
 * The request target as a URL on this host. Origin-form only (`/path?query`): a
 * target such as `//x/y` must stay a path, not become host `x`.
 */
function requestUrl(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/')) return undefined;
  try {
    return new URL(`http://127.0.0.1${target}`);
  } catch {
    return undefined;
  }
}

/** API Gateway's HTTP API refuses larger payloads (10 MB) before any function runs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer | undefined | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Past the limit the rest is read and dropped, so the client gets the 413 rather than a reset.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY_BYTES) return 'too-large';
  return size > 0 ? Buffer.concat(chunks) : undefined;
}

// ignoreBOM keeps a byte-order mark in the text, as it arrived, instead of silently dropping it.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as API Gateway passes it: text when the bytes are valid UTF-8, else
 * base64 with isBase64Encoded, so the function sees exactly the bytes sent and
 * decides (never text in which bad bytes became U+FFFD).
 */
export function eventBody(bytes: Buffer | undefined): { body?: string; isBase64Encoded: boolean } {
  if (bytes === undefined) return { isBase64Encoded: false };
  try {
    return { body: strictUtf8.decode(bytes), isBase64Encoded: false };
  } catch {
    return { body: bytes.toString('base64'), isBase64Encoded: true };
  }
}

/** Turns a Node request into the payload-2.0 event API Gateway's HTTP API sends. */
function toEvent(req: IncomingMessage, url: URL, route: RouteSpec, pathParameters: Record<string, string>, bytes: Buffer | undefined, claims: Record<string, string | number | boolean> | undefined): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    // Payload 2.0 moves Cookie headers into `cookies`, one entry per cookie, and drops the header.
    if (name === 'cookie') cookies = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/;\s*/)).filter(Boolean);
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
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
    ...eventBody(bytes),
  } as APIGatewayProxyEventV2;
}

/**
 * The pages' local sign-in (shared/web/config.ts): the session cookies are local
 * tokens, verified by the web function against the public half of the local key,
 * passed as a JWKS; its sign-in page signs with the local key, handed over
 * in-process (a deployed function has no such signer).
 */
function providePagesWithLocalSignIn(keys: LocalKeys): void {
  Object.assign(process.env, {
    WEB_SIGN_IN: 'local',
    WEB_ISSUER: LOCAL_ISSUER,
    WEB_CLIENT_ID: LOCAL_AUDIENCE,
    WEB_LOCAL_JWKS: JSON.stringify({ keys: [keys.publicJwk] }),
  });
  provideLocalSigner(({ sub, council, groups }) => keys.sign({ sub, ...(council ? { council } : {}), groups }));
}

export interface AdapterOptions {
  keys: LocalKeys;
  /** One line per request, as an access log. */
  log?: (line: string) => void;
}

/**
 * With UNDECLARED_ANSWERS=fail (the test suite sets it), a problem the route's OpenAPI
 * operation does not declare (shared/http/answers.ts) is answered as a 500 that names it, so no
 * test can pass on an answer the document would not admit. Deployed, the function's problem
 * middleware logs such an answer as an error and sends it as it is.
 */
export function undeclaredAnswer(route: RouteSpec, result: APIGatewayProxyStructuredResultV2): APIGatewayProxyStructuredResultV2 | undefined {
  const status = result.statusCode ?? 200;
  const type = Object.entries(result.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  if (route.openApi === false || status < 400 || type !== PROBLEM_CONTENT_TYPE || typeof result.body !== 'string') return undefined;
  const { code, detail } = JSON.parse(result.body) as { code?: string; detail?: string };
  if (declaresAnswer(route, status, code)) return undefined;
  const undeclared = JSON.stringify({ operationId: route.operationId, status, code });
  return { statusCode: 500, headers: { 'content-type': PROBLEM_CONTENT_TYPE }, body: JSON.stringify(problemBody(500, `Undeclared answer ${undeclared}: ${detail}`)) };
}

/**
 * The local HTTP adapter: matches the route table, checks the bearer token as
 * the JWT authorizer would (401 before any function runs), and invokes the
 * function's real handler with an API Gateway event.
 */
export function createHubServer({ keys, log }: AdapterOptions): Server {
  providePagesWithLocalSignIn(keys);
  const failUndeclared = process.env.UNDECLARED_ANSWERS === 'fail';
  return createServer(async (req, res) => {
    const started = performance.now();
    const url = requestUrl(req.url);
    const method = req.method ?? 'GET';
    try {
      if (method === 'OPTIONS') {
        // The preflight answer the HTTP API gives from the stack's CORS configuration.
        res.writeHead(204, corsPreflightHeaders());
        return void res.end();
      }
      if (!url) return sendProblem(res, 400, 'The request target is not a valid path.');
      const matched = matchRoute(method, url.pathname);
      if (matched === undefined) return sendProblem(res, 404, `No route ${method} ${url.pathname}.`);
      if (matched === 'wrong-method') return sendProblem(res, 405, `${method} is not allowed on ${url.pathname}.`);
      if (matched === 'bad-encoding') return sendProblem(res, 400, 'The path is not valid percent-encoded UTF-8 (RFC 3986).');
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
      if (body === 'too-large') return sendProblem(res, 413, `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`);
      const handler = await loadHandler(route.fn);
      const event = toEvent(req, url, route, pathParameters, body, claims);
      const answered = await handler(event, lambdaContext(route.fn, 29_000));
      const result = (failUndeclared && undeclaredAnswer(route, answered)) || answered;
      // As the HTTP API answers: its request id, which is also the correlation id in the logs (docs/events.md).
      const headers: Record<string, string> = { 'apigw-requestid': event.requestContext.requestId };
      for (const [name, value] of Object.entries(result.headers ?? {})) {
        // With CORS configured the HTTP API ignores a function's own CORS headers and sends its own.
        if (value !== undefined && !/^access-control-/i.test(name)) headers[name.toLowerCase()] = String(value);
      }
      // A function's `cookies` become Set-Cookie headers, one each, as API Gateway sends them.
      const setCookies = result.cookies?.length ? { 'set-cookie': result.cookies } : {};
      res.writeHead(result.statusCode ?? 200, { ...headers, ...setCookies, ...corsResponseHeaders() });
      res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : result.body);
    } catch (error) {
      // Only the adapter itself can fail here: handlers answer problems themselves.
      console.error(error);
      if (!res.headersSent) sendProblem(res, 500, 'The local hub failed to invoke the function.');
      else res.end();
    } finally {
      log?.(`${method} ${url?.pathname ?? '(bad target)'} ${res.statusCode} ${Math.round(performance.now() - started)}ms`);
    }
  });
}
