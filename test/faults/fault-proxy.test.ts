/**
 * The fault proxy itself: does the AWS SDK v3 really take each injected answer the
 * way the fault suites assume? Checked with a client configured as shared/db.ts
 * configures the hub's (maxAttempts 4), against DynamoDB Local through the proxy.
 */
import { randomUUID } from 'node:crypto';
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS_ENV, localClient } from '../../infra/local/dynamodb-local';
import { ensureTable } from '../../infra/local/table';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';

const tableName = `faultproxy-${randomUUID().slice(0, 8)}`;
let proxy: FaultProxy;
let client: DynamoDBClient;

beforeAll(async () => {
  const direct = localClient(inject('dynamodbEndpoint'));
  await ensureTable(direct, tableName);
  direct.destroy();
  proxy = await startFaultProxy({ target: inject('dynamodbEndpoint'), seed: 1, plans: {} });
  client = new DynamoDBClient({
    endpoint: proxy.url,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 4,
  });
});
afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
});

const item = (pk: string) => ({ PK: { S: pk }, SK: { S: 'X' }, n: { N: '1' } });
const putNew = (pk: string) =>
  new PutItemCommand({ TableName: tableName, Item: item(pk), ConditionExpression: 'attribute_not_exists(PK)' });
const exists = async (pk: string) =>
  proxy.withFaultsOff(async () => (await client.send(new GetItemCommand({ TableName: tableName, Key: { PK: { S: pk }, SK: { S: 'X' } }, ConsistentRead: true }))).Item !== undefined);
const onPk = (pk: string) => (r: { body: string }) => r.body.includes(pk);
const failure = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as Error & { code?: string; $metadata?: { attempts?: number; httpStatusCode?: number } });

