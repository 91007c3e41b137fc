/**
 * Webhook subscriptions and their delivery log in the hub's table (keys: ./keys.ts).
 * One round trip per operation where DynamoDB allows it; never a Scan: a council's
 * subscriptions are a Query on GSI1 `SUBSCRIPTIONS#<council>`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { subscriptionWants } from '../fanout/matching';
import type { EventEnvelope } from '../schemas/events';
import type { DeliveryAttempt } from '../schemas/subscription';
import { documents, tableName, withoutKeys } from './client';
import { decodeCursor, encodeCursor, position } from './cursor';
import { present } from './errors';
import { DELIVERY_PREFIX, keys, KIND, ranges } from './keys';
import { itemsInRange, pagesInRange, queryRange } from './ranges';
import { INDEX } from './table';

export interface SubscriptionRecord {
  id: string;
  council: string;
  url: string;
  eventTypes?: string[];
  challengeIds?: string[];
  status: 'active' | 'disabled';
  /** Current signing secret. Stored in the table (encrypted at rest), never shown after creation or rotation. */
  secret: string;
  previousSecret?: string;
  previousSecretExpiresAt?: string;
  disabledReason?: string;
  disabledAt?: string;
  /**
   * While disabled: the earliest occurredAt of an event it did not receive (the one whose
   * delivery disabled it, lowered by deliveries dropped since), where a replay of what it
   * missed starts. Removed when it is enabled.
   */
  missedSince?: string;
  /** The replay in flight, if any (shared/fanout/replay.ts): at most one per subscription. */
  replay?: ReplayState;
  createdBy: { council: string; sub: string };
  createdAt: string;
  updatedAt: string;
}

/**
 * A replay's progress, kept on the subscription item: that item is the lock (one running
 * replay per subscription). `finished` counts replayed deliveries that reached an end
 * (delivered, failed, disabled or dropped); the replay ends when it reaches `events`, or
 * at `expiresAt` whatever happened (a crashed deliverer must not hold the lock for ever).
 */
export interface ReplayState {
  replayId: string;
  events: number;
  finished: number;
  startedAt: string;
  expiresAt: string;
}

/** Attempts are kept this long (TTL), then DynamoDB removes them. */
export const DELIVERY_LOG_TTL_SECONDS = 30 * 24 * 60 * 60;

const asRecord = (item: Record<string, unknown>) => {
  const { kind: _kind, ...rest } = withoutKeys(item);
  return rest as unknown as SubscriptionRecord;
};

export async function putNewSubscription(record: SubscriptionRecord): Promise<void> {
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.subscription(record.id), ...keys.councilSubscription(record.council, record.id), kind: KIND.subscription, ...record },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
}

export async function getSubscription(id: string): Promise<SubscriptionRecord | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: keys.subscription(id), ConsistentRead: true }));
  return Item ? asRecord(Item) : undefined;
}

/** Subscription `id` of `council`; a MissingItemError when there is none, or it is another council's (to the caller, as absent). */
export async function councilSubscription(id: string, council: string | undefined): Promise<SubscriptionRecord> {
  const found = await getSubscription(id);
  return present(found?.council === council ? found : undefined, 'subscription', id);
}

export async function countCouncilSubscriptions(council: string): Promise<number> {
  const { Count = 0 } = await documents.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: INDEX.byCouncil,
      KeyConditionExpression: 'GSI1PK = :p',
      ExpressionAttributeValues: { ':p': keys.subscriptionsPartition(council) },
      Select: 'COUNT',
    }),
  );
  return Count;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export async function listCouncilSubscriptions(council: string, limit: number, cursor: string | undefined): Promise<Page<SubscriptionRecord>> {
  const after = decodeCursor(cursor, position.byId);
  const page = await queryRange(ranges.councilSubscriptions(council), {
    limit,
    startKey: after ? { ...keys.subscription(after.id), ...keys.councilSubscription(council, after.id) } : undefined,
  });
  const items = page.items.map(asRecord);
  const nextCursor = page.lastKey ? encodeCursor({ id: items.at(-1)!.id }) : undefined;
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}

