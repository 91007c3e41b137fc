/**
 * Reads of challenges: the state one decision needs (one Query), the event feed,
 * and the listings (a council's memberships, the challenges a caller may see).
 * Every read is a key range (./ranges.ts), never begins_with over a growing
 * partition, and never a Scan.
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Agreement } from '../domain/agreement-lifecycle';
import type { ChallengeRecord, ChallengeState, MemberRecord } from '../domain/records';
import type { HubEvent } from '../schemas/events';
import { documents, tableName, withoutKeys } from './client';
import { decodeCursor, encodeCursor, position } from './cursor';
import { keys, KIND, ranges } from './keys';
import { type Item, itemsInRange, queryRange } from './ranges';

function recordOf<T>(item: Item): T {
  const { kind: _kind, challengeId: _challengeId, ...rest } = withoutKeys(item);
  return rest as T;
}

/** Every item of the challenge's state (`S#...`), as one range read however long its ledger grows. */
export async function loadChallengeState(id: string, consistent = true): Promise<ChallengeState | undefined> {
  return stateFromItems(await readStateItems(id, consistent));
}

/** The challenge's state items as stored (one key range). */
export async function readStateItems(id: string, consistent = true): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of itemsInRange(ranges.state(id), { consistent })) items.push(item);
  return items;
}

/** The state those items hold; undefined without a challenge item. */
export function stateFromItems(items: readonly Item[]): ChallengeState | undefined {
  const challengeItem = items.find((i) => i.kind === KIND.challenge);
  if (!challengeItem) return undefined;
  // `totals` was kept on the challenge by an earlier layout; pool totals are now always summed from the members.
  const { totals: _legacyTotals, ...challenge } = recordOf<ChallengeRecord & { totals?: unknown }>(challengeItem);
  const members = items.filter((i) => i.kind === KIND.member).map((i) => recordOf<MemberRecord>(i));
  const agreements = items.filter((i) => i.kind === KIND.agreement).map((i) => recordOf<Agreement>(i));
  members.sort((a, b) => (a.council < b.council ? -1 : 1));
  agreements.sort((a, b) => a.version - b.version);
  return { challenge, members, agreements };
}

/** Events after `after`, in seq order: a key range, so a page costs the same at any seq. */
export async function listEvents(challengeId: string, after: number, limit: number): Promise<HubEvent[]> {
  const { items } = await queryRange(ranges.events(challengeId, after + 1), { limit });
  return items.map((i) => i.event as HubEvent);
}

/** Challenge items by id, one BatchGet per 100, unprocessed keys retried. */
export async function getChallenges(ids: readonly string[]): Promise<Map<string, ChallengeRecord>> {
  const found = new Map<string, ChallengeRecord>();
  for (const item of await batchGet(ids.map((id) => keys.challenge(id)))) {
    const record = recordOf<ChallengeRecord>(item);
    found.set(record.id, record);
  }
  return found;
}

export async function batchGet(wanted: ReadonlyArray<{ PK: string; SK: string }>, projection?: string[]): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < wanted.length; i += 100) {
    let keysLeft: Item[] = wanted.slice(i, i + 100);
    for (let round = 0; keysLeft.length > 0; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** round) * Math.random()));
      const got = await documents.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: keysLeft,
              ...(projection
                ? { ProjectionExpression: projection.map((_, n) => `#p${n}`).join(', '), ExpressionAttributeNames: Object.fromEntries(projection.map((p, n) => [`#p${n}`, p])) }
                : {}),
            },
          },
        }),
      );
      items.push(...(got.Responses?.[tableName] ?? []));
      keysLeft = got.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return items;
}

export interface CouncilMembership {
  challenge: ChallengeRecord;
  membership: MemberRecord;
}

/** A council's memberships (GSI1) with each challenge's record: one Query and one BatchGet. */
export async function listCouncilChallenges(council: string, limit: number, cursor: string | undefined): Promise<{ items: CouncilMembership[]; nextCursor?: string }> {
  const after = decodeCursor(cursor, position.byId);
  const page = await queryRange(ranges.councilMemberships(council), {
    limit,
    startKey: after ? { ...keys.member(after.id, council), ...keys.councilMembership(council, after.id) } : undefined,
  });
  const memberships = page.items.map((i) => ({ challengeId: i.challengeId as string, member: recordOf<MemberRecord>(i) }));
  const challenges = await getChallenges(memberships.map((m) => m.challengeId));
  const items = memberships.flatMap((m) => {
    const challenge = challenges.get(m.challengeId);
    return challenge ? [{ challenge, membership: m.member }] : [];
  });
  const last = page.lastKey ? memberships.at(-1)?.challengeId : undefined;
  const nextCursor = encodeCursor(last ? { id: last } : undefined);
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}

/**
 * Public challenges (GSI2) and those the council has a membership record in (GSI1),
 * merged in id (creation) order: two Queries, and a BatchGet for member-only ones.
 * The cursor is the last id returned.
 */
export async function listVisibleChallenges(council: string | undefined, options: { limit: number; cursor: string | undefined; publicOnes: boolean }): Promise<{ items: ChallengeRecord[]; more: boolean }> {
  // '0' sorts before every ULID; DynamoDB refuses an empty key value.
  const after = decodeCursor(options.cursor, position.byId)?.id ?? '0';
  const [publicPage, memberPage] = await Promise.all([
    options.publicOnes ? queryRange(ranges.publicChallenges(keys.idAfter(after)), { limit: options.limit }) : undefined,
    council ? queryRange(ranges.councilMemberships(council, keys.councilMembershipSk(keys.idAfter(after))), { limit: options.limit }) : undefined,
  ]);
  const loaded = new Map<string, ChallengeRecord>();
  for (const item of publicPage?.items ?? []) loaded.set(item.id as string, recordOf<ChallengeRecord>(item));
  const memberIds = (memberPage?.items ?? []).map((m) => m.challengeId as string);
  const ids = [...new Set([...loaded.keys(), ...memberIds])].sort();
  const pageIds = ids.slice(0, options.limit);
  const missing = pageIds.filter((id) => !loaded.has(id));
  if (missing.length) for (const [id, record] of await getChallenges(missing)) loaded.set(id, record);
  const more = ids.length > options.limit || publicPage?.lastKey !== undefined || memberPage?.lastKey !== undefined;
  return { items: pageIds.map((id) => loaded.get(id)).filter((c): c is ChallengeRecord => c !== undefined), more };
}

export const challengeListCursor = (last: ChallengeRecord | undefined) => encodeCursor(last ? { id: last.id } : undefined);
