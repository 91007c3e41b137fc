import { defineRoutes } from '../http/route-spec';
import { docsAssetParams, health } from '../schemas/system';

export const systemRoutes = defineRoutes({
  getHealth: {
    method: 'GET', path: '/health', fn: 'system', auth: false, tag: 'System',
    summary: 'Liveness check',
    responses: { 200: { description: 'The hub is up', schema: health } },
  },
  getOpenApi: {
    method: 'GET', path: '/openapi.json', fn: 'system', auth: false, tag: 'System',
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'OpenAPI document' } },
  },
  getDocs: {
    method: 'GET', path: '/docs', fn: 'system', auth: false, tag: 'System',
    summary: 'Readable API reference',
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
  },
  getDocsAsset: {
    method: 'GET', path: '/docs/{asset}', fn: 'system', auth: false, tag: 'System',
    summary: 'Static asset of the reference page',
    request: { params: docsAssetParams },
    responses: { 200: { description: 'Asset' } },
  },
});
