import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config';
import { tracer } from '../observability';
import { keyAttributes } from './table';

/**
 * One client per execution environment, created at module scope so warm
 * invocations reuse its connections, and wrapped by the tracer so deployed
 * traces show every DynamoDB call. DYNAMODB_ENDPOINT points it at DynamoDB Local.
 */
export const dynamodb = tracer.captureAWSv3Client(
  new DynamoDBClient({
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    maxAttempts: 4,
  }),
);

export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});

export const tableName = config.tableName;

/** An item as a record: the table's key attributes (and bookkeeping) removed. */
export function withoutKeys<T extends Record<string, unknown>>(item: T): T {
  const copy: Record<string, unknown> = { ...item };
  for (const attribute of [...keyAttributes, 'expiresAt']) delete copy[attribute];
  return copy as T;
}

type Item = Record<string, unknown>;

/** A ProjectionExpression with its names, for attributes and dotted paths (`event.type`). */
export const projection = (attributes: readonly string[]) => ({
  ProjectionExpression: attributes.map((a) => a.split('.').map((part) => `#${part}`).join('.')).join(', '),
  ExpressionAttributeNames: Object.fromEntries(attributes.flatMap((a) => a.split('.')).map((part) => [`#${part}`, part])),
});

/**
 * Every item of partition `pk` whose sort key lies in [from, to], oldest first, page by
 * page as the reader asks (stopping early reads no further). A key range, never
 * begins_with: DynamoDB (and DynamoDB Local) answer it flat however the partition grows.
 */
export async function* itemsInRange(
  pk: string,
  from: string,
  to: string,
  options: {
    consistent?: boolean;
    pageSize?: number;
    /** Each further Query asks for twice the items of the one before, up to this (a short read stays short, a long one takes big pages). */
    growPageTo?: number;
    attributes?: readonly string[];
  } = {},
): AsyncGenerator<Item> {
  let startKey: Item | undefined;
  let limit = options.pageSize;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
        ConsistentRead: options.consistent ?? false,
        ...(limit ? { Limit: limit } : {}),
        ...(options.attributes ? projection(options.attributes) : {}),
        ExclusiveStartKey: startKey,
      }),
    );
    yield* page.Items ?? [];
    startKey = page.LastEvaluatedKey;
    if (limit && options.growPageTo) limit = Math.max(limit, Math.min(2 * limit, options.growPageTo));
  } while (startKey);
}
