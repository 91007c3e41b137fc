/**
 * The pool's cash and committed funds after each ledger entry, for the chart.
 * The newest entries are read backwards from today's running figures: each is
 * undone with the one applyEntry (its inverse: a negated amount, the negated
 * allocations, the pledge it replaced), so the page reads a bounded window of the
 * ledger whatever its length, and every point equals a replay from the start.
 */
import { applyEntry, type LedgerEntry, type MemberFigures, poolTotals, reverseAllocations } from '../domain/ledger';
import type { PoolPoint } from './charts';

/** The entry that undoes `entry` when applied after it. */
export function inverseOf(entry: LedgerEntry): LedgerEntry {
  switch (entry.type) {
    case 'pledge':
      return { ...entry, amountPence: entry.previousPence ?? 0 };
    case 'commitment':
    case 'receipt':
      return { ...entry, amountPence: 0 - entry.amountPence };
    case 'cost':
    case 'cost_reversal':
      return { ...entry, amountPence: 0 - entry.amountPence, allocations: reverseAllocations(entry.allocations ?? []) };
  }
}

const point = (at: string, figures: Map<string, MemberFigures>): PoolPoint => {
  const t = poolTotals(figures.values());
  return { at, cashPence: t.poolBalancePence, committedPence: t.committedPence };
};

/**
 * Oldest first: the figures just before the oldest entry given (zero when it is the
 * ledger's first), then after each entry. `newestFirst` must be the ledger's latest
 * entries with none missing in between.
 */
export function poolSeries(current: readonly MemberFigures[], newestFirst: readonly LedgerEntry[]): PoolPoint[] {
  const figures = new Map(current.map((f) => [f.council, { ...f }]));
  const points: PoolPoint[] = [];
  for (const entry of newestFirst) {
    points.push(point(entry.recordedAt, figures));
    applyEntry(figures, inverseOf(entry));
  }
  const oldest = newestFirst.at(-1);
  if (oldest) points.push(point(oldest.recordedAt, figures));
  return points.reverse();
}
