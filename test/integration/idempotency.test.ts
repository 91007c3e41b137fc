import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import * as z from '../../shared/schemas/zod';
import { LOCAL_AWS_ENV, localClient } from '../../infra/local/dynamodb-local';
import { ensureTable } from '../../infra/local/table';
import type { RouteSpec } from '../../shared/http/route-spec';

// The handler modules read these when they load, as in Lambda.
const tableName = `idem-${randomUUID().slice(0, 8)}`;
Object.assign(process.env, LOCAL_AWS_ENV, { TABLE_NAME: tableName, DYNAMODB_ENDPOINT: inject('dynamodbEndpoint') });

/** A POST operation whose handler counts its runs and can be held open. */
const route = {
  operationId: 'recordThing', method: 'POST', path: '/v1/things', fn: 'test', auth: true, tag: 'System', summary: 'test',
  request: { body: z.object({ amountPence: z.int() }) },
  responses: { 201: { description: 'ok' } },
} satisfies RouteSpec;
let runs = 0;
let hold: Promise<void> = Promise.resolve();
let invoke: (e: APIGatewayProxyEventV2) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body?: string }>;

beforeAll(async () => {
  await ensureTable(localClient(inject('dynamodbEndpoint')), tableName);
  const { operation } = await import('../../shared/http/operation');
  const { json } = await import('../../shared/http/responses');
  const handler = operation(route, async ({ body }) => {
    runs++;
    await hold;
    return json(201, { id: randomUUID(), amountPence: body.amountPence });
  });
  invoke = (e) => handler(e, context()) as never;
});

const context = (): Context => ({
  functionName: 'test', awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 20_000,
  callbackWaitsForEmptyEventLoop: false, functionVersion: '1', invokedFunctionArn: 'arn:aws:lambda:eu-west-2:0:function:test',
  memoryLimitInMB: '128', logGroupName: 'g', logStreamName: 's', done: () => {}, fail: () => {}, succeed: () => {},
});

function post(body: string, key?: string, sub = 'user-1'): APIGatewayProxyEventV2 {
  return {
    version: '2.0', routeKey: 'POST /v1/things', rawPath: '/v1/things', rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(key !== undefined ? { 'idempotency-key': key } : {}) },
    body, isBase64Encoded: false,
    requestContext: { requestId: randomUUID(), routeKey: 'POST /v1/things', http: { method: 'POST', path: '/v1/things' }, authorizer: { jwt: { claims: { sub }, scopes: [] } } },
  } as unknown as APIGatewayProxyEventV2;
}

describe('Idempotency-Key on POST', () => {
  it('replays the first response, headers and all, without running the handler again', async () => {
    const before = runs;
    const key = randomUUID();
    const first = await invoke(post('{"amountPence":100}', key));
    const again = await invoke(post('{"amountPence":100}', key));
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(first.headers?.['idempotent-replayed']).toBeUndefined();
    expect(again.headers?.['X-Content-Type-Options']).toBe('nosniff'); // the stored response is the complete one
    expect(runs - before).toBe(1);
  });

  it('scopes keys to the caller: another user with the same key is a new request', async () => {
    const before = runs;
    const key = randomUUID();
    await invoke(post('{"amountPence":1}', key, 'alice'));
    const bob = await invoke(post('{"amountPence":1}', key, 'bob'));
    expect(bob.headers?.['idempotent-replayed']).toBeUndefined();
    expect(runs - before).toBe(2);
  });

  it('answers 422 idempotency_key_reuse for the same key with another body', async () => {
    const key = randomUUID();
    await invoke(post('{"amountPence":100}', key));
    const reuse = await invoke(post('{"amountPence":101}', key));
    expect(reuse.statusCode).toBe(422);
    expect(reuse.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(reuse.body!)).toMatchObject({
      code: 'idempotency_key_reuse',
      errors: [{ path: 'headers.idempotency-key', message: expect.any(String) }],
    });
  });

  it('answers 409 while the first request runs, and keeps the first request’s lock', async () => {
    const before = runs;
    const key = randomUUID();
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const first = invoke(post('{"amountPence":5}', key));
    await new Promise((r) => setTimeout(r, 300));
    const second = await invoke(post('{"amountPence":5}', key));
    const third = await invoke(post('{"amountPence":5}', key));
    expect(second.statusCode).toBe(409);
    expect(JSON.parse(second.body!).code).toBe('idempotency_in_progress');
    expect(third.statusCode).toBe(409); // the 409 did not free the key for a duplicate run
    release();
    hold = Promise.resolve();
    expect((await first).statusCode).toBe(201);
    const replay = await invoke(post('{"amountPence":5}', key));
    expect(replay.headers?.['idempotent-replayed']).toBe('true');
    expect(runs - before).toBe(1);
  });

  it('does not store failures: a corrected retry with the same key runs', async () => {
    const key = randomUUID();
    const bad = await invoke(post('{"amountPence":1.5}', key));
    expect(bad.statusCode).toBe(422);
    const good = await invoke(post('{"amountPence":1.5}', key));
    expect(good.statusCode).toBe(422);
    expect(good.headers?.['idempotent-replayed']).toBeUndefined();
  });

  it('rejects a key longer than 255 characters, and runs every request without a key', async () => {
    expect((await invoke(post('{"amountPence":1}', 'k'.repeat(256)))).statusCode).toBe(422);
    const before = runs;
    await invoke(post('{"amountPence":1}'));
    await invoke(post('{"amountPence":1}'));
    expect(runs - before).toBe(2);
  });
});
