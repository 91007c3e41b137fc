/**
 * The reference subscriber (events/subscriber/), run as a user runs it
 * (`npm run subscriber -- ...`) against the local hub: killed mid-stream and started
 * again on the same --out dir, it ends with a mirror per challenge equal to the pull
 * feed (by id and seq), in seq order, with no duplicates, including the events from
 * before the council joined, which no webhook ever carried to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEvent } from '../../shared/schemas/events';
import { COUNCILS, officerTokens, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { freePort } from '../support/ports';
import { eventually } from '../support/webhook-receiver';

const { birmingham, coventry, westminster } = COUNCILS;
let hub: TestHub;
const officers: Record<string, string> = {};
const running = new Set<ChildProcess>();

beforeAll(async () => {
  // Long enough that retries outlast the subscriber's downtime (a restart takes seconds here).
  process.env.WEBHOOK_RETRY_SCHEDULE_MS = '0,500,1000,2000,4000,8000,15000,30000';
  hub = await startTestHub();
  await registerCouncils(hub, [birmingham, coventry, westminster]);
  Object.assign(officers, await officerTokens(hub, [birmingham, coventry, westminster]));
});
afterAll(async () => {
  for (const child of running) if (child.pid) process.kill(-child.pid, 'SIGKILL');
  await hub?.stop();
  delete process.env.WEBHOOK_RETRY_SCHEDULE_MS;
});

/** `npm run subscriber -- ...` in its own process group, resolved once it listens. */
async function subscriber(args: Record<string, string>) {
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, v]);
  const child = spawn('npm', ['run', '--silent', 'subscriber', '--', ...argv], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stderr!.on('data', (c) => (output += c));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('subscriber listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`subscriber exited ${code}: ${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    process.kill(-child.pid!, signal);
    await exited;
    running.delete(child);
  };
  return { output: () => output, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

const ok = async (p: Promise<{ status: number; body: any }>) => {
  const res = await p;
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
};
const rename = (id: string, title: string) =>
  ok(hub.call('PATCH', `/v1/challenges/${id}`, { token: officers[birmingham.code], body: { title }, headers: { 'if-match': '*' } }));

async function feed(id: string, token: string): Promise<HubEvent[]> {
  const events: HubEvent[] = [];
  for (let after = 0; ; ) {
    const page = await ok(hub.call('GET', `/v1/challenges/${id}/events?after=${after}&limit=100`, { token }));
    events.push(...page.items);
    if (page.items.length === 0 || page.next === after) return events;
    after = page.next;
  }
}

async function mirror(dir: string, id: string): Promise<HubEvent[]> {
  const text = await readFile(join(dir, `${id}.jsonl`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as HubEvent);
}
const idSeq = (events: HubEvent[]) => events.map((e) => `${e.seq}:${e.id}`);

describe('the reference subscriber', () => {
  it('killed mid-stream and restarted, ends with a mirror equal to the pull feed: in order, no duplicates, gaps backfilled', { timeout: 240_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'subscriber-'));
    const port = String(await freePort());
    const token = officers[coventry.code]!;
    const created = await ok(hub.call('POST', '/v1/subscriptions', { token, body: { url: `http://127.0.0.1:${port}/hub` } }));
    const args = { hub: hub.url, token, secret: created.secret, port, out, 'gap-ms': '300' };

    // Two challenges Coventry joins after they began: their first events never reach it by webhook.
    const challenges: string[] = [];
    for (const title of ['Shared fleet maintenance', 'Joint procurement of grit']) {
      const id = (await ok(hub.call('POST', '/v1/challenges', { token: officers[birmingham.code], body: { title } }))).id as string;
      await ok(hub.call('POST', `/v1/challenges/${id}/invitations`, { token: officers[birmingham.code], body: { council: westminster.code, role: 'observer' } }));
      await ok(hub.call('POST', `/v1/challenges/${id}/members/${westminster.code}/accept`, { token: officers[westminster.code] }));
      await rename(id, `${title} (before Coventry)`);
      await ok(hub.call('POST', `/v1/challenges/${id}/invitations`, { token: officers[birmingham.code], body: { council: coventry.code, role: 'partner' } }));
      await ok(hub.call('POST', `/v1/challenges/${id}/members/${coventry.code}/accept`, { token }));
      challenges.push(id);
    }

    let sub = await subscriber(args);
    // A stream of writes, from two writers at once (so deliveries overtake each other).
    let writing = true;
    let writes = 0;
    const writers = challenges.map(async (id, w) => {
      for (let n = 0; writing; n++) {
        await rename(id, `Writer ${w}, change ${n}`);
        writes++;
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    await eventually(() => writes >= 20, '20 writes', 60_000);
    // The first run has met a gap (the events from before Coventry joined) and filled it from the feed.
    await eventually(() => /backfilled \d+ event\(s\) of/.test(sub.output()), 'the first run to backfill from the feed', 60_000);
    await sub.kill(); // mid-stream: deliveries in flight are refused and retried by the hub
    const before = sub.output();
    await eventually(() => writes >= 35, '15 more writes while it is down', 60_000);
    sub = await subscriber(args);
    await eventually(() => writes >= 55, '20 more writes after the restart', 60_000);
    writing = false;
    await Promise.all(writers);

    for (const id of challenges) {
      const expected = idSeq(await feed(id, token));
      await eventually(async () => idSeq(await mirror(out, id)).join() === expected.join(), `the mirror of ${id} to equal the feed`, 90_000).catch(() => undefined);
      const got = await mirror(out, id);
      expect(idSeq(got)).toEqual(expected);
      expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
      for (let i = 1; i < got.length; i++) expect(got[i]!.seq).toBeGreaterThan(got[i - 1]!.seq);
    }
    // The events from before Coventry joined came from the feed (none was addressed to it).
    expect(before).toMatch(/backfilled \d+ event\(s\) of/);
    expect(sub.output()).toMatch(/caught up 2 mirror\(s\) from the feed/);
    console.log(`subscriber: ${writes} writes; first run:\n${before}second run:\n${sub.output()}`);
    expect((await readdir(out)).sort()).toEqual(challenges.map((id) => `${id}.jsonl`).sort());
    await sub.stop();
  });

  it('refuses a delivery it cannot verify', async () => {
    const out = await mkdtemp(join(tmpdir(), 'subscriber-'));
    const port = await freePort();
    const sub = await subscriber({ hub: hub.url, token: officers[coventry.code]!, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`, port: String(port), out });
    const forged = await fetch(`http://127.0.0.1:${port}/hub`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
      body: JSON.stringify({ type: 'ChallengeCreated', data: { id: 'x' } }),
    });
    expect(forged.status).toBe(401);
    expect(await readdir(out)).toEqual([]);
    await sub.stop();
  });
});
