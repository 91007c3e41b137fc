/**
 * Random money sequences against the hub over HTTP and DynamoDB Local, checked
 * against a model after every step. fast-check generates, per run, a consortium
 * of 3 to 8 funding members and a sequence of operations: pledges (some the same
 * amount, some below the commitment), commitments and receipts near and beyond
 * their limits, share agreements on every basis (approved, rejected or left
 * pending), costs within and beyond the headroom, reversals (some repeated),
 * members withdrawing and (re)joining, statements. The model predicts each
 * answer (status, code, allocations to the penny, from test/support/reference-money);
 * after each step the ledger invariants are checked in DynamoDB and every
 * member's running figures are compared with the model's.
 *
 *   MONEY_SEQ_RUNS   sequences (default 4)      MONEY_SEQ_STEPS  steps each (default 25)
 *   MONEY_SEQ_SEED   replay a seed              MONEY_SEQ_PATH   with its path (printed on failure)
 *   MONEY_SEQ_SHRINK=1  shrink a failure (slow: each try replays against DynamoDB)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub';
import { registerCouncils, syntheticCouncils } from '../support/councils';
import { expectLedgerSound } from '../support/invariants';
import { Callers, expectStatus, formConsortium, join } from '../support/money';
import { computedShares, type RefAllocation, type RefShare, splitCostRef, apportion } from '../support/reference-money';

const RUNS = Number(process.env.MONEY_SEQ_RUNS ?? 4);
const STEPS = Number(process.env.MONEY_SEQ_STEPS ?? 25);
const SEED = process.env.MONEY_SEQ_SEED ? Number(process.env.MONEY_SEQ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
const COUNCILS = syntheticCouncils(10, 100).map((c, i) => ({ ...c, population: 20_000 + i * 7_919 }));
const POPULATION = new Map(COUNCILS.map((c) => [c.code, c.population]));

// --- Operations, as plain data (so a counterexample prints readably) --------

type Op =
  | { op: 'pledge'; m: number; amount: number | 'same' | 'belowCommitment' }
  | { op: 'commit'; m: number; permille: number }
  | { op: 'receive'; m: number; permille: number }
  | { op: 'agree'; basis: 'equal' | 'population' | 'pledge' | 'custom'; cost: number[]; risk: number[]; outcome: 'approve' | 'reject' | 'pending' }
  | { op: 'cost'; amount: number }
  | { op: 'reverse'; k: number }
  | { op: 'withdraw'; m: number }
  | { op: 'join'; k: number }
  | { op: 'statement' };

const member = fc.nat({ max: 7 });
/** Mostly within the room left (up to 1000‰ of it), sometimes beyond. */
const permille = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 1_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1_001, max: 1_300 }) });
/** Mostly a new amount; sometimes 0, the same again (records nothing), or just below the commitment (refused). */
const pledgeAmount = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 300_000 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant('same' as const) },
  { weight: 2, arbitrary: fc.constant('belowCommitment' as const) },
);
const weights = fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 8, maxLength: 8 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('pledge' as const), m: member, amount: pledgeAmount }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('commit' as const), m: member, permille }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('receive' as const), m: member, permille }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('agree' as const),
      basis: fc.constantFrom('equal' as const, 'population' as const, 'pledge' as const, 'custom' as const),
      cost: weights,
      risk: weights,
      outcome: fc.constantFrom('approve' as const, 'approve' as const, 'approve' as const, 'approve' as const, 'reject' as const, 'pending' as const),
    }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('cost' as const), amount: fc.integer({ min: 1, max: 80_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reverse' as const), k: fc.nat({ max: 50 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('withdraw' as const), m: member }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('join' as const), k: fc.nat({ max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('statement' as const) }) },
);

// --- The model -------------------------------------------------------------

interface MemberModel {
  code: string;
  role: 'lead' | 'partner';
  status: 'active' | 'withdrawn';
  pledged: number;
  committed: number;
  received: number;
  cost: number;
  risk: number;
  pledgeEntryId?: string;
}

class Model {
  members = new Map<string, MemberModel>();
  active?: { version: number; shares: RefShare[] };
  versions = 0;
  costs: Array<{ id: string; allocations: RefAllocation[]; reversed: boolean }> = [];
  entries = 0;
  constructor(readonly id: string, readonly lead: string, funding: string[], readonly reserve: string[]) {
    for (const code of funding) {
      this.members.set(code, { code, role: code === lead ? 'lead' : 'partner', status: 'active', pledged: 0, committed: 0, received: 0, cost: 0, risk: 0 });
    }
  }
  funding() {
    return [...this.members.values()].filter((m) => m.status === 'active').sort((a, b) => (a.code < b.code ? -1 : 1));
  }
  /** The m-th funding member; with `room`, preferring those that have some (else any). */
  pick(m: number, room?: (member: MemberModel) => number) {
    const funding = this.funding();
    const roomy = room ? funding.filter((x) => room(x) > 0) : [];
    const from = roomy.length ? roomy : funding;
    return from[m % from.length]!;
  }
  committedTotal() {
    return [...this.members.values()].reduce((acc, m) => acc + m.committed, 0);
  }
  spent() {
    return [...this.members.values()].reduce((acc, m) => acc + m.cost + m.risk, 0);
  }
  covers() {
    if (!this.active) return false;
    const named = this.active.shares.map((s) => s.council).sort().join();
    return named === this.funding().map((m) => m.code).join();
  }
}

// --- Running it ------------------------------------------------------------

let hub: TestHub;
let callers: Callers;

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, COUNCILS);
});
afterAll(() => hub?.stop());

