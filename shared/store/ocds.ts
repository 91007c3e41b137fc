/**
 * The reads the open contracting routes need (docs/ocds.md, The routes), every one a key
 * range or a key, each bounded:
 * - the event a release is dated by (GetItem `EVENT#<seq>`, three attributes);
 * - a challenge's cost and reversal entries as of a seq, newest first (a range of `ENTRY#`,
 *   at most LEDGER_ITEMS_READ items looked at);
 * - the feed's walk over public challenges (GSI2 `PUBLIC`, by id) and their events
 *   (`EVENT#` ranges), folded into the state at each feed event, at most
 *   FEED_EVENTS_READ events and FEED_CHALLENGES challenges per page.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../schemas/zod';
import type { StoredEntry } from '../domain/ledger';
import { isOcdsFeedEvent, MAX_TRANSACTIONS_PER_RELEASE } from '../domain/ocds';
import { foldFeedPoints, type OcdsFeedPoint } from '../domain/ocds-history';
import type { Stage } from '../schemas/common';
import type { HubEvent } from '../schemas/events';
import { logger } from '../observability';
import { documents, projection, tableName } from './client';
import { decodeCursor, encodeCursor, position } from './cursor';
import { keys, KIND, ranges } from './keys';
import { type Item, itemsInRange, queryRange } from './ranges';

/** Ledger items one package read looks at, at most (about 1 KB each: a few Query pages). */
export const LEDGER_ITEMS_READ = 5_000;
/** Event items one feed page reads, at most; a challenge with a longer history is folded only this far. */
export const FEED_EVENTS_READ = 10_000;
/** Public challenges one feed page looks at, at most (each one Query of its events). */
export const FEED_CHALLENGES = 50;


/** The release's date, and for a cancellation the stage it was cancelled from: one GetItem. */
export async function readReleaseEvent(challengeId: string, seq: number): Promise<{ occurredAt: string; from?: Stage } | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: keys.event(challengeId, seq), ...projection(['event.occurredAt', 'event.type', 'event.data.from']) }),
  );
  const event = Item?.event as { occurredAt: string; type: string; data?: { from?: Stage } } | undefined;
  if (!event) return undefined;
  return { occurredAt: event.occurredAt, ...(event.type === 'ChallengeStageChanged' && event.data?.from ? { from: event.data.from } : {}) };
}

const COST_FIELDS = ['id', 'type', 'amountPence', 'allocations', 'description', 'supplier', 'category', 'reference', 'reason', 'reversesId', 'recordedAt', 'seq'];

/**
 * The challenge's cost and cost_reversal entries recorded at or before `asOfSeq` (each entry
 * stores its event's seq), oldest first: read newest first from the `ENTRY#` range, so when
 * the ledger is longer than the bounds the newest are kept. `complete` is false when the read
 * stopped at a bound (more than MAX_TRANSACTIONS_PER_RELEASE costs, or LEDGER_ITEMS_READ items
 * looked at) with older entries left unread.
 */
export async function readCosts(challengeId: string, asOfSeq: number): Promise<{ costs: StoredEntry[]; complete: boolean }> {
  const pk = keys.challengePartition(challengeId);
  const costs: StoredEntry[] = [];
  let looked = 0;
  let startKey: Item | undefined;
  do {
    const costFields = projection([...COST_FIELDS, 'kind']);
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :first AND :last',
        FilterExpression: '#kind = :entry AND #type IN (:cost, :reversal)',
        ...costFields,
        ExpressionAttributeValues: { ':pk': pk, ':first': keys.firstEntrySk, ':last': keys.lastEntrySk, ':entry': KIND.entry, ':cost': 'cost', ':reversal': 'cost_reversal' },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: LEDGER_ITEMS_READ - looked,
        ExclusiveStartKey: startKey,
      }),
    );
    looked += page.ScannedCount ?? 0;
    // Recorded after the state that was read: not in this release (its seq is beyond the release's).
    for (const item of page.Items ?? []) if (typeof item.seq !== 'number' || item.seq <= asOfSeq) costs.push(item as StoredEntry);
    startKey = page.LastEvaluatedKey;
  } while (startKey && costs.length <= MAX_TRANSACTIONS_PER_RELEASE && looked < LEDGER_ITEMS_READ);
  const complete = startKey === undefined && costs.length <= MAX_TRANSACTIONS_PER_RELEASE;
  if (!complete) logger.warn('OCDS cost read stopped at its bound', { challengeId, costs: costs.length, looked });
  return { costs: costs.reverse(), complete };
}