/** Deletes the council's subscription; false when there is none (another council's counts as none). */
export async function deleteSubscription(id: string, council: string): Promise<boolean> {
  try {
    await documents.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keys.subscription(id),
        ConditionExpression: 'attribute_exists(PK) AND council = :c',
        ExpressionAttributeValues: { ':c': council },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

type SubscriptionUpdate = Pick<UpdateCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

/**
 * One conditional update of a subscription item: the item as it is after it, or
 * undefined when the condition did not hold (and nothing was written).
 */
async function updateIf(id: string, update: SubscriptionUpdate): Promise<Record<string, unknown> | undefined> {
  try {
    const { Attributes } = await documents.send(new UpdateCommand({ TableName: tableName, Key: keys.subscription(id), ReturnValues: 'ALL_NEW', ...update }));
    return Attributes ?? {};
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

const updatedRecord = async (id: string, update: SubscriptionUpdate) => {
  const item = await updateIf(id, update);
  return item ? asRecord(item) : undefined;
};

/**
 * Replaces the secret in one conditional update: the current secret becomes the
 * previous one, valid until `previousUntil`. (A second rotation inside that window
 * ends the first one's overlap: only the latest two secrets are ever valid.)
 */
export const rotateSecret = (id: string, council: string, secret: string, now: string, previousUntil: string): Promise<SubscriptionRecord | undefined> =>
  updatedRecord(id, {
    UpdateExpression: 'SET previousSecret = secret, secret = :s, previousSecretExpiresAt = :until, updatedAt = :now',
    ConditionExpression: 'attribute_exists(PK) AND council = :c',
    ExpressionAttributeValues: { ':s': secret, ':until': previousUntil, ':now': now, ':c': council },
  });

/**
 * 410 Gone or retries exhausted: the subscription stops; later deliveries for it are
 * dropped. `missedSince` is the occurredAt of the event that was not delivered. False
 * when it was already disabled (or is gone).
 */
export async function disableSubscription(id: string, reason: string, now: string, missedSince: string): Promise<boolean> {
  const disabled = await updateIf(id, {
    UpdateExpression: 'SET #status = :disabled, disabledReason = :reason, disabledAt = :now, missedSince = :missed, updatedAt = :now',
    ConditionExpression: 'attribute_exists(PK) AND #status = :active',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':disabled': 'disabled', ':active': 'active', ':reason': reason, ':now': now, ':missed': missedSince },
  });
  return disabled !== undefined;
}

/** A delivery dropped because the subscription is disabled: what it missed starts no later than this event. */
export async function noteMissedEvent(id: string, occurredAt: string): Promise<void> {
  await updateIf(id, {
    UpdateExpression: 'SET missedSince = :t',
    // ISO times in one format sort as text.
    ConditionExpression: '#status = :disabled AND (attribute_not_exists(missedSince) OR missedSince > :t)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':disabled': 'disabled', ':t': occurredAt },
  });
}

/**
 * Turns a disabled subscription of `council` back on, forgetting why it stopped and
 * any replay that was in flight. Undefined when it is not (or no longer) disabled, or not the council's.
 */
export const enableSubscription = (id: string, council: string, now: string): Promise<SubscriptionRecord | undefined> =>
  updatedRecord(id, {
    UpdateExpression: 'SET #status = :active, updatedAt = :now REMOVE disabledAt, disabledReason, missedSince, #replay',
    ConditionExpression: 'attribute_exists(PK) AND council = :c AND #status = :disabled',
    ExpressionAttributeNames: { '#status': 'status', '#replay': 'replay' },
    ExpressionAttributeValues: { ':active': 'active', ':disabled': 'disabled', ':now': now, ':c': council },
  });

/**
 * Takes the subscription's replay lock: one conditional update, which holds only while
 * the subscription is the council's, active, and has no replay running (none, or the
 * last one finished or expired). Undefined when it does not hold.
 */
export const startReplay = (id: string, council: string, replay: ReplayState): Promise<SubscriptionRecord | undefined> =>
  updatedRecord(id, {
    UpdateExpression: 'SET #replay = :replay',
    ConditionExpression:
      'attribute_exists(PK) AND council = :c AND #status = :active AND ' +
      '(attribute_not_exists(#replay) OR #replay.#finished >= #replay.#events OR #replay.#expiresAt <= :now)',
    // Aliased throughout: several of these names are, or may become, DynamoDB reserved words.
    ExpressionAttributeNames: { '#status': 'status', '#replay': 'replay', '#finished': 'finished', '#events': 'events', '#expiresAt': 'expiresAt' },
    ExpressionAttributeValues: { ':replay': replay, ':c': council, ':active': 'active', ':now': replay.startedAt },
  });

/** Releases the lock of replay `replayId` (a replay that could not queue its deliveries). */
export async function endReplay(id: string, replayId: string): Promise<void> {
  await updateIf(id, {
    UpdateExpression: 'REMOVE #replay',
    ConditionExpression: '#replay.replayId = :r',
    ExpressionAttributeNames: { '#replay': 'replay' },
    ExpressionAttributeValues: { ':r': replayId },
  });
}

/**
 * One replayed delivery reached its end. Counted on the subscription (SET, since ADD
 * cannot reach a nested attribute); the last one releases the lock. A redelivered
 * message may count twice and end the replay a little early: the lock bounds replays,
 * it is not a ledger of them.
 */
export async function replayDeliveryFinished(id: string, replayId: string): Promise<void> {
  // The whole item comes back (UPDATED_NEW would return only replay.finished; the total is needed too).
  const after = (
    await updateIf(id, {
      UpdateExpression: 'SET #replay.#finished = #replay.#finished + :one',
      ConditionExpression: '#replay.replayId = :r',
      ExpressionAttributeNames: { '#replay': 'replay', '#finished': 'finished' },
      ExpressionAttributeValues: { ':one': 1, ':r': replayId },
    })
  )?.replay as ReplayState | undefined;
  if (after && after.finished >= after.events) await endReplay(id, replayId);
}

/**
 * The subscriptions an event goes to: one Query of GSI1 per council in its audience
 * (never a Scan), projected without secrets, then filtered by `subscriptionWants`.
 */
export async function matchingSubscriptionIds(event: EventEnvelope): Promise<string[]> {
  const perCouncil = await Promise.all(
    event.audience.map(async (council) => {
      const found: Array<Pick<SubscriptionRecord, 'id' | 'council' | 'status' | 'eventTypes' | 'challengeIds'>> = [];
      const range = itemsInRange(ranges.councilSubscriptions(council), { attributes: ['id', 'council', 'status', 'eventTypes', 'challengeIds'] });
      for await (const item of range) found.push(item as (typeof found)[number]);
      return found;
    }),
  );
  return perCouncil.flat().filter((s) => subscriptionWants(s, event)).map((s) => s.id);
}

export async function logDeliveryAttempt(subscriptionId: string, attempt: DeliveryAttempt): Promise<void> {
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.delivery(subscriptionId, attempt.at, attempt.eventId, attempt.attempt),
        kind: KIND.delivery,
        subscriptionId,
        ...attempt,
        expiresAt: Math.floor(Date.parse(attempt.at) / 1000) + DELIVERY_LOG_TTL_SECONDS,
      },
    }),
  );
}

