/**
 * The figures a ledger entry stores (`figuresAfter`) against a replay of the ledger.
 * Random money histories run through the real transitions (pledges, commitments,
 * receipts, costs one by one and in batches, reversals, withdrawals, new agreements),
 * each change settled as the store would. Then every entry's stored figures must be
 * exactly what a replay of the ledger up to it gives, for every council it touches;
 * the checker (checkInvariants) must agree and catch any tampering; and every
 * council's account read from the stored figures, page by page from a cursor, must
 * be exactly the replayed one.
 */
import fc from 'fast-check';
import { monotonicFactory } from 'ulid';
import { describe, expect, it } from 'vitest';
import { accountPage, type AccountRow, type RecordedEntry, storedAccountPage } from '../../shared/domain/account';
import { approveAgreement, fundingMember, proposeAgreement } from '../../shared/domain/agreements';
import { createChallenge } from '../../shared/domain/challenge';
import {
  checkInvariants,
  councilsOf,
  FIGURE_FIELDS,
  figuresFromRow,
  figuresOf,
  poolTotals,
  recomputeFigures,
  type StoredEntry,
  storedFiguresViolations,
} from '../../shared/domain/ledger';
import { accept, invite, withdraw } from '../../shared/domain/membership';
import { recordCommitment, recordCost, recordCosts, recordReceipt, reverseCost, setPledge } from '../../shared/domain/money';
import type { ChallengeState, Context } from '../../shared/domain/records';
import { type Decision, isRefusal, isUnchanged, type Refusal, settle } from '../../shared/domain/transition';

const COUNCILS = ['E08000025', 'E08000026', 'E09000033', 'E06000026'] as const;
const LEAD = COUNCILS[0];

type Op =
  | { op: 'pledge' | 'commit' | 'receive'; m: number; pence: number }
  | { op: 'cost'; pence: number }
  | { op: 'batch'; pence: number[] }
  | { op: 'reverse'; k: number }
  | { op: 'withdraw'; m: number }
  | { op: 'agree' };

