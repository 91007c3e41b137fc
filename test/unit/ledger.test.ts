import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { allocateLargestRemainder } from '../../shared/domain/allocation';
import type { Share } from '../../shared/domain/shares';
import {
  applyEntry,
  balancePence,
  checkInvariants,
  commitmentConflict,
  headroomPence,
  outstandingPence,
  pledgeConflict,
  poolTotals,
  receiptConflict,
  recomputeFigures,
  reverseAllocations,
  splitCost,
  zeroFigures,
  type Allocation,
  type LedgerEntry,
  type MemberFigures,
} from '../../shared/domain/ledger';

const RUNS = { numRuns: 200 };
const BHAM = 'E08000025';
const COV = 'E08000026';
const WESTMINSTER = 'E09000033';
const recordedBy = { council: BHAM, sub: 'finance-1' };
const recordedAt = '2025-01-01T00:00:00.000Z';

const shares532: Share[] = [
  { council: WESTMINSTER, costBps: 2000, riskBps: 3333 },
  { council: BHAM, costBps: 5000, riskBps: 3334 },
  { council: COV, costBps: 3000, riskBps: 3333 },
];

const sumAllocations = (allocs: Allocation[]) => allocs.reduce((acc, a) => acc + a.costPence + a.riskPence, 0);

function entry(id: string, type: LedgerEntry['type'], amountPence: number, extra: Partial<LedgerEntry> = {}): LedgerEntry {
  return { id, type, amountPence, recordedBy, recordedAt, ...extra };
}

describe('splitCost', () => {
  it('splits a cost within headroom by cost shares, the odd penny to the largest remainder', () => {
    // Quotas 500000.5, 300000.3, 200000.2: floors leave one penny, which goes to the .5.
    expect(splitCost(1_000_001, 5_000_000, shares532)).toEqual([
      { council: BHAM, costPence: 500_001, riskPence: 0 },
      { council: COV, costPence: 300_000, riskPence: 0 },
      { council: WESTMINSTER, costPence: 200_000, riskPence: 0 },
    ]);
  });

  it('splits the part beyond headroom by risk shares', () => {
    // 60000 within headroom by 50/30/20: 30000/18000/12000.
    // 40001 overrun by 3334/3333/3333: quotas 13336.3334, 13332.3333, 13332.3333; the
    // leftover penny goes to the largest remainder (Birmingham's .3334).
    expect(splitCost(100_001, 60_000, shares532)).toEqual([
      { council: BHAM, costPence: 30_000, riskPence: 13_337 },
      { council: COV, costPence: 18_000, riskPence: 13_332 },
      { council: WESTMINSTER, costPence: 12_000, riskPence: 13_332 },
    ]);
  });

  it('breaks equal remainders in favour of the lower council code', () => {
    // Overrun of 2 by 3334/3333/3333: quotas .6668, .6666, .6666; the second penny is a
    // tie between Coventry and Westminster and goes to the lower code, Coventry.
    expect(splitCost(2, 0, shares532)).toEqual([
      { council: BHAM, costPence: 0, riskPence: 1 },
      { council: COV, costPence: 0, riskPence: 1 },
      { council: WESTMINSTER, costPence: 0, riskPence: 0 },
    ]);
  });

  it('treats negative headroom (already overspent) as none', () => {
    expect(splitCost(10_000, -5_000, shares532)).toEqual([
      { council: BHAM, costPence: 0, riskPence: 3334 },
      { council: COV, costPence: 0, riskPence: 3333 },
      { council: WESTMINSTER, costPence: 0, riskPence: 3333 },
    ]);
  });

  it('refuses a negative or fractional amount', () => {
    expect(() => splitCost(-1, 0, shares532)).toThrow(RangeError);
    expect(() => splitCost(1.5, 0, shares532)).toThrow(RangeError);
  });

  it('always sums to the amount, never negative, within-headroom part by cost shares', () => {
    const shares = fc
      .uniqueArray(fc.integer({ min: 0, max: 99_999_999 }), { minLength: 1, maxLength: 50 })
      .chain((codes) =>
        fc.tuple(
          fc.array(fc.integer({ min: 0, max: 100 }), { minLength: codes.length, maxLength: codes.length }),
          fc.array(fc.integer({ min: 0, max: 100 }), { minLength: codes.length, maxLength: codes.length }),
        ).map(([cw, rw]) => validShares(codes.map((n) => 'E' + String(n).padStart(8, '0')), cw, rw)),
      );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: -1e12, max: 1e12 }),
        shares,
        (amount, headroom, list) => {
          const allocs = splitCost(amount, headroom, list);
          expect(sumAllocations(allocs)).toBe(amount);
          expect(allocs.every((a) => a.costPence >= 0 && a.riskPence >= 0)).toBe(true);
          expect(allocs.map((a) => a.council)).toEqual(list.map((s) => s.council).sort());
          const within = allocs.reduce((acc, a) => acc + a.costPence, 0);
          expect(within).toBe(Math.min(amount, Math.max(headroom, 0)));
        },
      ),
      RUNS,
    );
  });
});

