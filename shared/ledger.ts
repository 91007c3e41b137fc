/**
 * The pooled-money ledger in the table (keys: shared/keys.ts).
 *
 * - Entries are immutable `ENTRY#<ulid>` items, put once (`attribute_not_exists`)
 *   in the same transaction as the members' running figures, the pool totals on
 *   the challenge item and the entry's event (challenge-store's outbox).
 * - Running figures live on the member items and totals on the challenge item, so
 *   every decision and the statement read them with the one state Query, however
 *   long the ledger grows.
 * - A reversed cost is marked by `ENTRY#<costId>#REVERSED`, put once with the
 *   reversing entry: it sorts right after the cost, so one Query reads a cost with
 *   its marker, and a ledger page shows `reversed` without another read.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeTime } from 'ulid';
import type { Change, ChallengeRecord, ChallengeState, MemberRecord, PendingEvent, PoolRunningTotals } from './challenge-store';
import { newId } from './challenge-store';
import { documents, withoutKeys } from './db';
import type { LedgerEntry, MemberFigures } from './domain/ledger';
import { unprocessable } from './errors';
import { ENTRY_PREFIX, keys, KIND } from './keys';
import { tableName } from './table';

/** An entry as stored: the domain's entry plus what the hub records about it. */
export interface StoredEntry extends LedgerEntry {
  /** Reversal: why. */
  reason?: string;
  /** Cost: the share agreement version that split it. */
  agreementVersion?: number;
}

export const ZERO_TOTALS: PoolRunningTotals = { pledgedPence: 0, committedPence: 0, receivedPence: 0, spentPence: 0 };

export const poolTotalsOf = (c: Pick<ChallengeRecord, 'totals'>): PoolRunningTotals => ({ ...ZERO_TOTALS, ...c.totals });

export function figuresOf(m: MemberRecord): MemberFigures {
  return {
    council: m.council,
    pledgedPence: m.pledgedPence ?? 0,
    committedPence: m.committedPence ?? 0,
    receivedPence: m.receivedPence ?? 0,
    allocatedCostPence: m.allocatedCostPence ?? 0,
    allocatedRiskPence: m.allocatedRiskPence ?? 0,
  };
}

export function withFigures(m: MemberRecord, f: MemberFigures): MemberRecord {
  const { council: _council, ...figures } = f;
  return { ...m, ...figures };
}

export const hasMoney = (f: MemberFigures) =>
  f.pledgedPence !== 0 || f.committedPence !== 0 || f.receivedPence !== 0 || f.allocatedCostPence !== 0 || f.allocatedRiskPence !== 0;

/**
 * A new entry id, above the challenge's last one even if this machine's clock is
 * behind the one that wrote it: ledger order (by SK) is then commit order, which
 * matters because pledges replay as "last one wins".
 */
export function nextEntryId(challenge: Pick<ChallengeRecord, 'lastEntryId'>): string {
  const floor = challenge.lastEntryId ? decodeTime(challenge.lastEntryId) + 1 : 0;
  return newId(Math.max(Date.now(), floor));
}

export const entryItem = (challengeId: string, entry: StoredEntry) => ({
  key: keys.entry(challengeId, entry.id),
  item: { kind: KIND.entry, challengeId, ...entry },
  mustBeNew: true,
});

export const reversalMarkerItem = (challengeId: string, costId: string, reversalId: string, at: string) => ({
  key: keys.reversalMarker(challengeId, costId),
  item: { kind: KIND.reversalMarker, challengeId, costId, reversalId, recordedAt: at },
  mustBeNew: true,
});

const entryOf = (item: Record<string, unknown>): StoredEntry => {
  const { kind: _kind, challengeId: _c, ...entry } = withoutKeys(item);
  return entry as unknown as StoredEntry;
};

/** One entry and, for a cost, the id of the entry that reversed it: one Query. */
export async function readEntry(challengeId: string, entryId: string): Promise<{ entry: StoredEntry; reversedBy?: string } | undefined> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': keys.challengePartition(challengeId), ':sk': keys.entry(challengeId, entryId).SK },
      ConsistentRead: true,
    }),
  );
  const item = Items.find((i) => i.kind === KIND.entry && i.id === entryId);
  if (!item) return undefined;
  const marker = Items.find((i) => i.kind === KIND.reversalMarker && i.costId === entryId);
  return { entry: entryOf(item), ...(marker ? { reversedBy: marker.reversalId as string } : {}) };
}

export type EntryView = StoredEntry & { reversedBy?: string };

const ENTRY_FIELDS = [
  'id', 'type', 'council', 'amountPence', 'previousPence', 'allocations', 'agreementVersion', 'reversesId', 'reversed',
  'reversedBy', 'reason', 'description', 'supplier', 'category', 'reference', 'recordedBy', 'recordedAt',
] as const;

/**
 * The entry as the API shows it, fields in a fixed order (DynamoDB keeps none): a
 * cost says whether, and by which entry, it was reversed (from its marker item;
 * the entry itself never changes).
 */
