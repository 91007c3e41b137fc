import type * as z from '../schemas/zod';
import type { Group } from '../auth';
import type { ProblemCode } from '../problem-codes';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The OpenAPI tags, each with what it groups (every route names one). */
export const TAGS = {
  Challenges: 'A shared challenge: its statement, stage and fields. The lead council owns it.',
  Membership: 'Forming the consortium: invitations, requests to join, answers, withdrawal, passing the lead.',
  'Share agreements': 'Cost and risk shares, proposed by the lead and approved by every funding member.',
  Money: 'The pooled budget: pledges, commitments, receipts, costs split to the penny, the statement and each council’s account.',
  Events: 'Keeping councils’ systems in step: the pull feed, webhook subscriptions, deliveries and replays.',
  Councils: 'The register of councils (ONS GSS codes) and each council’s memberships.',
  'Open contracting': 'Each joint challenge published as OCDS 1.1.5.',
  System: 'Health and this document.',
  /** The pages for people (left out of the OpenAPI document). */
  Pages: 'The GOV.UK-styled pages.',
} as const;
export type Tag = keyof typeof TAGS;

/** Response headers an operation may set, each documented once (shared/http/answers.ts). */
export type ResponseHeader = 'etag' | 'location' | 'link' | 'content-disposition' | 'vary';

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
  /** More than the summary: when to call it, what it does (the OpenAPI description leads with it). */
  description?: string;
  tag: Tag;
  /**
   * The codes the operation's own rules can refuse with (shared/problem-codes.ts). The
   * answers every operation of its kind gives (401, 403, 404, 400, 422, idempotency,
   * If-Match, 500) follow from the rest of the spec; shared/http/answers.ts says which.
   */
  refuses?: readonly ProblemCode[];
  request?: {
    params?: z.ZodMiniObject;
    query?: z.ZodMiniObject;
    body?: z.ZodMiniType;
    /** The body may be left out (no body is `{}`). */
    bodyOptional?: true;
    /** Documented request headers (validated by the handler or middleware). */
    headers?: z.ZodMiniObject;
  };
  responses: Record<
    number,
    {
      description: string;
      schema?: z.ZodMiniType;
      contentType?: string;
      /** Also served as CSV when `Accept: text/csv` asks for it. */
      csv?: true;
      headers?: readonly ResponseHeader[];
      /** A worked example of the body (shared/openapi-examples.ts), checked against `schema` by the tests. */
      example?: unknown;
    }
  >;
}

/** Names each route after its key, so `routes.putCouncil.operationId === 'putCouncil'`. */
export const defineRoutes = <const T extends Record<string, Omit<RouteSpec, 'operationId'>>>(table: T) =>
  Object.fromEntries(Object.entries(table).map(([operationId, spec]) => [operationId, { ...spec, operationId }])) as {
    [K in keyof T]: T[K] & { operationId: K };
  };

/** API Gateway's name for a route, as it arrives in `event.routeKey`. */
export const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;
