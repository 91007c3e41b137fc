import type middy from '@middy/core';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { dynamodb } from '../db';
import { unprocessable } from '../errors';
import { idempotencyPartition } from '../keys';
import { tableDefinition, tableName } from '../table';

const HEADER = 'idempotency-key';
const DAY_SECONDS = 24 * 60 * 60;

/**
 * Idempotency-Key for POSTs, as api.md fixes it, on Powertools idempotency with
 * its records in the hub's own table:
 * - keyed by the caller's `sub` plus the key, one namespace for the whole hub
 *   (not per function); no header means no idempotency;
 * - the route and body are the validated payload, so reusing a key for another
 *   request is IdempotencyValidationError (422 idempotency_key_reuse);
 * - a replay returns the stored response with `Idempotent-Replayed: true`.
 */
export function idempotentPost(): middy.MiddlewareObj<APIGatewayProxyEventV2> {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: tableName(),
    awsSdkV3Client: dynamodb,
    keyAttr: tableDefinition.partitionKey,
    sortKeyAttr: tableDefinition.sortKey,
    expiryAttr: tableDefinition.timeToLiveAttribute,
    staticPkValue: idempotencyPartition,
  });
  const config = new IdempotencyConfig({
    // `&&` yields null without the header, which Powertools reads as "skip".
    eventKeyJmesPath: `headers."${HEADER}" && [requestContext.authorizer.jwt.claims.sub, headers."${HEADER}"]`,
    payloadValidationJmesPath: '[routeKey, rawPath, body]',
    expiresAfterSeconds: DAY_SECONDS,
    responseHook: (response) => {
      const stored = response as { headers?: Record<string, string> };
      return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } };
    },
  });
  const powertools = makeHandlerIdempotent({ persistenceStore, config, keyPrefix: 'hub' });

  return {
    before: async function checkIdempotencyKey(request) {
      const key = request.event.headers?.[HEADER];
      if (key !== undefined && (key.length < 1 || key.length > 255)) {
        throw unprocessable('Idempotency-Key must be 1 to 255 characters.', [
          { path: 'headers.idempotency-key', message: 'Must be 1 to 255 characters.' },
        ]);
      }
      // Powertools keeps the event to hash again when it stores the result; give it a
      // snapshot, because the JSON body parser later replaces event.body in place.
      return powertools.before?.({ ...request, event: { ...request.event } });
    },
    after: async function storeResponse(request) {
      // Header middlewares leave `undefined` for headers they remove; the stored copy must be plain data.
      const headers = request.response?.headers as Record<string, unknown> | undefined;
      if (headers) for (const name of Object.keys(headers)) if (headers[name] === undefined) delete headers[name];
      return powertools.after?.(request);
    },
    onError: async function releaseIdempotencyKey(request) {
      // Powertools deletes the in-progress record on any error. When the error is
      // that *another* request holds the key (or the key was reused), that record
      // belongs to the other request and must stay, or a third retry could run twice.
      const name = (request.error as Error | null)?.name;
      if (name === 'IdempotencyAlreadyInProgressError' || name === 'IdempotencyValidationError') return;
      await powertools.onError?.(request);
    },
  };
}