describe('the fault proxy, as the AWS SDK v3 sees it', () => {
  it('throttles are retried by the SDK (both throttling codes), then succeed', async () => {
    const pk = randomUUID();
    const rule = proxy.addRule({ match: onPk(pk), kinds: ['throttle', 'throttle'] });
    const out = await client.send(putNew(pk));
    expect(out.$metadata.attempts).toBe(3);
    expect(rule.hits).toEqual(['throttle', 'throttle', 'none']);
    rule.clear();
  }, 20_000);

  it('a throttle on every attempt surfaces as a throttling error after 4 attempts', async () => {
    const pk = randomUUID();
    const rule = proxy.addRule({ match: onPk(pk), kinds: ['throttle'], then: 'repeat-last' });
    const error = await failure(client.send(putNew(pk)));
    // Attempts alternate ThrottlingException and ProvisionedThroughputExceededException; the 4th is the latter.
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect(error.$metadata?.attempts).toBe(4);
    expect(await exists(pk)).toBe(false);
    rule.clear();
  }, 30_000);

  it('500 InternalServerError is retried, and surfaces as InternalServerError', async () => {
    const pk = randomUUID();
    const rule = proxy.addRule({ match: onPk(pk), kinds: ['internalError'], then: 'repeat-last' });
    const error = await failure(client.send(putNew(pk)));
    expect(error.name).toBe('InternalServerError');
    expect(error.$metadata?.httpStatusCode).toBe(500);
    expect(error.$metadata?.attempts).toBe(4);
    rule.clear();
  }, 20_000);

  it('a request lost before commit is a connection reset, retried; nothing was written', async () => {
    const pk = randomUUID();
    const rule = proxy.addRule({ match: onPk(pk), kinds: ['lostBeforeCommit'], then: 'repeat-last' });
    const error = await failure(client.send(putNew(pk)));
    expect(['ECONNRESET', 'EPIPE']).toContain(error.code);
    expect(error.$metadata?.attempts).toBe(4);
    expect(await exists(pk)).toBe(false);
    rule.clear();
  }, 20_000);

  it('a response lost after commit: the write happened, and the SDK retry meets its own write', async () => {
    const pk = randomUUID();
    const rule = proxy.addRule({ match: onPk(pk), kinds: ['lostAfterCommit'] });
    // The SDK retries the conditional put; DynamoDB sees the item the first attempt wrote.
    const error = await failure(client.send(putNew(pk)));
    expect(error.name).toBe('ConditionalCheckFailedException');
    expect(await exists(pk)).toBe(true);
    expect(rule.hits).toEqual(['lostAfterCommit', 'none']);
    rule.clear();
  }, 20_000);

  it('TransactionConflict: TransactionCanceledException with one reason per item, not retried by the SDK', async () => {
    const pks = [randomUUID(), randomUUID(), randomUUID()];
    const rule = proxy.addRule({ match: onPk(pks[0]!), kinds: ['transactionConflict'] });
    const error = await failure(
      client.send(new TransactWriteItemsCommand({ TransactItems: pks.map((pk) => ({ Put: { TableName: tableName, Item: item(pk) } })) })),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
    expect(reasons).toHaveLength(3);
    expect(reasons.filter((r) => r.Code === 'TransactionConflict')).toHaveLength(1);
    expect(reasons.filter((r) => r.Code === 'None')).toHaveLength(2);
    expect(error.$metadata?.attempts).toBe(1);
    for (const pk of pks) expect(await exists(pk)).toBe(false);
    rule.clear();
  });

  it('a transaction whose response is lost after commit: the SDK retry (same ClientRequestToken) is answered as DynamoDB Local answers it', async () => {
    const pk = randomUUID();
    const rule = proxy.addRule({ match: onPk(pk), kinds: ['lostAfterCommit'] });
    const send = client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: tableName, Item: item(pk), ConditionExpression: 'attribute_not_exists(PK)' } }],
      }),
    );
    const outcome = await send.then((out) => `ok after ${out.$metadata.attempts} attempts`, (e: Error) => `${e.name}`);
    console.info(`fault-proxy: a committed TransactWriteItems whose response was lost, retried by the SDK: ${outcome}`);
    expect(await exists(pk)).toBe(true);
    expect(rule.hits[0]).toBe('lostAfterCommit');
    rule.clear();
  }, 20_000);

  it('random faults follow the seed, and counters add up', async () => {
    const decisions = async (seed: number) => {
      const p = await startFaultProxy({ target: inject('dynamodbEndpoint'), seed, plans: { GetItem: { rate: 0.5, kinds: { latency: 1, throttle: 1 } } } });
      const c = new DynamoDBClient({ endpoint: p.url, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        seen.push(await c.send(new GetItemCommand({ TableName: tableName, Key: { PK: { S: 'none' }, SK: { S: 'X' } } })).then(() => 'ok', (e: Error) => e.name));
      }
      c.destroy();
      await p.stop();
      expect(p.counts.requests.GetItem).toBe(20);
      expect(p.counts.byKind.throttle).toBe(seen.filter((s) => s !== 'ok').length);
      return { seen: seen.join(), counts: { ...p.counts.byKind } };
    };
    const a = await decisions(42);
    const b = await decisions(42);
    expect(b).toEqual(a);
    expect(a.counts.latency + a.counts.throttle).toBeGreaterThan(0);
  });

  it('with a stream key per request, each key gets the same faults however requests interleave', async () => {
    const decisions = async (order: Array<'a' | 'b'>) => {
      const p = await startFaultProxy({ target: inject('dynamodbEndpoint'), seed: 7, plans: { GetItem: { rate: 0.5, kinds: { throttle: 1 } } } });
      p.setStreamOf((r) => (r.body.includes('key-a') ? 'a' : r.body.includes('key-b') ? 'b' : ''));
      const c = new DynamoDBClient({ endpoint: p.url, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
      const seen: Record<'a' | 'b', string[]> = { a: [], b: [] };
      for (const key of order) {
        const out = await c.send(new GetItemCommand({ TableName: tableName, Key: { PK: { S: `key-${key}` }, SK: { S: 'X' } } })).then(() => 'ok', (e: Error) => e.name);
        seen[key].push(out);
      }
      c.destroy();
      await p.stop();
      expect(p.counts.byStream.a?.throttle ?? 0).toBe(seen.a.filter((x) => x !== 'ok').length);
      return seen;
    };
    const grouped = await decisions([...Array(10).fill('a'), ...Array(10).fill('b')]);
    const interleaved = await decisions(Array.from({ length: 20 }, (_, i) => (i % 2 ? 'b' : 'a')));
    expect(interleaved).toEqual(grouped);
  });
});
