/**
 * 40 costs at once, each sent twice with the same Idempotency-Key (80 requests
 * in flight together): exactly 40 entries and 40 CostRecorded events, every
 * pair answered with the same entry, and the ledger invariants hold.
 * A duplicate that arrives while its twin is still running is told 409
 * idempotency_in_progress (api.md) and retries, as a client would, until it
 * gets the replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub';
import { COUNCILS, registerCouncils } from '../support/councils';
import { expectLedgerSound } from '../support/invariants';
import { agreeShares, Callers, formConsortium } from '../support/money';

const { birmingham, coventry, westminster } = COUNCILS;
const B = birmingham.code;
const C = coventry.code;
const W = westminster.code;
const COSTS = 40;

let hub: TestHub;
let callers: Callers;

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, [birmingham, coventry, westminster]);
});
afterAll(() => hub?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('concurrent costs with duplicated Idempotency-Keys', () => {
  it('records each cost exactly once and keeps the ledger sound', async () => {
    const id = await formConsortium(hub, callers, B, [C, W]);
    await agreeShares(hub, callers, id, B, [B, C, W], {
      basis: 'custom',
      shares: [
        { council: B, costBps: 5000, riskBps: 4000 },
        { council: C, costBps: 3000, riskBps: 3000 },
        { council: W, costBps: 2000, riskBps: 3000 },
      ],
    });
    for (const council of [B, C, W]) {
      const token = await callers.finance(council);
      expect((await hub.call('PUT', `/v1/challenges/${id}/pledges/${council}`, { token, body: { amountPence: 100_000 } })).status).toBe(200);
      expect((await hub.call('POST', `/v1/challenges/${id}/commitments`, { token, body: { amountPence: 50_000 } })).status).toBe(201);
    }
    const lead = await callers.finance(B);
    // Loaded only now: the store's client reads DYNAMODB_ENDPOINT, which the hub sets, when it loads.
    // Cancelled transactions here are races the store retried (no other condition can fail).
    const { dynamodb } = await import('../../shared/store/client');
    const writeStats = { conflicts: 0 };
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (context.commandName === 'TransactWriteItemsCommand' && (error as Error).name === 'TransactionCanceledException') writeStats.conflicts++;
          throw error;
        }
      },
      { step: 'deserialize', priority: 'high', name: 'conflictCounter' },
    );
    const conflictsBefore = writeStats.conflicts;

    // Amounts 3,001 + 97i pence: 40 costs totalling 195,700p against 150,000p committed, so the
    // later ones overrun and are split by risk shares instead: order-dependent, as in real life.
    const send = (i: number) =>
      hub.call('POST', `/v1/challenges/${id}/costs`, {
        token: lead,
        body: { amountPence: 3_001 + 97 * i, description: `Invoice ${i}` },
        headers: { 'idempotency-key': `concurrent-cost-${i}` },
      });
    const retryUntilDone = async (i: number) => {
      let res = await send(i);
      const retriable = (r: typeof res) => (r.status === 409 && r.body.code === 'idempotency_in_progress') || (r.status === 503 && r.body.code === 'write_contention');
      for (let attempt = 0; retriable(res) && attempt < 100; attempt++) {
        if (res.status === 503) contended++;
        await sleep(50);
        res = await send(i);
      }
      return res;
    };
    let contended = 0;
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: COSTS * 2 }, (_, k) => retryUntilDone(k % COSTS)));
    const elapsedMs = Math.round(performance.now() - started);

    const unexpected = responses.filter((r) => r.status !== 201);
    expect(unexpected.map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
    for (let i = 0; i < COSTS; i++) {
      const [a, b] = [responses[i]!, responses[i + COSTS]!];
      expect(a.body).toEqual(b.body); // the same entry, once recorded and once replayed
      expect([a.headers.get('idempotent-replayed'), b.headers.get('idempotent-replayed')].filter(Boolean)).toEqual(['true']);
      expect(a.body.amountPence).toBe(3_001 + 97 * i);
    }
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(COSTS);

    const snapshot = await expectLedgerSound(hub, id, 'after the concurrent costs');
    const costs = snapshot.entries.filter((e) => e.type === 'cost');
    expect(costs).toHaveLength(COSTS);
    expect(snapshot.events.filter((e) => e.type === 'CostRecorded')).toHaveLength(COSTS);
    expect(snapshot.totals.spentPence).toBe(Array.from({ length: COSTS }, (_, i) => 3_001 + 97 * i).reduce((a, b) => a + b, 0));
    // The pool overran: everything beyond the 150,000 committed was split by risk shares.
    const risk = snapshot.figures.reduce((acc, f) => acc + f.allocatedRiskPence, 0);
    expect(risk).toBe(195_700 - 150_000);

    const statement = await hub.call('GET', `/v1/challenges/${id}/statement`, { token: await callers.officer(C) });
    expect(statement.body.totals).toMatchObject({ spentPence: 195_700, receivedPence: 0, poolBalancePence: -195_700 });
    console.info(`40 costs x2 in ${elapsedMs} ms; ${writeStats.conflicts - conflictsBefore} write conflicts retried, ${contended} answered 503 write_contention and retried by the client`);
  }, 120_000);
});
