/**
 * The pooled-money ledger in the table (keys: ./keys.ts).
 * - Entries are immutable `ENTRY#<ulid>` items, put once (`attribute_not_exists`)
 *   in the same transaction as the members' figures and the entry's event (./write.ts).
 * - A reversed cost is marked by `ENTRY#<costId>#REVERSED`, put once with the
 *   reversing entry: it sorts right after the cost, so one range read finds a cost
 *   with its marker, and a ledger page shows `reversed` without another read.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredEntry } from '../domain/ledger';
import { documents, tableName, withoutKeys } from './client';
import { decodeCursor, encodeCursor, position } from './cursor';
import { ENTRY_PREFIX, keys, KIND } from './keys';

type Item = Record<string, unknown>;

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
  const { SK } = keys.entry(challengeId, entryId);
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :entry AND :marker',
      ExpressionAttributeValues: { ':pk': keys.challengePartition(challengeId), ':entry': SK, ':marker': keys.reversalMarker(challengeId, entryId).SK },
      ConsistentRead: true,
    }),
  );
  const item = Items.find((i) => i.kind === KIND.entry && i.id === entryId);
  if (!item) return undefined;
  const marker = Items.find((i) => i.kind === KIND.reversalMarker && i.costId === entryId);
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
  const pk = keys.challengePartition(challengeId);
  const { Items = [], LastEvaluatedKey } = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':pk': pk, ':first': keys.firstEntrySk, ':last': keys.lastEntrySk },
      ...(after ? { ExclusiveStartKey: { PK: pk, SK: after.sk } } : {}),
      Limit: 2 * limit + 1,
      ConsistentRead: true,
    }),
  );
  const items: FoundEntry[] = [];
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
    items.push({ entry, ...(reversedBy ? { reversedBy } : {}) });
    lastSk = (reversedBy ? keys.reversalMarker(challengeId, entry.id) : keys.entry(challengeId, entry.id)).SK;
  }
  const more = i < Items.length || LastEvaluatedKey !== undefined;
  const nextCursor = more && lastSk ? encodeCursor({ sk: lastSk }) : undefined;
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}
