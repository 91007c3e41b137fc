/**
 * The outbox publisher (shared/fanout/publisher.ts) under PutEvents faults: lost
 * responses after the entries were put on the bus, partial failures, throws.
 * The promise is at-least-once: every event of the feed reaches the bus at least
 * once (a lost response may publish it twice, and subscribers deduplicate by event
 * id), and none is ever lost.
 *
 * The records are real: the local hub writes a consortium's story, and its table's
 * stream (DynamoDB Local) is read through the local model of Lambda's event source
 * mapping (infra/local/stream-poller.ts), with the same outbox filter.
 *
 *   PUBLISHER_FAULT_SEED  replay a seed       PUBLISHER_FAULT_RUNS  property runs (default 40)
 */
import { outboxStreamFilter } from '../../events/rules';
import { localClient } from '../../infra/local/dynamodb-local';
import { LocalQueue } from '../../infra/local/local-queue';
import { StreamPoller } from '../../infra/local/stream-poller';
import { eventOfRecord, makePublisherHandler, type PublisherHandler } from '../../shared/fanout/publisher';
import { publisherStreamSettings } from '../../shared/fanout/stream-settings';
import type { DynamoDBRecord } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNCILS, registerCouncils } from '../support/councils';
import { FaultyPutEvents, PUT_FAULTS } from '../support/fault-put-events';
import { startTestHub, type TestHub } from '../support/hub';
import { agreeShares, Callers, expectStatus, formConsortium } from '../support/money';

const SEED = process.env.PUBLISHER_FAULT_SEED ? Number(process.env.PUBLISHER_FAULT_SEED) : (Date.now() ^ (process.pid << 8)) >>> 0;
const RUNS = Number(process.env.PUBLISHER_FAULT_RUNS ?? 40);
const BUS = 'council-hub';

let hub: TestHub;
let callers: Callers;
let challengeId: string;
const [lead, b, c] = Object.values(COUNCILS).map((x) => x.code) as [string, string, string];
const pollers: StreamPoller[] = [];

/** Some more money moves on the challenge: each writes one event. */
async function moreEvents(n: number, label: string) {
  const token = await callers.finance(lead);
  for (let i = 0; i < n; i++) {
    await expectStatus(
      await hub.call('POST', `/v1/challenges/${challengeId}/costs`, { token, body: { amountPence: 1_000 + i, description: `${label} ${i}` } }),
      201,
      'cost',
    );
  }
}

/** The feed as an active member reads it: the events that must reach the bus. */
async function feed(): Promise<Array<{ id: string; type: string; seq: number }>> {
  const token = await callers.officer(lead);
  const events: any[] = [];
  let after = 0;
  for (;;) {
    const page = await hub.call('GET', `/v1/challenges/${challengeId}/events?after=${after}&limit=100`, { token });
    expect(page.status).toBe(200);
    events.push(...page.body.items);
    if (page.body.items.length === 0 || page.body.next === after) return events;
    after = page.body.next;
  }
}

function poller(handler: PublisherHandler, dlq: LocalQueue) {
  const p = new StreamPoller({
    dynamodb: localClient(hub.dynamodbEndpoint),
    endpoint: hub.dynamodbEndpoint,
    tableName: hub.tableName,
    handler,
    onFailure: dlq,
    filter: outboxStreamFilter,
    ...publisherStreamSettings,
    pollIntervalMs: 20,
    retryBackoffMs: () => 10,
  });
  pollers.push(p);
  return p;
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * At least once and never lost: every event is on the bus, or its record is in the
 * dead-letter queue (from where it is replayed); what arrived is the event itself.
 * Returns the duplicates.
 */
function expectAtLeastOnce(bus: FaultyPutEvents, events: Array<{ id: string; type: string }>, deadLettered: string[] = []) {
  const arrived = new Map<string, number>();
  for (const id of bus.publishedEventIds()) arrived.set(id, (arrived.get(id) ?? 0) + 1);
  const missing = events.filter((e) => !arrived.has(e.id) && !deadLettered.includes(e.id)).map((e) => `${e.type} ${e.id}`);
  expect(missing, 'events neither published nor dead-lettered').toEqual([]);
  const known = new Map(events.map((e) => [e.id, e]));
  for (const { entry } of bus.published) {
    const detail = JSON.parse(entry.Detail!);
    // Deduplicable by id: every copy is the same event, with the envelope EventBridge rules match on.
    expect(detail).toEqual(known.get(detail.id));
    expect(entry).toMatchObject({ EventBusName: BUS, Source: 'council-hub', DetailType: detail.type });
  }
  expect([...arrived.keys()].filter((id) => !known.has(id)), 'published but not in the feed').toEqual([]);
  return [...arrived.values()].reduce((acc, n) => acc + n - 1, 0);
}

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, Object.values(COUNCILS));
  challengeId = await formConsortium(hub, callers, lead, [b, c], 'Publisher under faults');
  await agreeShares(hub, callers, challengeId, lead, [lead, b, c], { basis: 'equal' });
  for (const council of [lead, b, c]) {
    await expectStatus(await hub.call('PUT', `/v1/challenges/${challengeId}/pledges/${council}`, { token: await callers.finance(council), body: { amountPence: 100_000 } }), 200, 'pledge');
    await expectStatus(await hub.call('POST', `/v1/challenges/${challengeId}/commitments`, { token: await callers.finance(council), body: { amountPence: 60_000 } }), 201, 'commit');
  }
  await moreEvents(20, 'Before');
}, 120_000);

