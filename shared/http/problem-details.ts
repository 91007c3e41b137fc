import type middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Refusal } from '../domain/transition';
import { PROBLEM_CONTENT_TYPE, Problem, problemBody, type ProblemBody } from '../errors';
import { BadCursorError, type ItemKind, KeyReuseError, MissingItemError, WriteContentionError, WriteOutcomeUnknownError } from '../store/errors';
import { declaresAnswer } from './answers';
import type { RouteSpec } from './route-spec';

const REFUSAL_STATUS: Record<Refusal['kind'], number> = {
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid: 422,
  precondition_failed: 412,
};

/** A domain refusal as the caller's problem. */
export const problemOf = (r: Refusal) =>
  new Problem(REFUSAL_STATUS[r.kind], r.detail, { ...(r.code ? { code: r.code } : {}), ...(r.errors ? { errors: [...r.errors] } : {}) });

/** Throws the refusal, if there is one, as a problem; checks compose with `??`. */
export function refuseWith(refusal: Refusal | null | undefined): void {
  if (refusal) throw problemOf(refusal);
}

const keyReuse = () =>
  problemBody(422, 'This Idempotency-Key was already used with a different request.', {
    code: 'idempotency_key_reuse',
    errors: [{ path: 'headers.idempotency-key', message: 'Already used for another request; use a new key.' }],
  });

/** A missing item's 404, as the API words it for each kind. */
const MISSING: Record<ItemKind, (id: string) => string> = {
  council: (code) => `No council is registered with code ${code}.`,
  // Raised for the caller's council's subscriptions: another council's is as absent as a missing one.
  subscription: (id) => `No subscription ${id} belongs to your council.`,
};

/** Errors of the domain, the store and libraries in the chain that are the caller's to act on, as problems. */
function knownProblem(error: unknown): { body: ProblemBody; headers?: Record<string, string> } | undefined {
  if (error instanceof Problem) return { body: error.toBody() };
  if (error instanceof Refusal) return { body: problemOf(error).toBody() };
  if (error instanceof BadCursorError) {
    return { body: problemBody(422, 'The cursor is not valid.', { errors: [{ path: 'query.cursor', message: error.message }] }) };
  }
  if (error instanceof KeyReuseError) return { body: keyReuse() };
  if (error instanceof MissingItemError) return { body: problemBody(404, MISSING[error.kind](error.id)) };
  if (error instanceof WriteContentionError) {
    // Nothing was written, so the caller may safely try again (with the same Idempotency-Key).
    return {
      body: problemBody(503, 'The challenge is being changed by many requests at once; retry shortly.', { code: 'write_contention' }),
      headers: { 'retry-after': '1' },
    };
  }
  if (error instanceof WriteOutcomeUnknownError) {
    return {
      body: problemBody(503, 'The database did not confirm whether this change was saved; retry with the same Idempotency-Key and it is applied at most once.', {
        code: 'write_outcome_unknown',
      }),
      headers: { 'retry-after': '1' },
    };
  }
  const e = error as { name?: string; statusCode?: number; message?: string };
  switch (e?.name) {
    case 'IdempotencyValidationError':
      return { body: keyReuse() };
    case 'IdempotencyAlreadyInProgressError':
      return {
        body: problemBody(409, 'A request with this Idempotency-Key is still being processed; retry shortly.', { code: 'idempotency_in_progress' }),
        headers: { 'retry-after': '1' },
      };
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { body: problemBody(e.statusCode, e.message ?? 'The request cannot be served.') };
  }
  return undefined;
}

/**
 * Every error leaves as RFC 9457 application/problem+json. Anything unexpected
 * is logged with the request id and answered with a generic 500 naming that id,
 * so nothing internal leaks and support can still find the log line.
 *
 * Each problem is checked against what the route declares (shared/http/answers.ts),
 * which is what the OpenAPI document says: one it does not declare is logged as an
 * error (the local hub, under the test suite, answers it as a 500: infra/local/server.ts).
 */
export function problemDetails(logger: Logger, route?: RouteSpec): middy.MiddlewareObj {
  const checked = route && route.openApi !== false ? route : undefined;
  return {
    onError: async function respondWithProblem(request) {
      if (request.response !== undefined) return;
      let known = knownProblem(request.error);
      if (known && checked && !declaresAnswer(checked, known.body.status, known.body.code)) {
        logger.error('Answer not declared for this operation in the OpenAPI document', { operationId: checked.operationId, status: known.body.status, code: known.body.code });
      }
      if (!known) {
        const requestId = request.context.awsRequestId;
        logger.error('Unhandled error', { requestId, error: request.error as Error });
        known = { body: problemBody(500, `An unexpected error occurred. Quote request id ${requestId} to support.`) };
      }
      request.response = {
        statusCode: known.body.status,
        headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...known.headers },
        body: JSON.stringify(known.body),
      };
    },
  };
}
