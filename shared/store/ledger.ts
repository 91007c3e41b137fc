/**
 * The pooled-money ledger in the table (keys: ./keys.ts).
 * - Entries are immutable `ENTRY#<ulid>` items, put once (`attribute_not_exists`)
 *   in the same transaction as the members' figures and the entry's event (./write.ts).
 * - A reversed cost is marked by `ENTRY#<costId>#REVERSED`, put once with the
 *   reversing entry: it sorts right after the cost, so one range read finds a cost
 *   with its marker, and a ledger page shows `reversed` without another read.
 * - Each entry item carries `seq`, the seq of the event that recorded it: the
 *   ledger "as it stood at seq N" is a range read from the first entry, stopped at
 *   the first entry beyond N (ids and seqs both rise in commit order).
 * - Each entry item also carries `figuresAfter`, the figures after it of every
 *   council it touches (domain/ledger.ts): a page of a council's account is a
 *   range read from its cursor, with no replay (entries written before they
 *   carried it are replayed instead, domain/account.ts).
 */
import type { RecordedEntry } from '../domain/account';
import type { StoredEntry } from '../domain/ledger';
import type { HubEvent } from '../schemas/events';
import { withoutKeys } from './client';
import { decodeCursor, encodeCursor, position } from './cursor';
import { ENTRY_PREFIX, keys, KIND, ranges } from './keys';
import { type Item, itemsInRange, queryRange } from './ranges';

const entryOf = (item: Item): StoredEntry => {
  const { kind: _kind, challengeId: _c, ...entry } = withoutKeys(item);
  return entry as unknown as StoredEntry;
};

export interface FoundEntry {
  entry: StoredEntry;
  /** For a reversed cost: the reversing entry's id. */
  reversedBy?: string;
}

/** One entry and, for a cost, the id of the entry that reversed it: one range Query. */
export async function readEntry(challengeId: string, entryId: string): Promise<FoundEntry | undefined> {
  const { items } = await queryRange(ranges.entry(challengeId, entryId), { consistent: true });
  const item = items.find((i) => i.kind === KIND.entry && i.id === entryId);
  if (!item) return undefined;
  const marker = items.find((i) => i.kind === KIND.reversalMarker && i.costId === entryId);
  return { entry: entryOf(item), ...(marker ? { reversedBy: marker.reversalId as string } : {}) };
}

export interface LedgerPage {
  items: FoundEntry[];
  nextCursor?: string;
}

/**
 * A page of the ledger, oldest first. Each cost's marker (if any) sorts right
 * after it, so the Query reads up to 2*limit+1 items: enough for `limit` entries,
 * their markers, and one look past the last to see whether it was reversed.
 */
export async function ledgerPage(challengeId: string, limit: number, cursor: string | undefined): Promise<LedgerPage> {
  const after = decodeCursor(cursor, position.bySk(ENTRY_PREFIX));
  const { items: read, lastKey } = await queryRange(ranges.ledger(challengeId), {
    startKey: after ? { PK: keys.challengePartition(challengeId), SK: after.sk } : undefined,
    limit: 2 * limit + 1,
    consistent: true,
  });
  const items: FoundEntry[] = [];
  let lastSk: string | undefined;
  let i = 0;
  for (; i < read.length && items.length < limit; i++) {
    const item = read[i]!;
    if (item.kind !== KIND.entry) continue; // a marker, already read with its cost
    const entry = entryOf(item);
    const next = read[i + 1];
    let reversedBy: string | undefined;
    if (next?.kind === KIND.reversalMarker && next.costId === entry.id) {
      reversedBy = next.reversalId as string;
      i++;
    } else if (next === undefined && lastKey && entry.type === 'cost') {
      // The read stopped right after this cost (1 MB page): its marker may follow.
      reversedBy = (await readEntry(challengeId, entry.id))?.reversedBy;
    }
    items.push({ entry, ...(reversedBy ? { reversedBy } : {}) });
    lastSk = (reversedBy ? keys.reversalMarker(challengeId, entry.id) : keys.entry(challengeId, entry.id)).SK;
  }
  const more = i < read.length || lastKey !== undefined;
  const nextCursor = more && lastSk ? encodeCursor({ sk: lastSk }) : undefined;
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}

/** Items per Query of a replay: an early statement rarely needs more, and a long replay pays one round trip per 500. */
const REPLAY_PAGE = 500;

/**
 * The whole ledger from its first entry, oldest first, as one key range read in
 * pages (fetched only as the reader asks: stopping early reads no further). Each
 * cost comes with the entry that reversed it (its marker sorts right after it),
 * and each entry with the seq of the event that recorded it.
 */
export function ledgerFromStart(challengeId: string): AsyncGenerator<RecordedEntry> {
  return recorded(itemsInRange(ranges.ledger(challengeId), { consistent: true, pageSize: REPLAY_PAGE }));
}

/**
 * The ledger after entry `afterId` (from its first entry when undefined), oldest
 * first, as ledgerFromStart gives it: one key range from there, never from the
 * ledger's start, so where it starts does not change what it costs. Each Query asks
 * for `pageSize()` items (the reader's estimate of what it still needs, asked just
 * before the Query), at most 500.
 */
export function ledgerAfter(challengeId: string, afterId: string | undefined, pageSize: () => number): AsyncGenerator<RecordedEntry> {
  // `ENTRY#<id>#~` sorts after the entry and its `#REVERSED` marker and before every later entry (ids are [0-9A-Z]).
  const from = afterId === undefined ? keys.firstEntrySk : `${keys.entry(challengeId, afterId).SK}#~`;
  const capped = () => Math.min(REPLAY_PAGE, Math.max(1, pageSize()));
  return recorded(itemsInRange(ranges.ledger(challengeId, from), { consistent: true, pageSize: capped }));
}

/** Entry items (in key order) as recorded entries: each cost with the entry that reversed it (its marker follows it), each entry with its seq. */
async function* recorded(range: AsyncIterable<Item>): AsyncGenerator<RecordedEntry> {
  let pending: RecordedEntry | undefined;
  for await (const item of range) {
    if (item.kind === KIND.reversalMarker) {
      if (pending && item.costId === pending.entry.id) pending.reversedBy = item.reversalId as string;
      continue;
    }
    if (item.kind !== KIND.entry) continue;
    if (pending) yield pending;
    const { seq, ...entry } = entryOf(item) as StoredEntry & { seq?: number };
    pending = { entry, ...(typeof seq === 'number' ? { seq } : {}) };
  }
  if (pending) yield pending;
}

/** The challenge's events from seq 1 (through `toSeq`, when given), oldest first, read in pages as the reader asks. */
export async function* eventsFromStart(challengeId: string, toSeq?: number): AsyncGenerator<HubEvent> {
  if (toSeq !== undefined && toSeq < 1) return;
  // Strongly consistent, as the state read it is checked against: seq N, once committed, is always there.
  const range = itemsInRange(ranges.events(challengeId, 1, toSeq), { consistent: true, pageSize: REPLAY_PAGE });
  for await (const item of range) yield item.event as HubEvent;
}