afterAll(async () => {
  for (const p of pollers) await p.stop();
  await hub?.stop();
});

describe('the stream publisher under PutEvents faults', () => {
  it(`publishes every event of the real stream at least once, through the local event source mapping (seed ${SEED})`, async () => {
    const bus = new FaultyPutEvents({ seed: SEED, rate: 0.4 });
    const dlq = new LocalQueue({ name: 'publisher-dlq' });
    const p = poller(makePublisherHandler({ client: bus, eventBusName: BUS, backoffMs: () => 2 }), dlq);
    await p.start();
    const failedCalls = () => bus.counts.lostAfterPublish + bus.counts.partialFailure + bus.counts.throwBeforePublish;
    // Events keep arriving while PutEvents misbehaves, until it has failed at least once:
    // 15 events make about 13 calls, and about one seed in a hundred faults none of them.
    await moreEvents(15, 'During');
    for (let round = 0; failedCalls() === 0 && round < 10; round++) await moreEvents(5, `During, round ${round + 2}`);
    const events = await feed();
    await until(() => events.every((e) => bus.publishedEventIds().includes(e.id)), `all ${events.length} events on the bus`);
    await p.stop();
    const duplicates = expectAtLeastOnce(bus, events);
    expect(dlq.messages(), 'dead-lettered records').toEqual([]);
    console.info(
      `publisher-faults: seed ${SEED}: ${events.length} events, ${bus.counts.calls} PutEvents calls (${PUT_FAULTS.map((k) => `${k} ${bus.counts[k]}`).join(', ')}), ` +
        `${bus.published.length} deliveries, ${duplicates} duplicates, ${p.stats.invocations} invocations, 0 lost`,
    );
    expect(failedCalls(), 'PutEvents calls that failed').toBeGreaterThan(0);
  }, 60_000);

  it(`holds for random batches and faults (fast-check, ${RUNS} runs, seed ${SEED})`, async () => {
    // The real stream records, captured once as Lambda would receive them.
    const records: DynamoDBRecord[] = [];
    const capture = poller(async (event) => {
      records.push(...event.Records);
      return { batchItemFailures: [] };
    }, new LocalQueue({ name: 'capture-dlq' }));
    await capture.start();
    const events = await feed();
    await until(() => records.length >= events.length, `${events.length} stream records`);
    await capture.stop();
    expect(records).toHaveLength(events.length);

    const totals = { duplicates: 0, deliveries: 0, calls: 0, deadLettered: 0, faults: Object.fromEntries(PUT_FAULTS.map((k) => [k, 0])) as Record<string, number> };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: 0.05, max: 0.6, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 4 }),
        async (faultSeed, rate, batchSize, maxPutAttempts) => {
          const bus = new FaultyPutEvents({ seed: faultSeed, rate });
          const handler = makePublisherHandler({ client: bus, eventBusName: BUS, maxPutAttempts, backoffMs: () => 0 });
          const deadLettered = await driveLikeLambda(handler, records, batchSize, publisherStreamSettings.retryAttempts);
          const deadIds = deadLettered.map((r) => eventOfRecord(r)!.id);
          totals.deadLettered += deadIds.length;
          totals.duplicates += expectAtLeastOnce(bus, events, deadIds);
          totals.deliveries += bus.published.length;
          totals.calls += bus.counts.calls;
          for (const k of PUT_FAULTS) totals.faults[k]! += bus.counts[k];
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    console.info(
      `publisher-faults: ${RUNS} runs over ${records.length} records: ${totals.calls} PutEvents calls (${Object.entries(totals.faults).map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
        `${totals.deliveries} deliveries, ${totals.duplicates} duplicates (deduplicable by event id), ${totals.deadLettered} records dead-lettered (replayable), 0 lost`,
    );
  }, 120_000);
});

/**
 * Lambda's stream event source mapping with ReportBatchItemFailures, reduced to what
 * matters here: batches in stream order; after a failure it resumes from the first
 * failed record (the checkpoint); a thrown invocation retries the whole batch; after
 * `retryAttempts` tries on one position that record would go to the DLQ.
 */
async function driveLikeLambda(handler: PublisherHandler, records: DynamoDBRecord[], batchSize: number, retryAttempts: number): Promise<DynamoDBRecord[]> {
  const deadLettered: DynamoDBRecord[] = [];
  let at = 0;
  let tries = 0;
  while (at < records.length) {
    const batch = records.slice(at, at + batchSize);
    let failed: Set<string>;
    try {
      const result = await handler({ Records: batch });
      failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
    } catch {
      failed = new Set(batch.map((r) => r.dynamodb!.SequenceNumber!));
    }
    const first = batch.findIndex((r) => failed.has(r.dynamodb!.SequenceNumber!));
    if (first < 0) {
      at += batch.length;
      tries = 0;
      continue;
    }
    if (first > 0) tries = 0;
    at += first;
    if (++tries > retryAttempts) {
      deadLettered.push(records[at]!);
      at++;
      tries = 0;
    }
  }
  return deadLettered;
}
