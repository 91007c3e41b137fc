import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Group } from '../../shared/auth';
import { startHub, type RunningHub } from '../../infra/local/hub';
import { callJson } from './http';

export interface TestHub extends RunningHub {
  tableName: string;
  token(claims: { council?: string; groups: Group[]; sub?: string }): Promise<string>;
  /** fetch against the hub with JSON in and out. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{
    status: number;
    headers: Headers;
    body: any;
  }>;
}

export interface TestHubOptions {
  /**
   * Where the hub's handlers send DynamoDB calls (its DYNAMODB_ENDPOINT): e.g. a
   * fault proxy (test/support/fault-proxy.ts) in front of the run's DynamoDB Local.
   * @default the run's DynamoDB Local
   */
  dynamodbEndpoint?: string;
}

/**
 * The local hub in this test process on a free port, over the run's DynamoDB
 * Local with a table of its own, exactly as `npm start` wires it.
 */
export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const tableName = `hub-test-${randomUUID().slice(0, 8)}`;
  const hub = await startHub({
    port: 0,
    host: '127.0.0.1',
    dynamodbPort: 0,
    dynamodbEndpoint: options.dynamodbEndpoint ?? inject('dynamodbEndpoint'),
    dataDir: await mkdtemp(join(tmpdir(), 'hub-test-')),
    tableName,
  });
  return {
    ...hub,
    tableName,
    token: ({ council, groups, sub }) =>
      hub.keys.sign({ sub: sub ?? `user-${council ?? 'admin'}-${groups.join('-')}`, ...(council ? { council } : {}), groups }),
    call: (method, path, request) => callJson(method, `${hub.url}${path}`, request),
  };
}
