import type { z } from 'zod';
import type { Group } from './auth';
import { council, councilCodeParams, councilInput } from './schemas/council';
import { docsAssetParams, health, pageOf } from './schemas/system';
import { pageQuery } from './http/paging';

/**
 * The route table: the one source of truth for method, path and the function
 * that serves it. CDK builds one Lambda per `fn` and one API route per entry;
 * the local hub matches requests against the same list; the OpenAPI document
 * is generated from the schemas named here, which also validate requests.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  operationId: string;
  method: HttpMethod;
  path: string;
  /** Lambda entry point: functions/<fn>.ts */
  fn: string;
  /** false only for the unauthenticated system routes. */
  auth: boolean;
  /** The group a caller needs before anything else is looked at (403 otherwise). */
  group?: Group;
  summary: string;
  tag: string;
  request?: {
    params?: z.ZodObject;
    query?: z.ZodObject;
    body?: z.ZodType;
  };
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

const define = <const T extends Record<string, Omit<RouteSpec, 'operationId'>>>(table: T) =>
  Object.fromEntries(Object.entries(table).map(([operationId, spec]) => [operationId, { ...spec, operationId }])) as {
    [K in keyof T]: T[K] & { operationId: K };
  };

export const routes = define({
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

  putCouncil: {
    method: 'PUT', path: '/v1/councils/{code}', fn: 'councils', auth: true, group: 'hub-admin', tag: 'Councils',
    summary: 'Register or update a council (hub-admin)',
    request: { params: councilCodeParams, body: councilInput },
    responses: { 200: { description: 'Updated', schema: council }, 201: { description: 'Registered', schema: council } },
  },
  listCouncils: {
    method: 'GET', path: '/v1/councils', fn: 'councils', auth: true, tag: 'Councils',
    summary: 'List registered councils, by code',
    request: { query: pageQuery },
    responses: { 200: { description: 'A page of councils', schema: pageOf(council, 'CouncilPage') } },
  },
  getCouncil: {
    method: 'GET', path: '/v1/councils/{code}', fn: 'councils', auth: true, tag: 'Councils',
    summary: 'Read one council',
    request: { params: councilCodeParams },
    responses: { 200: { description: 'The council', schema: council } },
  },
});

export type Routes = typeof routes;
export type RouteName = keyof Routes;
export const routeList: RouteSpec[] = Object.values(routes);
export const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;
