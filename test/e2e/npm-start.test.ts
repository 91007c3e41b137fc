import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertPortFree } from '../../infra/local/dynamodb-local';
import { freePort } from '../support/ports';
import { killAllNpmStarts, npmStart } from '../support/npm-start';

afterAll(killAllNpmStarts);

async function token(dataDir: string, args: string[]) {
  const child = spawn('npm', ['run', '--silent', 'token', '--', ...args], { env: { ...process.env, HUB_DATA_DIR: dataDir } });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  await new Promise((r) => child.once('exit', r));
  return out.trim();
}

async function waitFor(condition: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(condition()).toBe(true);
}

describe('npm start', () => {
  it('serves the hub on its own DynamoDB Local, keeps data across a restart, and stops cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hub-start-'));
    const env = { PORT: String(await freePort()), DYNAMODB_PORT: String(await freePort()), HUB_DATA_DIR: dataDir };

    const first = await npmStart(env);
    const health = await fetch(`${first.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    console.log(`npm start: listening and healthy after ${Math.round(first.msToListening)} ms (cold, includes DynamoDB Local)`);

    const admin = await token(dataDir, ['--groups', 'hub-admin']);
    const put = await fetch(`${first.url}/v1/councils/E06000026`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Plymouth City Council', kind: 'unitary' }),
    });
    expect(put.status).toBe(201);
    await first.stop();
    await waitFor(() => first.output().includes('stopping the hub'));
    // DynamoDB Local went with it.
    const portFreed = async () => assertPortFree(Number(env.DYNAMODB_PORT), 'DynamoDB Local', '').then(() => true, () => false);
    let freed = false;
    for (let i = 0; i < 100 && !freed; i++) freed = await portFreed() || (await new Promise((r) => setTimeout(r, 100)), false);
    expect(freed).toBe(true);

    const second = await npmStart(env);
    const officer = await token(dataDir, ['--council', 'E06000026', '--groups', 'officer']);
    const read = await fetch(`${second.url}/v1/councils/E06000026`, { headers: { authorization: `Bearer ${officer}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ code: 'E06000026', name: 'Plymouth City Council' });
    await second.stop();
  }, 120_000);

  it('explains in one line when its port is taken', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hub-start-'));
    const env = { PORT: String(await freePort()), DYNAMODB_PORT: String(await freePort()), HUB_DATA_DIR: dataDir };
    const hub = await npmStart(env);
    const clash = spawn('npm', ['start'], { env: { ...process.env, ...env, DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' } });
    let err = '';
    clash.stderr.on('data', (c) => (err += c));
    const code = await new Promise((r) => clash.once('exit', r));
    expect(code).toBe(1);
    expect(err).toContain(`Cannot start the hub: Port ${env.PORT} (the hub) is already in use`);
    await hub.stop();
  }, 120_000);
});