describe('reverseAllocations', () => {
  it('negates every part exactly, keeping zero as 0', () => {
    expect(reverseAllocations(splitCost(1_000_001, 5_000_000, shares532))).toEqual([
      { council: BHAM, costPence: -500_001, riskPence: 0 },
      { council: COV, costPence: -300_000, riskPence: 0 },
      { council: WESTMINSTER, costPence: -200_000, riskPence: 0 },
    ]);
    expect(Object.is(reverseAllocations([{ council: BHAM, costPence: 0, riskPence: 0 }])[0]?.costPence, 0)).toBe(true);
  });
});

describe('member figures', () => {
  it('folds a worked ledger into member figures', () => {
    const cost = splitCost(100_001, 60_000, shares532);
    const entries = [
      entry('1', 'pledge', 50_000, { council: BHAM, previousPence: 0 }),
      entry('2', 'pledge', 40_000, { council: BHAM, previousPence: 50_000 }), // sets, not adds
      entry('3', 'pledge', 20_000, { council: COV, previousPence: 0 }),
      entry('4', 'commitment', 40_000, { council: BHAM }),
      entry('5', 'commitment', 20_000, { council: COV }),
      entry('6', 'receipt', 35_000, { council: BHAM }),
      entry('7', 'cost', 100_001, { allocations: cost }),
      entry('8', 'cost', 10, { allocations: splitCost(10, 0, shares532) }),
      entry('9', 'cost_reversal', -10, { reversesId: '8', allocations: reverseAllocations(splitCost(10, 0, shares532)) }),
    ];
    const figures = recomputeFigures(entries, [BHAM, COV, WESTMINSTER]);
    const bham = figures.get(BHAM)!;
    expect(bham).toEqual({
      council: BHAM,
      pledgedPence: 40_000,
      committedPence: 40_000,
      receivedPence: 35_000,
      allocatedCostPence: 30_000,
      allocatedRiskPence: 13_337,
    });
    expect(balancePence(bham)).toBe(35_000 - 30_000 - 13_337);
    expect(outstandingPence(bham)).toBe(5_000);
    expect(figures.get(WESTMINSTER)).toEqual({ ...zeroFigures(WESTMINSTER), allocatedCostPence: 12_000, allocatedRiskPence: 13_332 });
    expect(poolTotals(figures.values())).toEqual({
      pledgedPence: 60_000,
      committedPence: 60_000,
      receivedPence: 35_000,
      spentPence: 100_001,
      poolBalancePence: -65_001,
    });
    expect(headroomPence(figures.values())).toBe(-40_001);
    expect(checkInvariants({ entries, figures: [...figures.values()], totals: { receivedPence: 35_000, spentPence: 100_001 } })).toEqual([]);
  });

  it('adds members that appear in the ledger but were not listed (e.g. withdrawn)', () => {
    const figures = new Map<string, MemberFigures>();
    applyEntry(figures, entry('1', 'pledge', 10, { council: COV }));
    expect(figures.get(COV)).toEqual({ ...zeroFigures(COV), pledgedPence: 10 });
  });
});

describe('conflicts', () => {
  const f: MemberFigures = { ...zeroFigures(BHAM), pledgedPence: 1000, committedPence: 600, receivedPence: 200 };

  it('allows a commitment up to the pledge and refuses one beyond it', () => {
    expect(commitmentConflict(f, 400)).toBeNull();
    expect(commitmentConflict(f, 401)).toMatchObject({ code: 'exceeds_pledge' });
  });

  it('allows a receipt up to the commitment and refuses one beyond it', () => {
    expect(receiptConflict(f, 400)).toBeNull();
    expect(receiptConflict(f, 401)).toMatchObject({ code: 'exceeds_commitment' });
  });

  it('refuses a pledge below what is already committed', () => {
    expect(pledgeConflict(f, 600)).toBeNull();
    expect(pledgeConflict(f, 599)).toMatchObject({ code: 'below_commitment' });
  });
});

