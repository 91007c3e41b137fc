import type middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { PROBLEM_CONTENT_TYPE, Problem, problemBody, type ProblemBody } from '../errors';

const JSON_PARSER = '@middy/http-json-body-parser';

/** Errors raised by libraries in the chain that are the caller's fault, mapped to problems. */
function knownProblem(error: unknown): ProblemBody | undefined {
  if (error instanceof Problem) return error.toBody();
  const e = error as { name?: string; statusCode?: number; message?: string; cause?: { package?: string } };
  if (e?.cause?.package === JSON_PARSER) {
    return problemBody(400, 'The request body must be a JSON document.');
  }
  switch (e?.name) {
    case 'IdempotencyValidationError':
      return problemBody(422, 'This Idempotency-Key was already used with a different request.', {
        code: 'idempotency_key_reuse',
        errors: [{ path: 'headers.idempotency-key', message: 'Already used for another request; use a new key.' }],
      });
    case 'IdempotencyAlreadyInProgressError':
      return problemBody(409, 'A request with this Idempotency-Key is still being processed; retry shortly.', {
        code: 'idempotency_in_progress',
      });
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return problemBody(e.statusCode, e.message ?? 'The request cannot be served.');
  }
  return undefined;
}

/**
 * Every error leaves as RFC 9457 application/problem+json. Anything unexpected
 * is logged with the request id and answered with a generic 500 naming that id,
 * so nothing internal leaks and support can still find the log line.
 */
export function problemDetails(logger: Logger): middy.MiddlewareObj {
  return {
    onError: async function respondWithProblem(request) {
      if (request.response !== undefined) return;
      let body = knownProblem(request.error);
      if (!body) {
        const requestId = request.context.awsRequestId;
        logger.error('Unhandled error', { requestId, error: request.error as Error });
        body = problemBody(500, `An unexpected error occurred. Quote request id ${requestId} to support.`);
      }
      request.response = {
        statusCode: body.status,
        headers: { 'content-type': PROBLEM_CONTENT_TYPE },
        body: JSON.stringify(body),
      };
    },
  };
}
