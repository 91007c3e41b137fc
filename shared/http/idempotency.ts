import { createHash } from 'node:crypto';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { unprocessable } from '../errors';
import { dynamodb, tableName } from '../store/client';
import { idempotencyPartition } from '../store/keys';
import { tableDefinition } from '../store/table';
import { readWriteMarker } from '../store/write';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const DAY_SECONDS = 24 * 60 * 60;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The write id of a keyed request: the same for every retry of it, whichever invocation runs it. */
export const writeIdFor = (sub: string, key: string) => sha256(`${sub}\n${key}`);

/** What must match for a retry to be the same request: route, path and raw body (as Powertools checks). */
export const requestHashOf = (event: Pick<APIGatewayProxyEventV2, 'routeKey' | 'rawPath' | 'body'>) =>
  sha256(JSON.stringify([event.routeKey, event.rawPath, event.body ?? null]));

const keyOf = (event: APIGatewayProxyEventV2) => event.headers?.[IDEMPOTENCY_HEADER];
const subOf = (event: APIGatewayProxyEventV2) =>
  (event as { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } }).requestContext?.authorizer?.jwt?.claims?.sub;

/**
 * Idempotency-Key for POSTs, as api.md fixes it. Two mechanisms, each for what it does best:
 * - Powertools idempotency (its record in the hub's table) keeps the complete response
 *   for a replay, the in-progress lock (409 while the first runs) and the payload check
 *   (422 idempotency_key_reuse), for every POST;
 * - the write marker (shared/store/write.ts), written in the change's own transaction,
 *   is what says whether a challenge write happened. When Powertools says "in progress"
 *   but the marker is there, the first request committed and then died (a crash, a
 *   timeout): the request goes on, and the write path answers from the marker at once.
 */
/**
 * Powertools' idempotency middleware, loaded on the first POST rather than at init: a
 * function's GETs never need it, and a cold start should not pay for it (issue 13).
 */
async function powertoolsIdempotency(): Promise<middy.MiddlewareObj> {
  const [{ IdempotencyConfig }, { DynamoDBPersistenceLayer }, { makeHandlerIdempotent }] = await Promise.all([
    import('@aws-lambda-powertools/idempotency'),
    import('@aws-lambda-powertools/idempotency/dynamodb'),
    import('@aws-lambda-powertools/idempotency/middleware'),
  ]);
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName,
    awsSdkV3Client: dynamodb,
    keyAttr: tableDefinition.partitionKey,
    sortKeyAttr: tableDefinition.sortKey,
    expiryAttr: tableDefinition.timeToLiveAttribute,
    staticPkValue: idempotencyPartition,
  });
  const config = new IdempotencyConfig({
    // `&&` yields null without the header, which Powertools reads as "skip".
    eventKeyJmesPath: `headers."${IDEMPOTENCY_HEADER}" && [requestContext.authorizer.jwt.claims.sub, headers."${IDEMPOTENCY_HEADER}"]`,
    payloadValidationJmesPath: '[routeKey, rawPath, body]',
    expiresAfterSeconds: DAY_SECONDS,
    responseHook: (response) => {
      const stored = response as { headers?: Record<string, string> };
      return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } };
    },
  });
  return makeHandlerIdempotent({ persistenceStore, config, keyPrefix: 'hub' }) as middy.MiddlewareObj;
}

export function idempotentPost(): middy.MiddlewareObj<APIGatewayProxyEventV2> {
  let loading: Promise<middy.MiddlewareObj> | undefined;
  const powertoolsMiddleware = () => (loading ??= powertoolsIdempotency());
  const deferred = new WeakSet<object>();

  return {
    before: async function checkIdempotencyKey(request) {
      const key = keyOf(request.event);
      if (key !== undefined && (key.length < 1 || key.length > 255)) {
        throw unprocessable('Idempotency-Key must be 1 to 255 characters.', [
          { path: 'headers.idempotency-key', message: 'Must be 1 to 255 characters.' },
        ]);
      }
      try {
        // Powertools keeps the event to hash again when it stores the result: give it a snapshot.
        const powertools = await powertoolsMiddleware();
        return await powertools.before?.({ ...request, event: { ...request.event } });
      } catch (error) {
        const sub = subOf(request.event);
        if ((error as Error).name !== 'IdempotencyAlreadyInProgressError' || key === undefined || typeof sub !== 'string') throw error;
        if (!(await readWriteMarker(writeIdFor(sub, key)))) throw error;
        deferred.add(request);
        return undefined;
      }
    },
    after: async function storeResponse(request) {
      if (deferred.has(request)) return;
      // Header middlewares leave `undefined` for headers they remove; the stored copy must be plain data.
      const headers = request.response?.headers as Record<string, unknown> | undefined;
      if (headers) for (const name of Object.keys(headers)) if (headers[name] === undefined) delete headers[name];
      return (await powertoolsMiddleware()).after?.(request);
    },
    onError: async function releaseIdempotencyKey(request) {
      // Powertools deletes the in-progress record on any error. When the error is
      // that *another* request holds the key (or the key was reused), that record
      // belongs to the other request and must stay, or a third retry could run twice.
      if (deferred.has(request)) return;
      const name = (request.error as Error | null)?.name;
      if (name === 'IdempotencyAlreadyInProgressError' || name === 'IdempotencyValidationError') return;
      await (await powertoolsMiddleware()).onError?.(request);
    },
  };
}
