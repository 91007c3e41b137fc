import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { routeList, type RouteSpec } from './routes';
import { problem } from './schemas/system';

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problem } },
});

/** The problems any route can answer, by what the route takes. */
function problemResponses(route: RouteSpec) {
  const responses: Record<string, ReturnType<typeof problemResponse>> = {};
  if (route.auth) {
    responses[401] = problemResponse('Missing or invalid bearer token');
    responses[403] = problemResponse('Authenticated but not allowed');
  }
  if (route.request?.params) responses[404] = problemResponse('Absent, or not visible to the caller');
  if (route.request?.body) responses[400] = problemResponse('The body is not JSON');
  if (route.request) responses[422] = problemResponse('Schema or semantic validation failed; see `errors`');
  if (route.method === 'POST') responses[409] = problemResponse('State conflict, named by `code`');
  responses[500] = problemResponse('Unexpected error; quote the request id');
  return responses;
}

/** OpenAPI 3.1, generated from the route table and the zod schemas that validate requests. */
export function buildOpenApiDocument(serverUrl?: string) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A Cognito ID token (locally: `npm run --silent token`). Claims used: sub, custom:council, cognito:groups.',
  });
  for (const route of routeList) {
    if (route.openApi === false) continue;
    const success = Object.fromEntries(
      Object.entries(route.responses).map(([status, r]) => [
        status,
        {
          description: r.description,
          ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : {}),
        },
      ]),
    );
    registry.registerPath({
      operationId: route.operationId,
      method: route.method.toLowerCase() as 'get',
      path: route.path,
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth ? { security: [{ [bearer.name]: [] }] } : {}),
      request: {
        ...(route.request?.params ? { params: route.request.params } : {}),
        ...(route.request?.query ? { query: route.request.query } : {}),
        ...(route.request?.body ? { body: { required: true, content: { 'application/json': { schema: route.request.body } } } } : {}),
      },
      responses: { ...success, ...problemResponses(route) },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Council Collaboration Hub API',
      version: '1.0.0',
      description:
        'Councils co-own shared challenges, form a consortium, agree cost and risk shares, pool their budget and split spend to the penny. Money is integer pence; shares are integer basis points. Errors are RFC 9457 problem details.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
  });
}
