/**
 * Every answer an operation can give, derived from its route spec: what it declares
 * (its responses and the codes its rules refuse with) and what follows from its kind
 * (it takes a token, a path, a body, an Idempotency-Key, If-Match; it writes a
 * challenge). The OpenAPI document is built from this, and the problem middleware
 * checks each problem it sends against it, so the document and the hub cannot drift.
 */
import { meaningOfCode, type ProblemCode, statusOfCode } from '../problem-codes';
import type { ResponseHeader, RouteSpec } from './route-spec';

export interface ProblemAnswer {
  status: number;
  /** What the status means here, in a line. */
  meaning: string;
  /** The codes it may carry; an answer without codes carries none, one with codes always carries one of them. */
  codes: ProblemCode[];
  /** Schema and validation errors (422) and some 409s carry no code: a code is then optional. */
  codeOptional: boolean;
  headers: ResponseHeader[] | ['retry-after'];
}

/**
 * The API stage's throttle (infra/hub-stack.ts sets it from here). Beyond it, API
 * Gateway itself answers 429 `{"message": "Too Many Requests"}` on any route, before
 * the hub sees the request; its JWT authorizer likewise answers 401
 * `{"message": "Unauthorized"}`. The document declares both as they come.
 */
export const STAGE_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/** Reads do not write; every other method writes. */
export const writes = (route: Pick<RouteSpec, 'method'>) => route.method !== 'GET';
export const takesIdempotencyKey = (route: Pick<RouteSpec, 'method'>) => route.method === 'POST';
export const takesIfMatch = (route: Pick<RouteSpec, 'request'>) => route.request?.headers?.shape['if-match'] !== undefined;

const GENERIC_MEANING: Record<number, string> = {
  400: 'The body is not JSON (or not UTF-8)',
  401: 'Missing or invalid bearer token',
  403: 'Authenticated but not allowed: the group, the council or its role in the challenge',
  404: 'Absent, or not visible to the caller',
  409: 'State conflict, named by `code`',
  412: '`If-Match` does not match the current ETag: read it again',
  422: 'Schema or semantic validation failed; see `errors`',
  428: '`If-Match` is required (the ETag from the last read)',
  500: 'Unexpected error; quote the request id in `detail` to support',
  503: 'Nothing was decided twice: retry after `Retry-After` (with the same Idempotency-Key)',
};

/** Every problem the operation can answer, by status, ascending (worked out once per route: the middleware asks on every problem). */
export function problemAnswers(route: RouteSpec): ProblemAnswer[] {
  let answers = answersByRoute.get(route);
  if (!answers) answersByRoute.set(route, (answers = answersOf(route)));
  return answers;
}
const answersByRoute = new WeakMap<RouteSpec, ProblemAnswer[]>();

function answersOf(route: RouteSpec): ProblemAnswer[] {
  const byStatus = new Map<number, { codes: Set<ProblemCode>; codeOptional: boolean }>();
  const add = (status: number, codes: readonly ProblemCode[] = [], codeOptional = false) => {
    const entry = byStatus.get(status) ?? { codes: new Set(), codeOptional: false };
    for (const c of codes) entry.codes.add(c);
    entry.codeOptional ||= codeOptional;
    byStatus.set(status, entry);
  };
  if (route.auth) {
    add(401, [], true);
    add(403, [], true);
  }
  if (route.request?.params) add(404, [], true);
  if (route.request?.body) add(400, [], true);
  if (route.request) add(422, [], true);
  if (takesIdempotencyKey(route)) {
    add(409, ['idempotency_in_progress']);
    add(422, ['idempotency_key_reuse'], true);
  }
  if (takesIfMatch(route)) {
    add(412, [], true);
    add(428, [], true);
  }
  for (const code of route.refuses ?? []) add(statusOfCode(code), [code]);
  add(500, [], true);
  return [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, { codes, codeOptional }]) => ({
      status,
      meaning: GENERIC_MEANING[status] ?? 'Refused',
      codes: [...codes].sort(),
      codeOptional: codeOptional || codes.size === 0,
      headers: status === 503 || codes.has('idempotency_in_progress') ? ['retry-after'] : [],
    }));
}

/** True when the operation declares this answer: its status, and its code (or no code) under that status. */
export function declaresAnswer(route: RouteSpec, status: number, code: string | undefined): boolean {
  if (route.responses[status]) return true;
  const answer = problemAnswers(route).find((a) => a.status === status);
  if (!answer) return false;
  return code === undefined ? answer.codeOptional : (answer.codes as string[]).includes(code);
}

/** A line per code: what the document says under each problem status. */
export const describeCodes = (codes: readonly ProblemCode[]) => codes.map((c) => `\`${c}\`: ${meaningOfCode(c)}`).join('; ');