async function apply(model: Model, op: Op, log: string[]): Promise<void> {
  const id = model.id;
  const path = (rest: string) => `/v1/challenges/${id}${rest}`;
  const leadFinance = await callers.finance(model.lead);
  const expectProblem = (res: { status: number; body: any }, status: number, code?: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (code) expect(res.body.code).toBe(code);
  };
  const applyAllocations = (allocations: RefAllocation[]) => {
    for (const a of allocations) {
      const m = model.members.get(a.council)!;
      m.cost += a.costPence;
      m.risk += a.riskPence;
    }
  };

  switch (op.op) {
    case 'pledge': {
      const m = model.pick(op.m);
      const amount = op.amount === 'same' ? m.pledged : op.amount === 'belowCommitment' ? Math.max(0, m.committed - 1) : op.amount;
      const res = await hub.call('PUT', path(`/pledges/${m.code}`), { token: await callers.finance(m.code), body: { amountPence: amount } });
      log.push(`pledge ${m.code} ${amount} -> ${res.status}`);
      if (amount < m.committed) return expectProblem(res, 409, 'below_commitment');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      if (amount === m.pledged && m.pledgeEntryId) {
        expect(res.body.id).toBe(m.pledgeEntryId); // unchanged: the existing entry, nothing new
        return;
      }
      expect(res.body).toMatchObject({ type: 'pledge', council: m.code, amountPence: amount, previousPence: m.pledged });
      m.pledged = amount;
      m.pledgeEntryId = res.body.id;
      model.entries++;
      return;
    }
    case 'commit': {
      const m = model.pick(op.m, (x) => x.pledged - x.committed);
      const amount = Math.max(1, Math.floor(((m.pledged - m.committed) * op.permille) / 1000));
      const res = await hub.call('POST', path('/commitments'), { token: await callers.finance(m.code), body: { amountPence: amount } });
      log.push(`commit ${m.code} ${amount} -> ${res.status}`);
      if (m.committed + amount > m.pledged) return expectProblem(res, 409, 'exceeds_pledge');
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      m.committed += amount;
      model.entries++;
      return;
    }
    case 'receive': {
      const m = model.pick(op.m, (x) => x.committed - x.received);
      const amount = Math.max(1, Math.floor(((m.committed - m.received) * op.permille) / 1000));
      const res = await hub.call('POST', path('/receipts'), { token: leadFinance, body: { council: m.code, amountPence: amount } });
      log.push(`receive ${m.code} ${amount} -> ${res.status}`);
      if (m.received + amount > m.committed) return expectProblem(res, 409, 'exceeds_commitment');
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      m.received += amount;
      model.entries++;
      return;
    }
    case 'agree': {
      const funding = model.funding();
      let expected: RefShare[];
      let body: { basis: string; shares?: RefShare[] } = { basis: op.basis };
      if (op.basis === 'equal') expected = computedShares(funding.map((m) => [m.code, 1] as const));
      else if (op.basis === 'population') expected = computedShares(funding.map((m) => [m.code, POPULATION.get(m.code)!] as const));
      else if (op.basis === 'pledge') expected = computedShares(funding.map((m) => [m.code, m.pledged] as const));
      else {
        // Custom: cost and risk apportioned from two independent weight lists (+1 so none is all zero).
        const cost = apportion(10_000, funding.map((m, i) => [m.code, op.cost[i]! + 1] as const));
        const risk = apportion(10_000, funding.map((m, i) => [m.code, op.risk[i]! + 1] as const));
        expected = funding.map((m) => ({ council: m.code, costBps: cost.get(m.code)!, riskBps: risk.get(m.code)! }));
        body = { basis: 'custom', shares: [...expected].reverse() };
      }
      const proposed = await hub.call('POST', path('/share-agreements'), { token: await callers.officer(model.lead), body });
      log.push(`agree ${op.basis} ${op.outcome} -> ${proposed.status}`);
      if (op.basis === 'pledge' && funding.every((m) => m.pledged === 0)) return expectProblem(proposed, 422);
      expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
      model.versions++;
      expect(proposed.body.version).toBe(model.versions);
      expect(proposed.body.shares).toEqual(expected);
      const others = funding.filter((m) => m.code !== model.lead);
      if (others.length === 0) {
        expect(proposed.body.status).toBe('active');
        model.active = { version: model.versions, shares: expected };
        return;
      }
      if (op.outcome === 'pending') return;
      if (op.outcome === 'reject') {
        const rejecter = others[op.cost[0]! % others.length]!;
        const rejected = await hub.call('POST', path(`/share-agreements/${model.versions}/reject`), { token: await callers.officer(rejecter.code), body: { reason: 'Not this split' } });
        expect(rejected.status).toBe(200);
        expect(rejected.body.status).toBe('rejected');
        return;
      }
      let last = proposed;
      for (const other of others) {
        last = await expectStatus(await hub.call('POST', path(`/share-agreements/${model.versions}/approve`), { token: await callers.officer(other.code) }), 200, 'approve');
      }
      expect(last.body.status).toBe('active');
      model.active = { version: model.versions, shares: expected };
      return;
    }
    case 'cost': {
      const res = await hub.call('POST', path('/costs'), { token: leadFinance, body: { amountPence: op.amount, description: `Cost of ${op.amount}p` } });
      const headroom = model.committedTotal() - model.spent();
      const kind = headroom >= op.amount ? 'within' : headroom <= 0 ? 'overrun' : 'part-overrun';
      log.push(`cost ${op.amount} -> ${res.status}${res.status === 201 ? ` ${kind}` : ''}`);
      if (!model.covers()) return expectProblem(res, 409, 'agreement_required');
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const expected = splitCostRef(op.amount, model.committedTotal() - model.spent(), model.active!.shares);
      expect(res.body.allocations).toEqual(expected);
      expect(res.body.agreementVersion).toBe(model.active!.version);
      applyAllocations(expected);
      model.costs.push({ id: res.body.id, allocations: expected, reversed: false });
      model.entries++;
      return;
    }
    case 'reverse': {
      if (model.costs.length === 0) return;
      const cost = model.costs[op.k % model.costs.length]!;
      const res = await hub.call('POST', path(`/costs/${cost.id}/reverse`), { token: leadFinance, body: { reason: 'Correction' } });
      log.push(`reverse ${cost.id} -> ${res.status}`);
      if (cost.reversed) return expectProblem(res, 409, 'already_reversed');
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const negated = cost.allocations.map((a) => ({ council: a.council, costPence: 0 - a.costPence, riskPence: 0 - a.riskPence }));
      expect(res.body.allocations).toEqual(negated);
      applyAllocations(negated);
      cost.reversed = true;
      model.entries++;
      return;
    }
    case 'withdraw': {
      const partners = model.funding().filter((m) => m.role === 'partner');
      if (model.funding().length <= 3 || partners.length === 0) return;
      const m = partners[op.m % partners.length]!;
      await expectStatus(await hub.call('POST', path(`/members/${m.code}/withdraw`), { token: await callers.officer(m.code) }), 200, 'withdraw');
      log.push(`withdraw ${m.code}`);
      m.status = 'withdrawn';
      return;
    }
    case 'join': {
      const candidates = [...model.reserve.filter((c) => !model.members.has(c)), ...[...model.members.values()].filter((m) => m.status === 'withdrawn').map((m) => m.code)].sort();
      if (model.funding().length >= 8 || candidates.length === 0) return;
      const code = candidates[op.k % candidates.length]!;
      await join(hub, callers, id, model.lead, code);
      log.push(`join ${code}`);
      const known = model.members.get(code);
      if (known) known.status = 'active'; // a returning council keeps its figures
      else model.members.set(code, { code, role: 'partner', status: 'active', pledged: 0, committed: 0, received: 0, cost: 0, risk: 0 });
      return;
    }
    case 'statement': {
      const res = await hub.call('GET', path('/statement'), { token: await callers.officer(model.lead) });
      log.push('statement');
      expect(res.status).toBe(200);
      const shown = [...model.members.values()]
        .filter((m) => m.status === 'active' || m.pledged || m.committed || m.received || m.cost || m.risk)
        .sort((a, b) => (a.code < b.code ? -1 : 1));
      expect(res.body.members.map((r: { council: string; status: string }) => `${r.council}:${r.status}`)).toEqual(shown.map((m) => `${m.code}:${m.status}`));
      for (const [i, m] of shown.entries()) {
        expect(res.body.members[i]).toMatchObject({
          pledgedPence: m.pledged, committedPence: m.committed, receivedPence: m.received,
          allocatedCostPence: m.cost, allocatedRiskPence: m.risk,
          balancePence: m.received - m.cost - m.risk, outstandingPence: m.committed - m.received,
        });
      }
      const received = shown.reduce((acc, m) => acc + m.received, 0);
      expect(res.body.totals).toEqual({
        pledgedPence: shown.reduce((acc, m) => acc + m.pledged, 0),
        committedPence: model.committedTotal(),
        receivedPence: received,
        spentPence: model.spent(),
        poolBalancePence: received - model.spent(),
      });
      return;
    }
  }
}

