// The money rules. Entries are immutable; a cost is corrected by a reversing entry
// carrying the exact negation of its allocations. Member figures are a fold over the
// ledger (applyEntry), so they can always be recomputed and checked.

import type { ProblemCode } from '../problem-codes';
import { allocateLargestRemainder } from './allocation';
import type { Share } from './shares';

export type LedgerEntryType = 'pledge' | 'commitment' | 'receipt' | 'cost' | 'cost_reversal';

export interface Allocation {
  council: string;
  costPence: number;
  riskPence: number;
}

export interface LedgerEntry {
  id: string;
  type: LedgerEntryType;
  /** The member whose pledge, commitment or receipt this is. */
  council?: string;
  /** Pledge: the new pledged amount. Reversal: negative. */
  amountPence: number;
  /** Pledge only: the amount pledged before. */
  previousPence?: number;
  /** Cost and reversal: sums exactly to amountPence; negative on a reversal. */
  allocations?: Allocation[];
  reversesId?: string;
  reversed?: boolean;
  description?: string;
  supplier?: string;
  category?: string;
  reference?: string;
  recordedBy: { council: string; sub: string };
  recordedAt: string;
}

/** An entry as stored: the ledger's entry plus what the hub records about it. */
export interface StoredEntry extends LedgerEntry {
  /** Reversal: why. */
  reason?: string;
  /** Cost: the share agreement version that split it. */
  agreementVersion?: number;
  /**
   * The figures, once this entry was applied, of every council it touches (its
   * council; for a cost or reversal every allocated one), as applyEntry left them
   * when the entry was recorded (see `figuresAfter`): a council's account reads its
   * running figures from here instead of replaying the ledger. Absent on entries
   * recorded before entries carried them.
   */
  figuresAfter?: Record<string, FigureRow>;
}

/**
 * The one list of a member's money figures: stored, replayed, checked and shown.
 * Ledger entries store figures as rows in this order (FigureRow): append a field,
 * never reorder (a row of another length reads as absent, and is replayed).
 */
export const FIGURE_FIELDS = ['pledgedPence', 'committedPence', 'receivedPence', 'allocatedCostPence', 'allocatedRiskPence'] as const;
export type FigureField = (typeof FIGURE_FIELDS)[number];

/** A council's figures as a row of FIGURE_FIELDS' values, in that order: how an entry stores them (a third of the size named). */
export type FigureRow = number[];

export type MemberFigures = { council: string } & Record<FigureField, number>;

/** A rule's refusal, named by its problem code (a 409 unless shared/problem-codes.ts says otherwise). */
export interface Conflict<C extends string = ProblemCode> {
  code: C;
  detail: string;
}

/** The pool's figures: the sums of every member's (withdrawn members included), and its cash. */
export interface PoolTotals {
  pledgedPence: number;
  committedPence: number;
  receivedPence: number;
  /** Net spend: costs minus reversals. */
  spentPence: number;
  /** Cash in the pool: received minus net spend. */
  poolBalancePence: number;
}

/** A value for every figure field, keyed in FIGURE_FIELDS' order; `i` is the field's place in a FigureRow. */
export function perFigure<T>(value: (field: FigureField, i: number) => T): Record<FigureField, T> {
  return Object.fromEntries(FIGURE_FIELDS.map((field, i) => [field, value(field, i)])) as Record<FigureField, T>;
}

export const zeroFigures = (council: string): MemberFigures => ({ council, ...perFigure(() => 0) });

/** A record's figures, absent ones 0. */
export const figuresOf = (record: { council: string } & Partial<Record<FigureField, number>>): MemberFigures => ({
  council: record.council,
  ...perFigure((field) => record[field] ?? 0),
});

export const hasMoney = (f: MemberFigures) => FIGURE_FIELDS.some((field) => f[field] !== 0);

/** Every figure, and every pool total, is a whole number JavaScript counts exactly. */
export function figuresAreExact(figures: Iterable<MemberFigures>): boolean {
  const all = [...figures];
  const totals = poolTotals(all);
  return all.every((f) => FIGURE_FIELDS.every((field) => Number.isSafeInteger(f[field]))) && Object.values(totals).every(Number.isSafeInteger);
}

/** Negative: the member owes the pool. */
export function balancePence(f: MemberFigures): number {
  return f.receivedPence - f.allocatedCostPence - f.allocatedRiskPence;
}

