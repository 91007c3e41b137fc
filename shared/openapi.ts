/**
 * OpenAPI 3.1, generated from the route table and the zod schemas that validate
 * requests: nothing here is a hand-kept list of operations, statuses or codes.
 * Every answer comes from shared/http/answers.ts (the same function the problem
 * middleware checks each problem against); the codes and what they mean from
 * shared/problem-codes.ts; the examples from shared/openapi-examples.ts.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import * as classic from 'zod';
import { describeCodes, problemAnswers, type ProblemAnswer, STAGE_THROTTLE, takesIdempotencyKey } from './http/answers';
import { type ResponseHeader, TAGS } from './http/route-spec';
import { apiExamples } from './openapi-examples';
import { routeList, type RouteSpec } from './routes';
import { problem } from './schemas/system';
import * as z from './schemas/zod';
import { described, withMeta } from './schemas/zod';

/**
 * The hub's schemas are zod mini (shared/schemas/zod.ts); zod-to-openapi reads classic zod
 * objects (their derived `minLength`, `isInt`, `format`... and `.meta()`). Both builds share
 * zod's core, so a mini schema's definition makes the classic schema it stands for: the same
 * checks and metadata, its children made classic too. For the generator only: no Lambda
 * bundle imports this module (the system function serves docs/openapi.json).
 */
const classicOf = new WeakMap<object, classic.ZodType>();
const CHILDREN = ['innerType', 'element', 'catchall', 'in', 'out', 'left', 'right', 'keyType', 'valueType', 'rest'] as const;

function asClassic(schema: z.ZodMiniType): classic.ZodType {
  const known = classicOf.get(schema);
  if (known) return known;
  const def = schema._zod.def as unknown as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...def };
  for (const key of CHILDREN) if (def[key]) copy[key] = asClassic(def[key] as z.ZodMiniType);
  if (def.options) copy.options = (def.options as z.ZodMiniType[]).map(asClassic);
  if (def.items) copy.items = (def.items as z.ZodMiniType[]).map(asClassic);
  if (def.type === 'object') {
    const shape = def.shape as Record<string, z.ZodMiniType>;
    copy.shape = Object.fromEntries(Object.entries(shape).map(([name, field]) => [name, asClassic(field)]));
  }
  const Classic = (classic as unknown as Record<string, new (def: unknown) => classic.ZodType>)[schema._zod.constr.name.replace(/^ZodMini/, 'Zod')];
  if (!Classic) throw new Error(`No classic zod class for ${schema._zod.constr.name}`);
  const made = new Classic(copy);
  // A copy made for metadata keeps its original as parent (zod's clone does); the generator reads that link.
  const parent = schema._zod.parent as z.ZodMiniType | undefined;
  if (parent) made._zod.parent = asClassic(parent);
  const metadata = z.globalRegistry.get(schema);
  if (metadata) z.globalRegistry.add(made, metadata);
  classicOf.set(schema, made);
  return made;
}

/** A schema as the generator takes it (typed as the generator's parameters want). */
const forGenerator = (schema: z.ZodMiniType) => asClassic(schema) as never;

const RESPONSE_HEADERS: Record<ResponseHeader | 'idempotent-replayed' | 'retry-after', { description: string; schema: { type: 'string'; enum?: string[] } }> = {
  etag: { description: 'The version of what was returned: send it back in `If-Match` (or `If-None-Match`)', schema: { type: 'string' } },
  location: { description: 'The URL of what was created', schema: { type: 'string' } },
  link: { description: 'RFC 8288 `<url>; rel="next"`: where the walk goes on', schema: { type: 'string' } },
  'content-disposition': { description: 'The CSV as an attachment, with a file name', schema: { type: 'string' } },
  vary: { description: '`Accept`: the answer depends on the type asked for', schema: { type: 'string' } },
  'idempotent-replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key (nothing was done again)',
    schema: { type: 'string', enum: ['true'] },
  },
  'retry-after': { description: 'Seconds to wait before trying again', schema: { type: 'string' } },
};

const header = (name: keyof typeof RESPONSE_HEADERS) => RESPONSE_HEADERS[name];

const idempotencyKey = described(
  z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  'Makes the POST safe to retry: the same key (per caller) with the same body within 24 h replays the first answer; with another body, 422 idempotency_key_reuse',
);

const CSV = { schema: { type: 'string' as const, description: 'UTF-8 with BOM, CRLF line ends, a header line; money in integer pence' } };

/** API Gateway's own answers carry its own body, not a problem. */
const gatewayMessage = withMeta(z.object({ message: z.string() }), {
  id: 'GatewayMessage',
  description: "API Gateway's own answer, before the hub sees the request",
});

const throttled = {
  description: `Throttled by API Gateway (the API allows ${STAGE_THROTTLE.rateLimit} requests a second, bursts of ${STAGE_THROTTLE.burstLimit}): wait and retry`,
  content: { 'application/json': { schema: forGenerator(gatewayMessage) } },
};