/** The feed's position: the last release returned (or the last challenge passed), by challenge id then seq. */
const feedPosition = z.strictObject({ id: position.byId.shape.id, seq: z.int().check(z.gte(0), z.lte(9_999_999_999)) });
export type FeedPosition = z.output<typeof feedPosition>;
export const feedCursor = (at: FeedPosition) => encodeCursor(at)!;

export interface FeedPage {
  /** The feed points found, by challenge id then seq. */
  points: OcdsFeedPoint[];
  /** Where to carry on when this page is not the end of the walk. */
  next?: FeedPosition;
}

async function publicChallenges(fromId: string, limit: number, startKey?: Item) {
  const page = await queryRange(ranges.publicChallenges(fromId), { attributes: ['id', 'seq'], limit, startKey });
  return { challenges: page.items as Array<{ id: string; seq: number }>, startKey: page.lastKey };
}

/** Events `from..to` of one challenge, in seq order, at most `max` of them. */
async function readEvents(challengeId: string, from: number, to: number, max: number): Promise<HubEvent[]> {
  const events: HubEvent[] = [];
  if (max <= 0) return events;
  for await (const item of itemsInRange(ranges.events(challengeId, from, to), { pageSize: max, attributes: ['event'] })) {
    events.push(item.event as HubEvent);
    if (events.length >= max) break;
  }
  return events;
}

/**
 * One page of the feed's walk: public challenges in id order from the cursor's, each one's
 * history folded into the state at its feed events after the cursor, until `limit` points
 * or a bound. A challenge's events are read only when it has some after the cursor (its seq
 * says so) and, when resuming inside it, in full only when the new ones hold a feed event.
 * A page always gets through at least one challenge, so the walk always moves on.
 */
export async function feedPage(cursor: string | undefined, limit: number): Promise<FeedPage> {
  const at = decodeCursor(cursor, feedPosition);
  const points: OcdsFeedPoint[] = [];
  let budget = FEED_EVENTS_READ;
  let looked = 0;
  let passed: FeedPosition | undefined = at; // every release up to here has been given
  let startKey: Item | undefined;
  do {
    const listed = await publicChallenges(at?.id ?? '0', Math.min(25, FEED_CHALLENGES - looked), startKey);
    startKey = listed.startKey;
    for (const c of listed.challenges) {
      looked++;
      const after = c.id === at?.id ? at.seq : 0;
      if (c.seq <= after) continue;
      // Not enough left for this one: the next page starts here with the whole budget.
      if (c.seq > budget && budget < FEED_EVENTS_READ) return { points, next: passed! };
      const { found, through } = await challengePoints(c, after, Math.min(c.seq, budget), (read) => (budget -= read));
      passed = { id: c.id, seq: through };
      const room = limit - points.length;
      if (found.length >= room) {
        points.push(...found.slice(0, room));
        // All of this challenge's fitted: carry on after it; else after the last one given.
        return { points, next: found.length > room ? positionOf(points.at(-1)!) : passed };
      }
      points.push(...found);
      if (budget <= 0) return { points, next: passed };
    }
  } while (startKey && looked < FEED_CHALLENGES);
  return startKey ? { points, next: passed! } : { points };
}

/**
 * One challenge's feed points after `after`, folding at most its first `take` events, and the
 * seq it got through: the last event read (an index read may be a moment behind the events),
 * or all of it when its history is longer than a page can fold.
 */
async function challengePoints(c: { id: string; seq: number }, after: number, take: number, spent: (read: number) => void) {
  const cut = take < c.seq;
  if (cut) logger.warn('OCDS feed: a history longer than one page can fold; its later releases are left out', { challengeId: c.id, seq: c.seq, folded: take });
  const through = (events: readonly HubEvent[]) => (cut ? c.seq : (events.at(-1)?.seq ?? after));
  if (after >= take) return { found: [], through: through([]) };
  let events: HubEvent[];
  if (after > 0) {
    // Resuming inside this challenge: the new events first, and the rest only if they hold a feed event.
    const tail = await readEvents(c.id, after + 1, take, take - after);
    spent(tail.length);
    if (!tail.some((e) => isOcdsFeedEvent(e.type))) return { found: [], through: through(tail) };
    const head = await readEvents(c.id, 1, after, after);
    spent(head.length);
    events = [...head, ...tail];
  } else {
    events = await readEvents(c.id, 1, take, take);
    spent(events.length);
  }
  return { found: foldFeedPoints(events, after), through: through(events) };
}

const positionOf = (p: OcdsFeedPoint): FeedPosition => ({ id: p.event.challengeId, seq: p.event.seq });
