/**
 * POST /v1/challenges/{id}/costs:batch: many costs in one request, all or none, each
 * split exactly as the same cost sent on its own would be (compared with a twin
 * challenge that records them one by one), one CostRecorded each, idempotent as a whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costsPerTransaction, recordCosts } from '../../shared/domain/money';
import type { ChallengeState, Context } from '../../shared/domain/records';
import { isRefusal } from '../../shared/domain/transition';
import { COUNCILS, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { expectLedgerSound } from '../support/invariants';
import { agreeShares, Callers, formConsortium } from '../support/money';

const { birmingham, coventry, westminster, plymouth, dudley } = COUNCILS;
const councils = [birmingham, coventry, westminster, plymouth, dudley];
const [B, ...partners] = councils.map((c) => c.code) as [string, ...string[]];
let hub: TestHub;
let callers: Callers;

/** A five-council consortium with custom shares and 1,000.00 committed each: costs overrun after 5,000.00. */
async function consortium(title: string): Promise<string> {
  const id = await formConsortium(hub, callers, B, partners, title);
  await agreeShares(hub, callers, id, B, [B, ...partners], {
    basis: 'custom',
    shares: [
      { council: B, costBps: 3334, riskBps: 2000 },
      { council: partners[0], costBps: 3333, riskBps: 2000 },
      { council: partners[1], costBps: 1111, riskBps: 2000 },
      { council: partners[2], costBps: 1111, riskBps: 2000 },
      { council: partners[3], costBps: 1111, riskBps: 2000 },
    ],
  });
  for (const council of [B, ...partners]) {
    const token = await callers.finance(council);
    expect((await hub.call('PUT', `/v1/challenges/${id}/pledges/${council}`, { token, body: { amountPence: 100_000 } })).status).toBe(200);
    expect((await hub.call('POST', `/v1/challenges/${id}/commitments`, { token, body: { amountPence: 100_000 } })).status).toBe(201);
  }
  return id;
}

/** Odd amounts, so remainders and the move from cost shares to risk shares both happen. */
const COSTS = Array.from({ length: 30 }, (_, i) => ({ amountPence: 10_001 + 7_919 * i, description: `Invoice ${i + 1}`, supplier: 'Acme Ltd' }));

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, councils);
});
afterAll(() => hub?.stop());

describe('costs:batch', () => {
  it('splits each cost exactly as one by one would, in one request, with one CostRecorded each', async () => {
    const [batched, single] = [await consortium('Batched'), await consortium('One by one')];
    const lead = await callers.finance(B);
    const res = await hub.call('POST', `/v1/challenges/${batched}/costs:batch`, { token: lead, body: { costs: COSTS } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const singles = [];
    for (const cost of COSTS) singles.push((await hub.call('POST', `/v1/challenges/${single}/costs`, { token: lead, body: cost })).body);
    const split = (entries: Array<{ amountPence: number; allocations: unknown }>) => entries.map((e) => [e.amountPence, e.allocations]);
    expect(split(res.body.items)).toEqual(split(singles));
    for (const e of res.body.items) expect(e.allocations.reduce((n: number, a: { costPence: number; riskPence: number }) => n + a.costPence + a.riskPence, 0)).toBe(e.amountPence);

    const [a, b] = [await expectLedgerSound(hub, batched), await expectLedgerSound(hub, single)];
    expect(a.figures).toEqual(b.figures);
    expect(a.events.filter((e) => e.type === 'CostRecorded')).toHaveLength(COSTS.length);
    const statements = await Promise.all([batched, single].map((id) => hub.call('GET', `/v1/challenges/${id}/statement`, { token: lead })));
    expect(statements[0]!.body.members).toEqual(statements[1]!.body.members);
  });

  it('is all or none: one bad cost refuses the batch, naming it, and records nothing', async () => {
    const id = await consortium('All or none');
    const lead = await callers.finance(B);
    const bad = [...COSTS.slice(0, 3), { amountPence: -5, description: 'Refund?' }, ...COSTS.slice(3, 5)];
    const res = await hub.call('POST', `/v1/challenges/${id}/costs:batch`, { token: lead, body: { costs: bad } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'body.costs.3.amountPence' })]);
    const partner = await hub.call('POST', `/v1/challenges/${id}/costs:batch`, { token: await callers.finance(partners[0]!), body: { costs: COSTS.slice(0, 2) } });
    expect(partner.status).toBe(403);
    const snapshot = await expectLedgerSound(hub, id);
    expect(snapshot.entries.filter((e) => e.type === 'cost')).toHaveLength(0);
  });

  it('is idempotent as a whole with an Idempotency-Key', async () => {
    const id = await consortium('Idempotent batch');
    const lead = await callers.finance(B);
    const send = () => hub.call('POST', `/v1/challenges/${id}/costs:batch`, { token: lead, body: { costs: COSTS.slice(0, 10) }, headers: { 'idempotency-key': 'march-invoices' } });
    const [first, again] = [await send(), await send()];
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await expectLedgerSound(hub, id)).entries.filter((e) => e.type === 'cost')).toHaveLength(10);
  });
});

describe('costs per transaction', () => {
  it('leaves room in 100 items for the challenge, the marker and every member', () => {
    expect(costsPerTransaction(1)).toBe(48);
    expect(costsPerTransaction(5)).toBe(46);
    expect(costsPerTransaction(50)).toBe(24);
    for (let members = 1; members <= 50; members++) expect(2 * costsPerTransaction(members) + members + 2).toBeLessThanOrEqual(100);
  });

  it('refuses a batch larger than one transaction holds for the consortium, with the limit', () => {
    const members = Array.from({ length: 50 }, (_, i) => ({
      council: `E07000${String(100 + i)}`, role: i === 0 ? ('lead' as const) : ('partner' as const), status: 'active' as const, via: 'invitation' as const, updatedAt: '2026-12-01T00:00:00.000Z',
    }));
    const state = { challenge: { id: '01J0000000000000000000000A', seq: 1, version: 1, stage: 'forming' }, members, agreements: [] } as unknown as ChallengeState;
    const ctx: Context = { actor: { council: members[0]!.council, sub: 'f' }, now: '2026-12-01T00:00:00.000Z', newId: () => '01J0000000000000000000000B' };
    const refused = recordCosts(state, COSTS.slice(0, 25), ctx);
    expect(isRefusal(refused) && refused.code).toBe('batch_too_large');
    expect(isRefusal(refused) && refused.detail).toContain('at most 24 costs');
  });
});