export function outstandingPence(f: MemberFigures): number {
  return f.committedPence - f.receivedPence;
}

/** Net spend is what has been allocated: costs minus reversals. */
export function poolTotals(figures: Iterable<MemberFigures>): PoolTotals {
  const t = { pledgedPence: 0, committedPence: 0, receivedPence: 0, spentPence: 0, poolBalancePence: 0 };
  for (const f of figures) {
    t.pledgedPence += f.pledgedPence;
    t.committedPence += f.committedPence;
    t.receivedPence += f.receivedPence;
    t.spentPence += f.allocatedCostPence + f.allocatedRiskPence;
  }
  t.poolBalancePence = t.receivedPence - t.spentPence;
  return t;
}

/** Committed funds not yet spent; what a new cost may draw on before it overruns. */
export function headroomPence(figures: Iterable<MemberFigures>): number {
  const t = poolTotals(figures);
  return t.committedPence - t.spentPence;
}

/**
 * Splits a cost: the part within the headroom by cost shares, the overrun beyond it
 * by risk shares. Every council in `shares` appears once, sorted by code, and the
 * parts sum exactly to `amountPence`.
 */
export function splitCost(amountPence: number, headroomPence: number, shares: ReadonlyArray<Share>): Allocation[] {
  if (!Number.isSafeInteger(amountPence) || amountPence < 0) {
    throw new RangeError(`a cost must be a non-negative whole number of pence (got ${String(amountPence)})`);
  }
  const withinPence = Math.min(amountPence, Math.max(headroomPence, 0));
  const overrunPence = amountPence - withinPence;
  const cost = allocateLargestRemainder(withinPence, shares.map((s) => ({ key: s.council, weight: s.costBps })));
  const risk = allocateLargestRemainder(overrunPence, shares.map((s) => ({ key: s.council, weight: s.riskBps })));
  // Both maps iterate in council-code order and hold the same keys.
  return [...cost].map(([council, costPence]) => ({ council, costPence, riskPence: risk.get(council) ?? 0 }));
}

export function reverseAllocations(allocations: ReadonlyArray<Allocation>): Allocation[] {
  // `0 - x` rather than `-x` so a zero part stays 0, not -0.
  return allocations.map((a) => ({ council: a.council, costPence: 0 - a.costPence, riskPence: 0 - a.riskPence }));
}

export const figureRow = (f: MemberFigures): FigureRow => FIGURE_FIELDS.map((field) => f[field]);

/** A stored row as figures; undefined when it is not a row of FIGURE_FIELDS (absent, or written with another list). */
export function figuresFromRow(council: string, row: unknown): MemberFigures | undefined {
  if (!Array.isArray(row) || row.length !== FIGURE_FIELDS.length || !row.every((v) => Number.isSafeInteger(v))) return undefined;
  return { council, ...perFigure((_, i) => row[i] as number) };
}

/** The councils whose figures applyEntry moves for `entry`: its council, or every allocated one. */
export function councilsOf(entry: LedgerEntry): string[] {
  if (entry.type === 'cost' || entry.type === 'cost_reversal') return (entry.allocations ?? []).map((a) => a.council);
  return entry.council === undefined ? [] : [entry.council];
}

/**
 * What an entry stores as `figuresAfter`: the figures of every council it touches,
 * taken from `figures` right after `applyEntry(figures, entry)` moved them.
 */
export function figuresAfter(entry: LedgerEntry, figures: ReadonlyMap<string, MemberFigures>): Record<string, FigureRow> {
  return Object.fromEntries(
    councilsOf(entry).map((council) => {
      const f = figures.get(council);
      if (f === undefined) throw new Error(`Entry ${entry.id} touches ${council}, whose figures were not applied`);
      return [council, figureRow(f)];
    }),
  );
}

/** The one place an entry changes member figures. Mutates `figures`. */
export function applyEntry(figures: Map<string, MemberFigures>, entry: LedgerEntry): void {
  const member = (council: string | undefined): MemberFigures => {
    if (council === undefined) throw new Error(`${entry.type} entry ${entry.id} names no council`);
    let f = figures.get(council);
    if (f === undefined) {
      f = zeroFigures(council);
      figures.set(council, f);
    }
    return f;
  };
  switch (entry.type) {
    case 'pledge':
      member(entry.council).pledgedPence = entry.amountPence;
      return;
    case 'commitment':
      member(entry.council).committedPence += entry.amountPence;
      return;
    case 'receipt':
      member(entry.council).receivedPence += entry.amountPence;
      return;
    case 'cost':
    case 'cost_reversal':
      for (const a of entry.allocations ?? []) {
        const f = member(a.council);
        f.allocatedCostPence += a.costPence;
        f.allocatedRiskPence += a.riskPence;
      }
      return;
  }
}

