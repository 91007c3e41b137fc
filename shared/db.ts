import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keyAttributes } from './table';

/**
 * One client per execution environment, created at module scope so warm
 * invocations reuse its connections. DYNAMODB_ENDPOINT points it at DynamoDB
 * Local; deployed it is unset and the SDK uses the Lambda's region.
 */
export const dynamodb = new DynamoDBClient({
  ...(process.env.DYNAMODB_ENDPOINT ? { endpoint: process.env.DYNAMODB_ENDPOINT } : {}),
  maxAttempts: 4,
});

export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});

/** An item as the API shows it: the table's key attributes removed. */
export function withoutKeys<T extends Record<string, unknown>>(item: T): T {
  const copy: Record<string, unknown> = { ...item };
  for (const attribute of keyAttributes) delete copy[attribute];
  delete copy.expiresAt;
  return copy as T;
}