async function checkAgainstModel(model: Model, context: string) {
  const snapshot = await expectLedgerSound(hub, model.id, context);
  expect(snapshot.entries.length, context).toBe(model.entries);
  for (const m of model.members.values()) {
    const f = snapshot.figures.find((x) => x.council === m.code);
    expect(f, `${context}: ${m.code}`).toEqual({
      council: m.code, pledgedPence: m.pledged, committedPence: m.committed, receivedPence: m.received, allocatedCostPence: m.cost, allocatedRiskPence: m.risk,
    });
  }
}

describe('random money sequences, checked against a model after every step', () => {
  it(`holds every invariant over ${RUNS} sequences of ${STEPS} steps (seed ${SEED})`, async () => {
    console.info(`money-sequence: seed ${SEED}, ${RUNS} runs x ${STEPS} steps (replay: MONEY_SEQ_SEED=${SEED})`);
    let run = 0;
    const sizes: number[] = [];
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 8 }), fc.array(opArb, { minLength: STEPS, maxLength: STEPS }), async (n, ops) => {
        run++;
        sizes.push(n);
        const councils = COUNCILS.map((c) => c.code);
        const [lead, ...others] = councils;
        const funding = [lead!, ...others.slice(0, n - 1)];
        const id = await formConsortium(hub, callers, lead!, funding.slice(1), `Sequence ${run}`);
        const model = new Model(id, lead!, funding, others.slice(n - 1));
        const log: string[] = [];
        for (const [step, op] of ops.entries()) {
          try {
            await apply(model, op, log);
            await checkAgainstModel(model, `after step ${step + 1} (${JSON.stringify(op)})`);
          } catch (error) {
            throw new Error(`run ${run}, step ${step + 1} of ${ops.length}, ${n} members: ${(error as Error).message}\nlast steps:\n  ${log.slice(-8).join('\n  ')}`);
          }
        }
        await checkAgainstModel(model, 'at the end');
        for (const line of log) {
          const outcome = line.replace(/^(\w+).*?(-> (\d+.*))?$/, (_, verb: string, _arrow: string, status?: string) => `${verb}${status ? ` ${status}` : ''}`);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
      }),
      {
        numRuns: RUNS,
        seed: SEED,
        ...(process.env.MONEY_SEQ_PATH ? { path: process.env.MONEY_SEQ_PATH } : {}),
        endOnFailure: process.env.MONEY_SEQ_SHRINK !== '1',
        verbose: 1,
      },
    );
    console.info(`money-sequence: ${run} runs passed, consortium sizes ${sizes.join(', ')}; outcomes ${[...outcomes].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  }, 600_000);
});
