/**
 * CORS, defined once. Deployed, the HTTP API answers preflight and adds these
 * headers to every response itself (infra/hub-stack.ts); the local adapter
 * answers from the same constant (infra/local/server.ts). No Lambda handles CORS.
 */
export const CORS = {
  allowOrigins: ['*'],
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match'],
  exposeHeaders: ['ETag', 'Location', 'Idempotent-Replayed', 'Retry-After'],
  maxAgeSeconds: 3600,
} as const;

/** The headers a browser sees on an actual (non-preflight) response. */
export function corsResponseHeaders(origins: readonly string[] = CORS.allowOrigins): Record<string, string> {
  return {
    'access-control-allow-origin': origins.includes('*') ? '*' : origins.join(' '),
    'access-control-expose-headers': CORS.exposeHeaders.join(', '),
  };
}

/** The answer to a preflight (OPTIONS) request. */
export function corsPreflightHeaders(origins: readonly string[] = CORS.allowOrigins): Record<string, string> {
  return {
    ...corsResponseHeaders(origins),
    'access-control-allow-methods': CORS.allowMethods.join(','),
    'access-control-allow-headers': CORS.allowHeaders.join(',').toLowerCase(),
    'access-control-max-age': String(CORS.maxAgeSeconds),
  };
}
