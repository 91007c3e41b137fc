/**
 * The cold-start yardstick: a handler that only creates a DynamoDB DocumentClient,
 * bundled with the same esbuild settings as every function (infra/bundling.ts).
 * Each function's init time is measured against this one's, built in the same run.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async () => ({ statusCode: 204, headers: { 'x-client': typeof documents.send } });