/** Member figures folded from the ledger (oldest first), every listed council included. */
export function recomputeFigures(entries: ReadonlyArray<LedgerEntry>, councils: ReadonlyArray<string>): Map<string, MemberFigures> {
  const figures = new Map<string, MemberFigures>();
  for (const c of councils) figures.set(c, zeroFigures(c));
  for (const e of entries) applyEntry(figures, e);
  return figures;
}

/**
 * Every entry's stored figures that a replay of the ledger (oldest first) does
 * not give: an entry that stores them names exactly the councils it touches, each
 * with its figures once the entry is applied. Entries that store none (recorded
 * before entries carried them) are skipped.
 */
export function storedFiguresViolations(entries: ReadonlyArray<LedgerEntry & Pick<StoredEntry, 'figuresAfter'>>): string[] {
  const violations: string[] = [];
  const figures = new Map<string, MemberFigures>();
  for (const e of entries) {
    try {
      applyEntry(figures, e);
    } catch {
      return violations; // checkInvariants reports a ledger that cannot be replayed
    }
    if (e.figuresAfter === undefined) continue;
    const touched = councilsOf(e);
    const stored = Object.keys(e.figuresAfter);
    if (stored.length !== touched.length || !touched.every((c) => Object.hasOwn(e.figuresAfter!, c))) {
      violations.push(`${e.type} ${e.id} stores figures for ${stored.sort().join(',') || 'no council'} but touches ${[...touched].sort().join(',') || 'no council'}`);
      continue;
    }
    for (const council of touched) {
      const after = figuresFromRow(council, e.figuresAfter[council]);
      const replayed = figures.get(council)!;
      if (after === undefined) {
        violations.push(`${e.type} ${e.id} stores ${council}'s figures as ${JSON.stringify(e.figuresAfter[council])}, not a row of ${FIGURE_FIELDS.length} whole numbers`);
        continue;
      }
      for (const field of FIGURE_FIELDS) {
        if (after[field] !== replayed[field]) {
          violations.push(`${e.type} ${e.id} stores ${council} ${field} ${after[field]} after it but the ledger gives ${replayed[field]}`);
        }
      }
    }
  }
  return violations;
}

