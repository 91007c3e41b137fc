/**
 * Reads of the ledger for the pages: the newest entries (newest first), and a
 * cursor that continues a ledger page right after a given entry.
 */
import type { StoredEntry } from '../domain/ledger';
import { withoutKeys } from './client';
import { encodeCursor } from './cursor';
import { keys, KIND, ranges } from './keys';
import { itemsInRange } from './ranges';

/**
 * Up to `max` of the newest entries, newest first: one key range read backwards
 * (a page per 1 MB), so it costs the same however long the ledger is. `complete`
 * says whether they reach back to the ledger's first entry.
 */
export async function latestEntries(challengeId: string, max: number): Promise<{ entries: StoredEntry[]; complete: boolean }> {
  const entries: StoredEntry[] = [];
  const newestFirst = itemsInRange(ranges.ledger(challengeId), {
    backwards: true,
    consistent: true,
    // Reversal markers share the range (at most one per cost): each Query asks for what is still wanted, and some.
    pageSize: () => max + 1 - entries.length + 16,
  });
  for await (const item of newestFirst) {
    if (item.kind !== KIND.entry) continue;
    if (entries.length === max) return { entries, complete: false };
    const { kind: _kind, challengeId: _c, seq: _seq, ...entry } = withoutKeys(item);
    entries.push(entry as unknown as StoredEntry);
  }
  return { entries, complete: true };
}

/** The cursor of a ledger page (shared/store/ledger.ts ledgerPage) that starts right after `entryId`. */
export const ledgerCursorAfter = (challengeId: string, entryId: string) => encodeCursor({ sk: keys.entry(challengeId, entryId).SK })!;