function problemResponse(answer: ProblemAnswer) {
  const code = answer.codes.length > 0 ? z.enum(answer.codes as [string, ...string[]]) : undefined;
  // The codes narrow the one Problem schema (allOf) rather than copy it into every answer.
  const schema = code ? z.intersection(problem, z.object({ code: answer.codeOptional ? z.optional(code) : code })) : problem;
  const codes = answer.codes.length > 0 ? ` ${answer.codeOptional ? 'When `code` is present, one of' : '`code` is one of'}: ${describeCodes(answer.codes)}.` : '';
  return {
    description: answer.status === 401 ? `${answer.meaning}. Deployed, API Gateway's JWT authorizer answers it first, with its own body.` : `${answer.meaning}.${codes}`,
    ...(answer.headers.length > 0 ? { headers: Object.fromEntries(answer.headers.map((h) => [h, header(h)])) } : {}),
    content: { 'application/problem+json': { schema: forGenerator(schema) }, ...(answer.status === 401 ? { 'application/json': { schema: forGenerator(gatewayMessage) } } : {}) },
  };
}

/** Who may call it and what it answers besides success, in words: the operation's description. */
function descriptionOf(route: RouteSpec, answers: ProblemAnswer[]): string {
  const who = !route.auth ? 'No token needed.' : route.group ? `Needs a bearer token of a user in the \`${route.group}\` group.` : 'Needs a bearer token.';
  const refusals = answers.filter((a) => a.codes.length > 0).map((a) => `${a.status} (${a.codes.map((c) => `\`${c}\``).join(', ')})`);
  return [
    route.description ?? route.summary,
    who,
    ...(takesIdempotencyKey(route) ? ['Send an `Idempotency-Key` to retry it safely: it is applied at most once.'] : []),
    ...(refusals.length > 0 ? [`Refuses with ${refusals.join('; ')}.`] : []),
  ].join('\n\n');
}

function successResponses(route: RouteSpec) {
  const examples = apiExamples[route.operationId];
  return Object.fromEntries(
    Object.entries(route.responses).map(([status, r]) => {
      const headers = [...(r.headers ?? []), ...(r.csv ? (['content-disposition'] as const) : [])];
      const allHeaders = Object.fromEntries([
        ...headers.map((h) => [h, header(h)] as const),
        ...(takesIdempotencyKey(route) ? [['idempotent-replayed', header('idempotent-replayed')] as const] : []),
      ]);
      const example = examples?.response?.[Number(status)];
      const content = r.schema
        ? {
            [r.contentType ?? 'application/json']: { schema: forGenerator(r.schema), ...(example !== undefined ? { example } : {}) },
            ...(r.csv ? { 'text/csv': CSV } : {}),
          }
        : undefined;
      return [status, { description: r.description, ...(Object.keys(allHeaders).length > 0 ? { headers: allHeaders } : {}), ...(content ? { content } : {}) }];
    }),
  );
}

function requestHeaders(route: RouteSpec) {
  const shape = { ...(route.request?.headers?.shape ?? {}), ...(takesIdempotencyKey(route) ? { 'idempotency-key': idempotencyKey } : {}) };
  return Object.keys(shape).length > 0 ? z.object(shape) : undefined;
}

export function buildOpenApiDocument(serverUrl?: string) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A Cognito ID token (locally: `npm run --silent token`). Claims used: sub, custom:council, cognito:groups.',
  });
  const documented = routeList.filter((route) => route.openApi !== false);
  for (const route of documented) {
    const answers = problemAnswers(route);
    const headers = requestHeaders(route);
    const bodyExample = apiExamples[route.operationId]?.request;
    registry.registerPath({
      operationId: route.operationId,
      method: route.method.toLowerCase() as 'get',
      path: route.path,
      summary: route.summary,
      description: descriptionOf(route, answers),
      tags: [route.tag],
      security: route.auth ? [{ [bearer.name]: [] }] : [],
      request: {
        ...(route.request?.params ? { params: forGenerator(route.request.params) } : {}),
        ...(route.request?.query ? { query: forGenerator(route.request.query) } : {}),
        ...(headers ? { headers: forGenerator(headers) } : {}),
        ...(route.request?.body
          ? {
              body: {
                required: !route.request.bodyOptional,
                content: { 'application/json': { schema: forGenerator(route.request.body), ...(bodyExample !== undefined ? { example: bodyExample } : {}) } },
              },
            }
          : {}),
      },
      responses: { ...successResponses(route), ...Object.fromEntries(answers.map((a) => [a.status, problemResponse(a)])), 429: throttled },
    });
  }
  const usedTags = new Set(documented.map((r) => r.tag));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Council Collaboration Hub API',
      version: '1.0.0',
      description:
        'Councils co-own shared challenges, form a consortium, agree cost and risk shares, pool their budget and split spend to the penny. Money is integer pence; shares are integer basis points. Errors are RFC 9457 problem details, each 409 and some 422s named by `code`.',
      contact: { name: 'Council Collaboration Hub team', url: 'https://council-hub.example/support' },
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: Object.entries(TAGS)
      .filter(([name]) => usedTags.has(name as keyof typeof TAGS))
      .map(([name, description]) => ({ name, description })),
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
  });
}
