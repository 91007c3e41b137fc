import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

const bookkeeping = new Set([...keyAttributes, 'expiresAt']);

/**
 * An item as a record: the table's key attributes (and bookkeeping) left out. Copied
 * attribute by attribute rather than spread and `delete`d: deleting turns the copy into
 * a slow dictionary object, about ten times dearer to build and to read (every read of
 * a page of entries makes one per row).
 */
export function withoutKeys<T extends Record<string, unknown>>(item: T): T {
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(item)) if (!bookkeeping.has(name)) copy[name] = item[name];
  return copy as T;
}

/** A ProjectionExpression with its names, for attributes and dotted paths (`event.type`). */
export const projection = (attributes: readonly string[]) => ({
  ProjectionExpression: attributes.map((a) => a.split('.').map((part) => `#${part}`).join('.')).join(', '),
  ExpressionAttributeNames: Object.fromEntries(attributes.flatMap((a) => a.split('.')).map((part) => [`#${part}`, part])),
});
