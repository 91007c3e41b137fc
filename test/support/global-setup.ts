import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { freePort } from './ports';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

/** DynamoDB Local, in memory, once per test run; stopped when the run ends. */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}