const m = fc.nat({ max: COUNCILS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('pledge' as const), m, pence: fc.nat(2_000_000) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('commit' as const), m, pence: fc.integer({ min: 1, max: 1_000_000 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('receive' as const), m, pence: fc.integer({ min: 1, max: 1_000_000 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('cost' as const), pence: fc.integer({ min: 1, max: 1_500_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('batch' as const), pence: fc.array(fc.integer({ min: 1, max: 500_000 }), { minLength: 1, maxLength: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reverse' as const), k: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('withdraw' as const), m: fc.integer({ min: 1, max: COUNCILS.length - 1 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'agree' as const }) },
);

interface History {
  state: ChallengeState;
  /** Every entry recorded, oldest first, as the store holds them. */
  entries: StoredEntry[];
  reversedBy: Map<string, string>;
}

/** A four-council consortium with an equal agreement, then `ops` through the real transitions; refusals change nothing. */
function play(ops: readonly Op[]): History {
  const newId = monotonicFactory();
  let clock = Date.parse('2026-02-02T09:00:00.000Z');
  const ctx = (council: string): Context => ({ actor: { council, sub: `finance-${council}` }, now: new Date((clock += 1000)).toISOString(), newId: (at) => newId(at ?? clock) });
  const entries: StoredEntry[] = [];
  const reversedBy = new Map<string, string>();
  let state: ChallengeState | undefined;
  const apply = (decision: Decision, c: Context) => {
    if (isRefusal(decision) || isUnchanged(decision)) return;
    state = settle(state, decision, c).after;
    entries.push(...(decision.entries ?? []));
    if (decision.reverses) reversedBy.set(decision.reverses.costId, decision.reverses.reversalId);
  };
  const first = ctx(LEAD);
  apply(createChallenge({ title: 'Pooled budget', statement: 'S', howMightWe: 'H', outcomes: [], themes: [], visibility: 'consortium', procurementRoute: 'open' }, first), first);
  for (const council of COUNCILS.slice(1)) {
    apply(invite(state!, { council, role: 'partner' }, ctx(LEAD)), ctx(LEAD));
    const c = ctx(council);
    apply(accept(state!, council, c), c);
  }
  const agree = () => {
    apply(proposeAgreement(state!, { basis: 'equal' }, new Map(), ctx(LEAD)), ctx(LEAD));
    const pending = state!.agreements.find((a) => a.status === 'pending');
    for (const council of COUNCILS.slice(1)) {
      const c = ctx(council);
      if (pending && fundingMember(state!, council)) apply(approveAgreement(state!, pending.version, council, c), c);
    }
  };
  agree();
  for (const o of ops) {
    const s = state!;
    const code = 'm' in o ? COUNCILS[o.m]! : LEAD;
    const member = fundingMember(s, code);
    const c = ctx(o.op === 'receive' || o.op === 'cost' || o.op === 'batch' || o.op === 'reverse' ? LEAD : code);
    switch (o.op) {
      case 'pledge':
        if (member) apply(setPledge(s, member, (member.committedPence ?? 0) + o.pence, c), c);
        break;
      case 'commit':
      case 'receive': {
        if (!member) break;
        // Pledge (and, for a receipt, commit) what is needed first, so both happen often.
        const room = (member.pledgedPence ?? 0) - (member.committedPence ?? 0);
        const owed = (member.committedPence ?? 0) - (member.receivedPence ?? 0);
        if (o.op === 'commit' || owed === 0) {
          if (room < o.pence) apply(setPledge(s, member, (member.committedPence ?? 0) + o.pence, c), c);
          apply(recordCommitment(state!, fundingMember(state!, code)!, { amountPence: o.pence }, c), c);
        }
        if (o.op === 'receive') {
          const now = fundingMember(state!, code)!;
          const left = (now.committedPence ?? 0) - (now.receivedPence ?? 0);
          apply(recordReceipt(state!, { council: code, amountPence: Math.min(o.pence, left) }, ctx(LEAD)), ctx(LEAD));
        }
        break;
      }
      case 'cost':
        apply(recordCost(s, { amountPence: o.pence, description: 'Work' }, c), c);
        break;
      case 'batch':
        apply(recordCosts(s, o.pence.map((amountPence) => ({ amountPence, description: 'Batched work' })), c), c);
        break;
      case 'reverse': {
        const costs = entries.filter((e) => e.type === 'cost');
        const cost = costs[o.k % Math.max(1, costs.length)];
        if (cost) apply(reverseCost(s, { entry: cost, ...(reversedBy.has(cost.id) ? { reversedBy: reversedBy.get(cost.id)! } : {}) }, cost.id, 'Wrong invoice', c), c);
        break;
      }
      case 'withdraw':
        apply(withdraw(s, code, c), c);
        break;
      case 'agree':
        agree();
        break;
    }
  }
  return { state: state!, entries, reversedBy };
}

const recordedOf = (h: History): RecordedEntry[] => h.entries.map((entry) => ({ entry, ...(h.reversedBy.has(entry.id) ? { reversedBy: h.reversedBy.get(entry.id)! } : {}) }));

function ok<T>(value: T | Refusal): T {
  if (isRefusal(value)) throw new Error(`refused: ${value.detail}`);
  return value;
}

/** Every row of `council`'s account, page by page from the stored figures, each page read from right after the cursor as the store reads it. */
async function storedPages(ledger: readonly RecordedEntry[], council: string, limit: number, max?: number): Promise<AccountRow[]> {
  const rows: AccountRow[] = [];
  let after: string | undefined;
  for (let pages = 0; pages <= ledger.length + 1; pages++) {
    const page = await storedAccountPage(after === undefined ? ledger : ledger.filter((r) => r.entry.id > after!), council, { limit, ...(max ? { max } : {}) });
    if (!page) throw new Error(`a page of ${council}'s account found an entry without stored figures`);
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    rows.push(...page.rows);
    if (!page.more) return rows;
    after = page.after ?? page.rows.at(-1)!.entry.id;
  }
  throw new Error('the account never ended');
}

describe('figuresAfter: what each entry stores is what a replay of the ledger gives', () => {
  it('for every entry of random histories and every council it touches; and the accounts read from them are the replayed ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 6 }), async (ops, limit) => {
        const h = play(ops);
        // Each entry's own figures against the replay of the ledger up to it, read directly.
        h.entries.forEach((entry, k) => {
          expect(Object.keys(entry.figuresAfter ?? {}).sort(), `${entry.type} ${entry.id}: the councils it stores`).toEqual([...councilsOf(entry)].sort());
          const replayed = recomputeFigures(h.entries.slice(0, k + 1), []);
          for (const [council, row] of Object.entries(entry.figuresAfter!)) {
            expect(figuresFromRow(council, row), `${entry.type} ${entry.id}, ${council}`).toEqual(replayed.get(council));
          }
        });
        // The checker replays them too, and the members' running figures agree with both.
        const figures = h.state.members.map(figuresOf);
        expect(storedFiguresViolations(h.entries)).toEqual([]);
        expect(checkInvariants({ entries: h.entries, figures, totals: poolTotals(figures) })).toEqual([]);
        // Every council's account from the stored figures, paged, is the replay.
        const ledger = recordedOf(h);
        for (const council of COUNCILS) {
          const replayed = ok(await accountPage(ledger, council)).rows;
          expect(await storedPages(ledger, council, limit)).toEqual(replayed);
          // With a small read bound per page: shorter pages, the same rows.
          expect(await storedPages(ledger, council, limit, 3)).toEqual(replayed);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('the checker names an entry whose stored figures a replay does not give', () => {
    const h = play([
      { op: 'pledge', m: 1, pence: 5_000 },
      { op: 'commit', m: 1, pence: 5_000 },
      { op: 'cost', pence: 1_234 },
    ]);
    expect(storedFiguresViolations(h.entries)).toEqual([]);
    const cost = h.entries.at(-1)!;
    expect(cost.type).toBe('cost');
    const council = COUNCILS[1];
    const row = cost.figuresAfter![council]!;
    const tampered = (figuresAfter: StoredEntry['figuresAfter']) => storedFiguresViolations([...h.entries.slice(0, -1), { ...cost, figuresAfter }]);

    const off = [...row];
    off[FIGURE_FIELDS.indexOf('allocatedCostPence')]! += 1;
    expect(tampered({ ...cost.figuresAfter, [council]: off })).toEqual([
      `cost ${cost.id} stores ${council} allocatedCostPence ${row[3]! + 1} after it but the ledger gives ${row[3]}`,
    ]);
    const { [council]: _dropped, ...fewer } = cost.figuresAfter!;
    expect(tampered(fewer)[0]).toMatch(/stores figures for .* but touches/);
    expect(tampered({ ...cost.figuresAfter, E07000001: row })[0]).toMatch(/stores figures for .* but touches/);
    expect(tampered({ ...cost.figuresAfter, [council]: row.slice(1) })[0]).toMatch(/not a row of 5 whole numbers/);
    // An entry recorded before entries carried them is not a violation: it has nothing to check.
    expect(tampered(undefined)).toEqual([]);
    const figures = h.state.members.map(figuresOf);
    expect(checkInvariants({ entries: [...h.entries.slice(0, -1), { ...cost, figuresAfter: { ...cost.figuresAfter, [council]: off } }], figures, totals: poolTotals(figures) })).toHaveLength(1);
  });
});