/** Every broken ledger invariant, in words; empty when all hold. */
export function checkInvariants(input: {
  entries: ReadonlyArray<LedgerEntry & Pick<StoredEntry, 'figuresAfter'>>;
  figures: ReadonlyArray<MemberFigures>;
  totals: Pick<PoolTotals, 'receivedPence' | 'spentPence'>;
}): string[] {
  const { entries, figures, totals } = input;
  const violations: string[] = [];
  const seen = new Map<string, LedgerEntry>();
  const reversedBy = new Map<string, string>();
  let receivedPence = 0;
  let spentPence = 0;

  for (const e of entries) {
    if (seen.has(e.id)) violations.push(`entry ${e.id} appears more than once`);
    if (e.type === 'receipt') receivedPence += e.amountPence;
    if (e.type === 'cost' || e.type === 'cost_reversal') {
      spentPence += e.amountPence;
      violations.push(...checkAllocations(e));
    }
    if (e.type === 'cost_reversal') {
      const original = e.reversesId === undefined ? undefined : seen.get(e.reversesId);
      if (original === undefined || original.type !== 'cost') {
        violations.push(`reversal ${e.id} does not reverse an earlier cost (reversesId ${e.reversesId ?? 'missing'})`);
      } else {
        const earlier = reversedBy.get(original.id);
        if (earlier !== undefined) violations.push(`cost ${original.id} is reversed twice (by ${earlier} and ${e.id})`);
        reversedBy.set(original.id, e.id);
        if (e.amountPence !== 0 - original.amountPence) {
          violations.push(`reversal ${e.id} amount ${e.amountPence} is not the negation of cost ${original.id} amount ${original.amountPence}`);
        }
        if (!sameAllocations(e.allocations ?? [], reverseAllocations(original.allocations ?? []))) {
          violations.push(`reversal ${e.id} allocations are not the exact negation of cost ${original.id} allocations`);
        }
      }
    }
    if (!seen.has(e.id)) seen.set(e.id, e);
  }

  let recomputed: Map<string, MemberFigures> | undefined;
  try {
    recomputed = recomputeFigures(entries, figures.map((f) => f.council));
  } catch (err) {
    violations.push(`ledger cannot be replayed: ${(err as Error).message}`);
  }
  if (recomputed !== undefined) {
    const given = new Set(figures.map((f) => f.council));
    for (const f of figures) {
      const r = recomputed.get(f.council) ?? zeroFigures(f.council);
      for (const field of FIGURE_FIELDS) {
        if (f[field] !== r[field]) {
          violations.push(`${f.council} ${field} is ${f[field]} but the ledger gives ${r[field]}`);
        }
      }
    }
    for (const r of recomputed.values()) {
      if (!given.has(r.council) && FIGURE_FIELDS.some((field) => r[field] !== 0)) {
        violations.push(`${r.council} has ledger entries but no member figures`);
      }
    }
  }

  violations.push(...storedFiguresViolations(entries));

  const poolCash = receivedPence - spentPence;
  const sumOfBalances = figures.reduce((acc, f) => acc + balancePence(f), 0);
  if (sumOfBalances !== poolCash) {
    violations.push(`member balances sum to ${sumOfBalances} but pool cash (received ${receivedPence} minus net spend ${spentPence}) is ${poolCash}`);
  }
  if (totals.receivedPence - totals.spentPence !== poolCash) {
    violations.push(`totals give pool cash ${totals.receivedPence - totals.spentPence} but the ledger gives ${poolCash}`);
  }
  if (totals.receivedPence !== receivedPence) {
    violations.push(`totals.receivedPence is ${totals.receivedPence} but the ledger gives ${receivedPence}`);
  }
  if (totals.spentPence !== spentPence) {
    violations.push(`totals.spentPence is ${totals.spentPence} but the ledger gives ${spentPence}`);
  }

  for (const f of figures) {
    if (f.committedPence > f.pledgedPence) {
      violations.push(`${f.council} committed ${f.committedPence} is above its pledge ${f.pledgedPence}`);
    }
    if (f.receivedPence > f.committedPence) {
      violations.push(`${f.council} received ${f.receivedPence} is above its commitment ${f.committedPence}`);
    }
  }
  return violations;
}

function checkAllocations(e: LedgerEntry): string[] {
  if (e.allocations === undefined) return [`${e.type} ${e.id} has no allocations`];
  const out: string[] = [];
  const sum = e.allocations.reduce((acc, a) => acc + a.costPence + a.riskPence, 0);
  if (sum !== e.amountPence) out.push(`${e.type} ${e.id} allocations sum to ${sum}, not its amount ${e.amountPence}`);
  const councils = new Set(e.allocations.map((a) => a.council));
  if (councils.size !== e.allocations.length) out.push(`${e.type} ${e.id} allocates to a council more than once`);
  return out;
}

// Same councils with the same parts, regardless of listing order.
function sameAllocations(a: ReadonlyArray<Allocation>, b: ReadonlyArray<Allocation>): boolean {
  if (a.length !== b.length) return false;
  const byCouncil = new Map(b.map((x) => [x.council, x]));
  return a.every((x) => {
    const y = byCouncil.get(x.council);
    return y !== undefined && y.costPence === x.costPence && y.riskPence === x.riskPence;
  });
}

/** A pledge may not drop below what the member has already committed. */
export function pledgeConflict(f: MemberFigures, newPledgedPence: number): Conflict | null {
  return newPledgedPence < f.committedPence
    ? { code: 'below_commitment', detail: `${f.council} has committed ${f.committedPence} pence; the pledge cannot go below that (asked ${newPledgedPence})` }
    : null;
}

export function commitmentConflict(f: MemberFigures, amountPence: number): Conflict | null {
  return f.committedPence + amountPence > f.pledgedPence
    ? { code: 'exceeds_pledge', detail: `${f.council} has pledged ${f.pledgedPence} pence and committed ${f.committedPence}; committing ${amountPence} more would exceed the pledge` }
    : null;
}

export function receiptConflict(f: MemberFigures, amountPence: number): Conflict | null {
  return f.receivedPence + amountPence > f.committedPence
    ? { code: 'exceeds_commitment', detail: `${f.council} has committed ${f.committedPence} pence and paid ${f.receivedPence}; receiving ${amountPence} more would exceed the commitment` }
    : null;
}
