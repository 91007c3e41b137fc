/**
 * The fan-out's business metrics as an operator sees them: the EMF documents the
 * deliverer and a replay write to stdout (shared/metric-names.ts says what each counts).
 * DeliveriesSucceeded per 2xx attempt; DeliveriesFailed per other attempt, with the
 * `reason` dimension; each attempt's a document of its own, so `reason` never lands on
 * another metric; Replays per replay accepted. The store is the run's DynamoDB Local; only the
 * webhook POST is stubbed (its results are what the metrics classify).
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { monotonicFactory } from 'ulid';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { LOCAL_AWS_ENV, localClient } from '../../infra/local/dynamodb-local';
import { ensureTable } from '../../infra/local/table';
import type { OutgoingMessage } from '../../shared/fanout/queue';
import type { AttemptResult } from '../../shared/fanout/retry-schedule';
import type { EventEnvelope } from '../../shared/schemas/events';
import type { SubscriptionRecord } from '../../shared/store/subscriptions';

// Read when the handler modules load, as in Lambda; metrics on (vitest.config.ts turns them off).
const tableName = `metrics-${randomUUID().slice(0, 8)}`;
Object.assign(process.env, LOCAL_AWS_ENV, { TABLE_NAME: tableName, DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), POWERTOOLS_METRICS_DISABLED: 'false' });

const newId = monotonicFactory();
const COUNCIL = 'E08000026';
const CHALLENGE = newId();

interface Emf {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

/** The EMF documents written to stdout while `run` runs (Powertools Metrics prints one JSON line per flush). */
async function emfOf(run: () => Promise<unknown>): Promise<Emf[]> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(...String(chunk).split('\n').filter((l) => l.includes('"_aws"')));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return lines.map((l) => JSON.parse(l) as Emf);
}

const metricNames = (doc: Emf) => doc._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name));

let store: typeof import('../../shared/store/subscriptions');
let makeDelivererHandler: typeof import('../../shared/fanout/deliverer').makeDelivererHandler;
let makeReplayer: typeof import('../../shared/fanout/replay').makeReplayer;
let documents: typeof import('../../shared/store/client').documents;
let keys: typeof import('../../shared/store/keys').keys;
let KIND: typeof import('../../shared/store/keys').KIND;

beforeAll(async () => {
  await ensureTable(localClient(inject('dynamodbEndpoint')), tableName);
  store = await import('../../shared/store/subscriptions');
  ({ makeDelivererHandler } = await import('../../shared/fanout/deliverer'));
  ({ makeReplayer } = await import('../../shared/fanout/replay'));
  ({ documents } = await import('../../shared/store/client'));
  ({ keys, KIND } = await import('../../shared/store/keys'));
});
afterEach(() => vi.restoreAllMocks());

async function newSubscription(filters: Partial<SubscriptionRecord> = {}): Promise<SubscriptionRecord> {
  const now = new Date().toISOString();
  const record: SubscriptionRecord = {
    id: newId(),
    council: COUNCIL,
    url: 'http://127.0.0.1:9/hook',
    status: 'active',
    secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    createdBy: { council: COUNCIL, sub: 'officer' },
    createdAt: now,
    updatedAt: now,
    ...filters,
  };
  await store.putNewSubscription(record);
  return record;
}

function hubEvent(seq: number): EventEnvelope {
  return {
    id: newId(),
    type: 'CostRecorded',
    version: 1,
    challengeId: CHALLENGE,
    seq,
    occurredAt: new Date().toISOString(),
    actor: { council: COUNCIL, sub: 'finance' },
    audience: [COUNCIL],
    data: {},
  };
}

const sqsEvent = (bodies: unknown[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({ messageId: `m${i}`, body: JSON.stringify(body) }) as SQSEvent['Records'][number]),
});

/** One delivery attempt of a fresh event to a fresh subscription, the webhook answering `result`: the EMF it printed. */
async function attempt(result: AttemptResult): Promise<Emf[]> {
  const subscription = await newSubscription();
  const sent: OutgoingMessage[] = [];
  const queue = { send: async (m: readonly OutgoingMessage[]) => void sent.push(...m) };
  const deliver = makeDelivererHandler({ retries: queue, deadLetters: queue, schedule: [0, 10], localMode: true, post: async () => result });
  return emfOf(async () => {
    const answer = await deliver(sqsEvent([{ subscriptionId: subscription.id, event: hubEvent(1), attempt: 1, correlationId: 'req-1' }]));
    expect(answer.batchItemFailures).toEqual([]);
  });
}