export function entryView(entry: StoredEntry, reversedBy?: string): EntryView {
  const view: Record<string, unknown> = {
    ...entry,
    ...(entry.type === 'cost' ? { reversed: reversedBy !== undefined, ...(reversedBy ? { reversedBy } : {}) } : {}),
    ...(entry.allocations ? { allocations: entry.allocations.map((a) => ({ council: a.council, costPence: a.costPence, riskPence: a.riskPence })) } : {}),
    recordedBy: { council: entry.recordedBy.council, sub: entry.recordedBy.sub },
  };
  return Object.fromEntries(ENTRY_FIELDS.filter((f) => view[f] !== undefined).map((f) => [f, view[f]])) as unknown as EntryView;
}

function cursorKey(challengeId: string, cursor: string | undefined): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => unprocessable('The cursor is not valid.', [{ path: 'query.cursor', message: 'Not a cursor this ledger issued.' }]);
  let sk: unknown;
  try {
    sk = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof sk !== 'string' || !sk.startsWith(ENTRY_PREFIX)) throw invalid();
  return { PK: keys.challengePartition(challengeId), SK: sk };
}

const encodeSk = (sk: string) => Buffer.from(JSON.stringify(sk)).toString('base64url');

/**
 * A page of the ledger, oldest first. Each cost's marker (if any) sorts right
 * after it, so the Query reads up to 2*limit+1 items: enough for `limit` entries,
 * their markers, and one look past the last to see whether it was reversed.
 */
export async function ledgerPage(challengeId: string, limit: number, cursor: string | undefined): Promise<{ items: EntryView[]; nextCursor?: string }> {
  const pk = keys.challengePartition(challengeId);
  const { Items = [], LastEvaluatedKey } = await documents.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :entry)',
      ExpressionAttributeValues: { ':pk': pk, ':entry': ENTRY_PREFIX },
      ExclusiveStartKey: cursorKey(challengeId, cursor),
      Limit: 2 * limit + 1,
      ConsistentRead: true,
    }),
  );
  const items: EntryView[] = [];
  let lastSk: string | undefined;
  let i = 0;
  for (; i < Items.length && items.length < limit; i++) {
    const item = Items[i]!;
    if (item.kind !== KIND.entry) continue; // a marker, already read with its cost
    const entry = entryOf(item);
    const next = Items[i + 1];
    let reversedBy: string | undefined;
    if (next?.kind === KIND.reversalMarker && next.costId === entry.id) {
      reversedBy = next.reversalId as string;
      i++;
    } else if (next === undefined && LastEvaluatedKey && entry.type === 'cost') {
      // The read stopped right after this cost (1 MB page): its marker may follow.
      reversedBy = (await readEntry(challengeId, entry.id))?.reversedBy;
    }
    items.push(entryView(entry, reversedBy));
    lastSk = (reversedBy ? keys.reversalMarker(challengeId, entry.id) : keys.entry(challengeId, entry.id)).SK;
  }
  const more = i < Items.length || LastEvaluatedKey !== undefined;
  return { items, ...(more && lastSk ? { nextCursor: encodeSk(lastSk) } : {}) };
}

const FIGURES = ['pledgedPence', 'committedPence', 'receivedPence', 'allocatedCostPence', 'allocatedRiskPence'] as const;

/**
 * The change that records one entry: the entry (put once), the changed members'
 * figures, the pool totals moved by exactly the same deltas, the entry's events and
 * any further items (a reversal's marker) — challenge-store writes it all in one
 * TransactWriteItems conditioned on the challenge's seq.
 */
export function ledgerChange(
  state: ChallengeState,
  entry: StoredEntry,
  changed: MemberRecord[],
  events: PendingEvent[],
  extraItems: NonNullable<Change['items']> = [],
): Change {
  const totals = { ...poolTotalsOf(state.challenge) };
  for (const member of changed) {
    const before = figuresOf(state.members.find((m) => m.council === member.council) ?? member);
    const after = figuresOf(member);
    totals.pledgedPence += after.pledgedPence - before.pledgedPence;
    totals.committedPence += after.committedPence - before.committedPence;
    totals.receivedPence += after.receivedPence - before.receivedPence;
    totals.spentPence += after.allocatedCostPence + after.allocatedRiskPence - before.allocatedCostPence - before.allocatedRiskPence;
    for (const field of FIGURES) if (!Number.isSafeInteger(after[field])) throw tooLarge();
  }
  if (!Object.values(totals).every(Number.isSafeInteger)) throw tooLarge();
  return {
    challenge: { ...state.challenge, totals, lastEntryId: entry.id },
    members: changed,
    items: [entryItem(state.challenge.id, entry), ...extraItems],
    events,
  };
}

const tooLarge = () =>
  unprocessable('The amount would take a running total beyond what can be counted exactly.', [
    { path: 'body.amountPence', message: 'Too large for this ledger.' },
  ], 'amount_too_large');
