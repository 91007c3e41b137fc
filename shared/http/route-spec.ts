import type { z } from 'zod';
import type { Group } from '../auth';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  operationId: string;
  method: HttpMethod;
  path: string;
  /** Lambda entry point: functions/<fn>.ts */
  fn: string;
  /** false only for the unauthenticated system routes and the pages (which check their own cookie session). */
  auth: boolean;
  /** false: left out of the OpenAPI document (the pages: HTML for people, not the API for systems). */
  openApi?: false;
  /** The group a caller needs before anything else is looked at (403 otherwise). */
  group?: Group;
  summary: string;
  tag: string;
  request?: {
    params?: z.ZodObject;
    query?: z.ZodObject;
    body?: z.ZodType;
    /** Documented request headers (validated by the handler or middleware). */
    headers?: z.ZodObject;
  };
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

/** Names each route after its key, so `routes.putCouncil.operationId === 'putCouncil'`. */
export const defineRoutes = <const T extends Record<string, Omit<RouteSpec, 'operationId'>>>(table: T) =>
  Object.fromEntries(Object.entries(table).map(([operationId, spec]) => [operationId, { ...spec, operationId }])) as {
    [K in keyof T]: T[K] & { operationId: K };
  };

/** API Gateway's name for a route, as it arrives in `event.routeKey`. */
export const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;