describe('the deliverer', () => {
  it('counts a 2xx answer as DeliveriesSucceeded, on the service dimension only', async () => {
    const docs = await attempt({ statusCode: 204 });
    expect(docs).toHaveLength(1);
    const [doc] = docs as [Emf];
    expect(doc._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'CouncilHub', Dimensions: [['service']], Metrics: [{ Name: 'DeliveriesSucceeded', Unit: 'Count' }] },
    ]);
    expect(doc).toMatchObject({ service: 'council-hub', DeliveriesSucceeded: 1 });
    expect(doc).not.toHaveProperty('reason');
  });

  it.each([
    ['410 Gone', { statusCode: 410 }, 'gone'],
    ['a 5xx', { statusCode: 503 }, 'status'],
    ['no answer in time', { error: 'No answer within 15 s' }, 'timeout'],
  ] as Array<[string, AttemptResult, string]>)('counts %s as DeliveriesFailed with reason %s, a metric of its own', async (_, result, reason) => {
    const docs = await attempt(result);
    // Only the failure's own document: nothing else was emitted, so `reason` is on nothing else.
    expect(docs).toHaveLength(1);
    const [doc] = docs as [Emf];
    expect(doc._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'CouncilHub', Dimensions: [['service', 'reason']], Metrics: [{ Name: 'DeliveriesFailed', Unit: 'Count' }] },
    ]);
    expect(doc).toMatchObject({ service: 'council-hub', reason, DeliveriesFailed: 1 });
  });

  it('keeps reason off the successes of the same invocation', async () => {
    const ok = await newSubscription();
    const failing = await newSubscription({ url: 'http://127.0.0.1:9/failing' });
    const queue = { send: async () => undefined };
    const deliver = makeDelivererHandler({
      retries: queue,
      deadLetters: queue,
      schedule: [0, 10],
      localMode: true,
      post: async (url) => (url.endsWith('/failing') ? { statusCode: 500 } : { statusCode: 200 }),
    });
    const docs = await emfOf(() =>
      deliver(sqsEvent([ok, failing, ok].map((s) => ({ subscriptionId: s.id, event: hubEvent(1), attempt: 1 })))),
    );
    const withReason = docs.filter((d) => 'reason' in d);
    expect(withReason.map(metricNames)).toEqual([['DeliveriesFailed']]);
    const successes = docs.filter((d) => metricNames(d).includes('DeliveriesSucceeded'));
    expect(successes.map((d) => [d._aws.CloudWatchMetrics[0]!.Dimensions, d.DeliveriesSucceeded])).toEqual([
      [[['service']], 1],
      [[['service']], 1],
    ]);
  });
});

describe('a replay', () => {
  it('counts Replays when accepted, and carries its own and the original write\'s correlation ids', async () => {
    const event = hubEvent(1);
    // The event item as the write puts it (store/write.ts), with the write's request id.
    await documents.send(new PutCommand({ TableName: tableName, Item: { ...keys.event(CHALLENGE, 1), kind: KIND.event, event, requestId: 'req-write' } }));
    const subscription = await newSubscription({ challengeIds: [CHALLENGE] });
    const queued: OutgoingMessage[] = [];
    const replay = makeReplayer({ deliveries: { send: async (m) => void queued.push(...m) }, schedule: [0, 10] });
    const { metrics } = await import('../../shared/observability');

    const docs = await emfOf(async () => {
      const outcome = await replay(subscription, {}, 'req-replay');
      expect(outcome).toMatchObject({ queued: { events: 1 } });
      // What the API function's logMetrics does at the end of the request.
      metrics.publishStoredMetrics();
    });
    expect(docs).toHaveLength(1);
    expect(docs[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Dimensions: [['service']], Metrics: [{ Name: 'Replays', Unit: 'Count' }] });
    expect(docs[0]).toMatchObject({ service: 'council-hub', Replays: 1 });

    expect(queued.map((m) => JSON.parse(m.body))).toEqual([
      expect.objectContaining({ subscriptionId: subscription.id, event, correlationId: 'req-replay', originalCorrelationId: 'req-write' }),
    ]);
  });
});
