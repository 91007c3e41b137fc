/**
 * Webhook subscriptions and their delivery log in the hub's table (keys: ./keys.ts).
 * One round trip per operation where DynamoDB allows it; never a Scan: a council's
 * subscriptions are a Query on GSI1 `SUBSCRIPTIONS#<council>`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { subscriptionWants } from '../fanout/matching';
import type { EventEnvelope } from '../schemas/events';
import type { DeliveryAttempt } from '../schemas/subscription';
import { documents, tableName, withoutKeys } from './client';
import { decodeCursor, encodeCursor, position } from './cursor';
import { DELIVERY_PREFIX, keys, KIND } from './keys';
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
  createdBy: { council: string; sub: string };
  createdAt: string;
  updatedAt: string;
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
  const page = await documents.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: INDEX.byCouncil,
      KeyConditionExpression: 'GSI1PK = :p',
      ExpressionAttributeValues: { ':p': keys.subscriptionsPartition(council) },
      Limit: limit,
      ...(after ? { ExclusiveStartKey: { ...keys.subscription(after.id), ...keys.councilSubscription(council, after.id) } } : {}),
    }),
  );
  const items = (page.Items ?? []).map(asRecord);
  const nextCursor = page.LastEvaluatedKey ? encodeCursor({ id: items.at(-1)!.id }) : undefined;
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

/**
 * Replaces the secret in one conditional update: the current secret becomes the
 * previous one, valid until `previousUntil`. (A second rotation inside that window
 * ends the first one's overlap: only the latest two secrets are ever valid.)
 */
export async function rotateSecret(
  id: string,
  council: string,
  secret: string,
  now: string,
  previousUntil: string,
): Promise<SubscriptionRecord | undefined> {
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.subscription(id),
        UpdateExpression: 'SET previousSecret = secret, secret = :s, previousSecretExpiresAt = :until, updatedAt = :now',
        ConditionExpression: 'attribute_exists(PK) AND council = :c',
        ExpressionAttributeValues: { ':s': secret, ':until': previousUntil, ':now': now, ':c': council },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ? asRecord(Attributes) : undefined;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** 410 Gone: the subscription stops; later deliveries for it are dropped. */
export async function disableSubscription(id: string, reason: string, now: string): Promise<void> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.subscription(id),
        UpdateExpression: 'SET #status = :disabled, disabledReason = :reason, disabledAt = :now, updatedAt = :now',
        ConditionExpression: 'attribute_exists(PK) AND #status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':disabled': 'disabled', ':active': 'active', ':reason': reason, ':now': now },
      }),
    );
  } catch (error) {
    // Already disabled or deleted: nothing more to do.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * The subscriptions an event goes to: one Query of GSI1 per council in its audience
 * (never a Scan), projected without secrets, then filtered by `subscriptionWants`.
 */
export async function matchingSubscriptionIds(event: EventEnvelope): Promise<string[]> {
  const perCouncil = await Promise.all(
    event.audience.map(async (council) => {
      const found: Array<Pick<SubscriptionRecord, 'id' | 'council' | 'status' | 'eventTypes' | 'challengeIds'>> = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: INDEX.byCouncil,
            KeyConditionExpression: 'GSI1PK = :p',
            ExpressionAttributeValues: { ':p': keys.subscriptionsPartition(council) },
            ProjectionExpression: 'id, council, #status, eventTypes, challengeIds',
            ExpressionAttributeNames: { '#status': 'status' },
            ExclusiveStartKey: startKey,
          }),
        );
        found.push(...((page.Items ?? []) as typeof found));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
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
  const pk = keys.subscriptionPartition(subscriptionId);
  const page = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':pk': pk, ':first': `${DELIVERY_PREFIX}0`, ':last': `${DELIVERY_PREFIX}~` },
      ScanIndexForward: false,
      Limit: limit,
      ...(after ? { ExclusiveStartKey: { PK: pk, SK: after.sk } } : {}),
    }),
  );
  const items = (page.Items ?? []).map((item) => {
    const { kind: _kind, subscriptionId: _s, ...attempt } = withoutKeys(item);
    return attempt as unknown as DeliveryAttempt;
  });
  const lastSk = page.LastEvaluatedKey?.SK as string | undefined;
  const nextCursor = encodeCursor(lastSk ? { sk: lastSk } : undefined);
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}
