import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { notFound } from '../shared/errors';
import { json, text } from '../shared/http/responses';
import { routeGroup } from '../shared/http/operation';
import { systemRoutes } from '../shared/route-groups/system';

/**
 * Where the docs' files are, settled at cold start: deployed, CDK copies swagger-ui's two assets and
 * docs/openapi.json next to the bundle and sets DOCS_ASSETS_DIR; locally they come from
 * node_modules and docs/.
 */
const docsAssetsDir = process.env.DOCS_ASSETS_DIR?.trim() || undefined;
const openApiPath = docsAssetsDir ? join(docsAssetsDir, 'openapi.json') : new URL('../docs/openapi.json', import.meta.url);
const swaggerAssetsDir = docsAssetsDir ?? dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

let openApiDocument: string | undefined;

/**
 * The OpenAPI document is docs/openapi.json (`npm run openapi:generate`; a test keeps it
 * equal to what the code builds), read once: the bundle carries neither the generator
 * nor every schema.
 */
async function openApiText(): Promise<string> {
  const document = JSON.parse(await readFile(openApiPath, 'utf8')) as Record<string, unknown>;
  return JSON.stringify({ ...document, servers: [{ url: '/' }] });
}

/**
 * The reference page is swagger-ui, served from the swagger-ui-dist package by
 * the hub itself (no CDN, works offline), from `swaggerAssetsDir`.
 */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Council Collaboration Hub API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });\n`;
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** Lets swagger-ui run: its own scripts and styles, nothing from elsewhere. */
const docsSecurityHeaders = {
  contentSecurityPolicy: {
    'script-src': "'self'",
    'style-src': "'self' 'unsafe-inline'",
    'img-src': "'self' data:",
    'connect-src': "'self'",
    'report-to': false,
    'navigate-to': false,
    sandbox: false,
    'upgrade-insecure-requests': false,
    'require-trusted-types-for': false,
    'trusted-types': false,
  },
} as never;

export const handler = routeGroup(systemRoutes, {
  getHealth: async () => json(200, { status: 'ok' }),
  getOpenApi: async () => {
    openApiDocument ??= await openApiText();
    return text(200, openApiDocument, 'application/json', { 'cache-control': 'public, max-age=300' });
  },
  getDocs: { handler: async () => text(200, DOCS_PAGE, 'text/html; charset=utf-8'), options: { securityHeaders: docsSecurityHeaders } },
  getDocsAsset: async ({ params }) => {
    if (params.asset === 'init.js') return text(200, INIT_SCRIPT, 'text/javascript; charset=utf-8');
    const contentType = ASSETS[params.asset];
    if (!contentType) throw notFound(`No docs asset named ${params.asset}.`);
    const body = await readFile(join(swaggerAssetsDir, params.asset), 'utf8');
    return text(200, body, contentType, { 'cache-control': 'public, max-age=86400' });
  },
});
