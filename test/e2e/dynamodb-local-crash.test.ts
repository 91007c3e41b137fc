/**
 * What a crash of the local hub does to DynamoDB Local (README, "What a local crash
 * can lose"). DynamoDB Local can acknowledge a TransactWriteItems a few ms before its
 * SQLite COMMIT, so only a SIGKILL of the JVM itself loses acknowledged writes. The
 * launcher keeps the JVM out of the hub's process group and stops it with SIGTERM
 * when the hub dies, however it dies. (The race is timing-dependent: this test shows
 * the mechanism; the loss it prevents was measured by hand, see the report.)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { assertPortFree, localClient, startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { freePort } from '../support/ports';

const repoRoot = join(import.meta.dirname, '..', '..');
const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) {
    if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  }
});

/** A process that starts DynamoDB Local as the hub does, makes `writes` acknowledged transactions, and waits to be killed. */
function hubLikeProcess(port: number, dataDir: string, writes: number) {
  const script = `
    import { CreateTableCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
    import { localClient, startDynamoDbLocal } from './infra/local/dynamodb-local.ts';
    const db = await startDynamoDbLocal({ port: ${port}, dataDir: ${JSON.stringify(dataDir)} });
    const client = localClient(db.endpoint);
    await client.send(new CreateTableCommand({ TableName: 'crash', BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] }));
    await Promise.all(Array.from({ length: ${writes} }, (_, i) => client.send(new TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: 'crash', Item: { pk: { S: 'a' + i } }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: 'crash', Item: { pk: { S: 'b' + i } } } },
    ] }))));
    process.stdout.write('acknowledged\\n');
    setInterval(() => undefined, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    detached: true, // its own process group, as npm start has in a terminal
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stderr!.on('data', (c) => (output += c));
  const acknowledged = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c) => {
      output += c;
      if (output.includes('acknowledged')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
  return { child, acknowledged };
}

async function portFreedWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await assertPortFree(port, 'DynamoDB Local', '').then(() => true, () => false)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe('DynamoDB Local when the local hub is SIGKILLed', () => {
  it('stops on its own (no JVM left holding the port) and keeps every acknowledged write', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hub-crash-'));
    const port = await freePort();
    const writes = 20;
    const hub = hubLikeProcess(port, dataDir, writes);
    await hub.acknowledged;
    // The JVM is outside the hub's process group, so the group's SIGKILL cannot reach it.
    const jvm = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
      .split('\n')
      .find((line) => line.includes('DynamoDBLocal.jar') && line.includes(dataDir));
    const [, jvmGroup] = jvm?.trim().split(/\s+/) ?? [];
    expect(jvmGroup, 'the JVM process').toBeDefined();
    expect(Number(jvmGroup)).not.toBe(hub.child.pid);
    const gone = new Promise((r) => hub.child.once('exit', r));
    process.kill(-hub.child.pid!, 'SIGKILL'); // the whole process group, right after the last acknowledgement
    await gone;
    expect(await portFreedWithin(port, 20_000)).toBe(true);

    const db = await startDynamoDbLocal({ port, dataDir });
    const client = localClient(db.endpoint);
    try {
      const { Items = [] } = await client.send(new ScanCommand({ TableName: 'crash' }));
      expect(Items.length).toBe(writes * 2);
    } finally {
      client.destroy();
      await db.stop();
    }
    expect(await portFreedWithin(port, 20_000)).toBe(true);
  }, 120_000);
});