/** A subscription's attempts, newest first. */
export async function listDeliveries(subscriptionId: string, limit: number, cursor: string | undefined): Promise<Page<DeliveryAttempt>> {
  const after = decodeCursor(cursor, position.bySk(DELIVERY_PREFIX));
  const page = await queryRange(ranges.deliveries(subscriptionId), {
    backwards: true,
    limit,
    startKey: after ? { PK: keys.subscriptionPartition(subscriptionId), SK: after.sk } : undefined,
  });
  const items = page.items.map((item) => {
    const { kind: _kind, subscriptionId: _s, ...attempt } = withoutKeys(item);
    return attempt as unknown as DeliveryAttempt;
  });
  const lastSk = page.lastKey?.SK as string | undefined;
  const nextCursor = encodeCursor(lastSk ? { sk: lastSk } : undefined);
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}

/**
 * The challenges a council has (or had) a membership record in, invited, requesting,
 * declined and withdrawn included: a Query of GSI1 `COUNCIL#<code>`, in challenge id
 * (creation) order, at most `limit` of them.
 */
export async function councilChallengeIds(council: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  if (limit <= 0) return ids;
  // Each Query asks only for what is still wanted.
  for await (const item of itemsInRange(ranges.councilMemberships(council), { attributes: ['challengeId'], pageSize: () => limit - ids.length })) {
    ids.push(item.challengeId as string);
    if (ids.length >= limit) break;
  }
  return ids;
}

/** A challenge's events from seq `fromSeq` on, each with the request id of the write that made it, page by page in seq order: a key range on `EVENT#<seq>`. */
export async function* challengeEventPages(challengeId: string, fromSeq: number, pageSize = 500): AsyncGenerator<Array<{ event: EventEnvelope; requestId: string | undefined }>> {
  for await (const page of pagesInRange(ranges.events(challengeId, fromSeq), { attributes: ['event', 'requestId'], pageSize })) {
    yield page.map((i) => ({ event: i.event as EventEnvelope, requestId: i.requestId as string | undefined }));
  }
}