describe('checkInvariants', () => {
  const base = () => {
    const alloc = splitCost(1_000, 0, shares532);
    const entries = [
      entry('c1', 'cost', 1_000, { allocations: alloc }),
      entry('r1', 'cost_reversal', -1_000, { reversesId: 'c1', allocations: reverseAllocations(alloc) }),
    ];
    const figures = [...recomputeFigures(entries, [BHAM, COV, WESTMINSTER]).values()];
    return { entries, figures, totals: { receivedPence: 0, spentPence: 0 } };
  };

  it('passes a consistent ledger', () => {
    expect(checkInvariants(base())).toEqual([]);
  });

  it('reports an entry id used twice', () => {
    const input = base();
    input.entries.push(entry('c1', 'pledge', 0, { council: BHAM }));
    expect(checkInvariants(input)).toContainEqual('entry c1 appears more than once');
  });

  it('reports a cost reversed twice', () => {
    const input = base();
    const again = entry('r2', 'cost_reversal', -1_000, { reversesId: 'c1', allocations: input.entries[1]!.allocations! });
    input.entries.push(again);
    input.figures = [...recomputeFigures(input.entries, [BHAM, COV, WESTMINSTER]).values()];
    input.totals.spentPence = -1_000;
    expect(checkInvariants(input)).toEqual(['cost c1 is reversed twice (by r1 and r2)']);
  });

  it('reports a reversal that is not the exact negation, and allocations not summing to the amount', () => {
    const input = base();
    const r = input.entries[1]!;
    r.allocations = r.allocations!.map((a, i) => (i === 0 ? { ...a, riskPence: a.riskPence + 1 } : a));
    const violations = checkInvariants(input);
    expect(violations).toContainEqual('cost_reversal r1 allocations sum to -999, not its amount -1000');
    expect(violations).toContainEqual('reversal r1 allocations are not the exact negation of cost c1 allocations');
  });

  it('reports a reversal of something that is not an earlier cost', () => {
    const input = base();
    input.entries[1]!.reversesId = 'nope';
    expect(checkInvariants(input)).toContainEqual('reversal r1 does not reverse an earlier cost (reversesId nope)');
  });

  it('reports commitments above pledges and receipts above commitments', () => {
    const entries = [entry('1', 'commitment', 10, { council: BHAM }), entry('2', 'receipt', 20, { council: BHAM })];
    const figures = [...recomputeFigures(entries, [BHAM]).values()];
    const violations = checkInvariants({ entries, figures, totals: { receivedPence: 20, spentPence: 0 } });
    expect(violations).toEqual([
      `${BHAM} committed 10 is above its pledge 0`,
      `${BHAM} received 20 is above its commitment 10`,
    ]);
  });

  it('reports totals that disagree with the ledger', () => {
    expect(checkInvariants({ ...base(), totals: { receivedPence: 5, spentPence: 0 } })).toContainEqual(
      'totals give pool cash 5 but the ledger gives 0',
    );
  });
});

// ---- Random ledgers: build them the way handlers would, then check them. ----

function validShares(codes: string[], costWeights: number[], riskWeights: number[]): Share[] {
  // Weights that are all zero fall back to equal, so each column is a valid 10000 split.
  const column = (ws: number[]) =>
    allocateLargestRemainder(10_000, codes.map((key, i) => ({ key, weight: ws.some((w) => w > 0) ? ws[i] ?? 0 : 1 })));
  const cost = column(costWeights);
  const risk = column(riskWeights);
  return codes.map((council) => ({ council, costBps: cost.get(council) ?? 0, riskBps: risk.get(council) ?? 0 }));
}

type Op =
  | { kind: 'pledge' | 'commitment' | 'receipt'; member: number; amount: number }
  | { kind: 'cost'; amount: number }
  | { kind: 'reverse'; pick: number };

