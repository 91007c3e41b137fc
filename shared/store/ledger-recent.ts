/**
 * Reads of the ledger for the pages: the newest entries (newest first), and a
 * cursor that continues a ledger page right after a given entry.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredEntry } from '../domain/ledger';
import { documents, tableName, withoutKeys } from './client';
import { encodeCursor } from './cursor';
import { keys, KIND } from './keys';

/**
 * Up to `max` of the newest entries, newest first: one key range read backwards
 * (a page per 1 MB), so it costs the same however long the ledger is. `complete`
 * says whether they reach back to the ledger's first entry.
 */
export async function latestEntries(challengeId: string, max: number): Promise<{ entries: StoredEntry[]; complete: boolean }> {
  const pk = keys.challengePartition(challengeId);
  const entries: StoredEntry[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :first AND :last',
        ExpressionAttributeValues: { ':pk': pk, ':first': keys.firstEntrySk, ':last': keys.lastEntrySk },
        ScanIndexForward: false,
        // Reversal markers share the range: at most one per cost.
        Limit: max + 1 - entries.length + 16,
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.kind !== KIND.entry) continue;
      if (entries.length === max) return { entries, complete: false };
      const { kind: _kind, challengeId: _c, seq: _seq, ...entry } = withoutKeys(item);
      entries.push(entry as unknown as StoredEntry);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { entries, complete: true };
}

/** The cursor of a ledger page (shared/store/ledger.ts ledgerPage) that starts right after `entryId`. */
export const ledgerCursorAfter = (challengeId: string, entryId: string) => encodeCursor({ sk: keys.entry(challengeId, entryId).SK })!;