// Commitments and receipts weighted up and kept small, so that many pass their checks.
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('pledge' as const), member: fc.nat(), amount: fc.integer({ min: 0, max: 1_000_000 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('commitment' as const), member: fc.nat(), amount: fc.integer({ min: 1, max: 200_000 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('receipt' as const), member: fc.nat(), amount: fc.integer({ min: 1, max: 100_000 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('cost' as const), amount: fc.integer({ min: 1, max: 300_000 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }), weight: 1 },
);

const scenario = fc
  .uniqueArray(fc.integer({ min: 0, max: 99_999_999 }), { minLength: 1, maxLength: 6 })
  .chain((ns) => {
    const codes = ns.map((n) => 'E' + String(n).padStart(8, '0'));
    const weights = fc.array(fc.integer({ min: 0, max: 10 }), { minLength: codes.length, maxLength: codes.length });
    return fc.record({
      codes: fc.constant(codes),
      shares: fc.tuple(weights, weights).map(([cw, rw]) => validShares(codes, cw, rw)),
      ops: fc.array(op, { maxLength: 40, size: 'max' }),
    });
  });

/** Plays the ops as handlers would: conflicts refused, costs split on current headroom. */
function play(codes: string[], shares: Share[], ops: Op[]) {
  const figures = new Map(codes.map((c) => [c, zeroFigures(c)]));
  const entries: LedgerEntry[] = [];
  const totals = { receivedPence: 0, spentPence: 0 };
  const unreversed: LedgerEntry[] = [];
  const record = (e: LedgerEntry) => {
    applyEntry(figures, e);
    entries.push(e);
  };
  for (const o of ops) {
    const id = `e${entries.length + 1}`;
    if (o.kind === 'cost') {
      const e = entry(id, 'cost', o.amount, { allocations: splitCost(o.amount, headroomPence(figures.values()), shares) });
      record(e);
      unreversed.push(e);
      totals.spentPence += o.amount;
    } else if (o.kind === 'reverse') {
      if (unreversed.length === 0) continue;
      const [original] = unreversed.splice(o.pick % unreversed.length, 1);
      record(entry(id, 'cost_reversal', 0 - original!.amountPence, { reversesId: original!.id, allocations: reverseAllocations(original!.allocations!) }));
      totals.spentPence -= original!.amountPence;
    } else {
      const council = codes[o.member % codes.length]!;
      const f = figures.get(council)!;
      if (o.kind === 'pledge' && pledgeConflict(f, o.amount) === null) {
        record(entry(id, 'pledge', o.amount, { council, previousPence: f.pledgedPence }));
      } else if (o.kind === 'commitment' && commitmentConflict(f, o.amount) === null) {
        record(entry(id, 'commitment', o.amount, { council }));
      } else if (o.kind === 'receipt' && receiptConflict(f, o.amount) === null) {
        record(entry(id, 'receipt', o.amount, { council }));
        totals.receivedPence += o.amount;
      }
    }
  }
  return { entries, figures, totals };
}

describe('random ledgers', () => {
  it('running figures equal the recomputation and every invariant holds', () => {
    fc.assert(
      fc.property(scenario, ({ codes, shares, ops }) => {
        const { entries, figures, totals } = play(codes, shares, ops);
        expect(recomputeFigures(entries, codes)).toEqual(figures);
        expect(checkInvariants({ entries, figures: [...figures.values()], totals })).toEqual([]);
      }),
      RUNS,
    );
  });

  it('reports a tampered member figure', () => {
    const fields = ['pledgedPence', 'committedPence', 'receivedPence', 'allocatedCostPence', 'allocatedRiskPence'] as const;
    fc.assert(
      fc.property(scenario, fc.nat(), fc.constantFrom(...fields), fc.integer({ min: 1, max: 1000 }), ({ codes, shares, ops }, who, field, delta) => {
        const { entries, figures, totals } = play(codes, shares, ops);
        const list = [...figures.values()].map((f) => ({ ...f }));
        list[who % list.length]![field] += delta;
        expect(checkInvariants({ entries, figures: list, totals }).length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('reports a changed allocation, even one that keeps the entry summing to its amount', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 2_000_000 }), fc.nat(), fc.nat(), fc.nat(), fc.boolean(), (s, extraCost, pickEntry, from, to, keepSum) => {
        const { entries, figures, totals } = play(s.codes, s.shares, [...s.ops, { kind: 'cost', amount: extraCost }]);
        const costs = entries.filter((e) => e.type === 'cost' || e.type === 'cost_reversal');
        const target = costs[pickEntry % costs.length]!;
        const allocs = target.allocations!;
        const i = from % allocs.length;
        const j = to % allocs.length;
        // Move a penny from one council's cost part to a council's risk part (or just add one).
        const tampered = allocs.map((a) => ({ ...a }));
        tampered[i]!.costPence -= 1;
        if (keepSum) tampered[j]!.riskPence += 1;
        const changed = entries.map((e) => (e === target ? { ...e, allocations: tampered } : e));
        expect(checkInvariants({ entries: changed, figures: [...figures.values()], totals }).length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });
});
