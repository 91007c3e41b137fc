/**
 * Nothing pending is lost when the local hub dies: `npm start` as a user runs it, a
 * burst of writes, SIGKILL of its whole process group mid-burst, a restart on the same
 * data dir. Every event that reached the table (the pull feed, read after the restart)
 * must reach the webhook receiver: duplicates are allowed (at least once) and counted,
 * losses are not. The kill lands while events are in every stage: in the stream not
 * yet polled, on the dispatch queue, on the delivery queue, mid-POST.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeys } from '../../infra/local/auth';
import type { HubEvent } from '../../shared/schemas/events';
import { COUNCILS } from '../support/councils';
import { freePort } from '../support/ports';
import { killAllNpmStarts, npmStart, type NpmStart } from '../support/npm-start';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';

const { birmingham } = COUNCILS;
afterAll(killAllNpmStarts);


type Hub = NpmStart;

async function call(hub: Hub, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(method === 'PATCH' ? { 'if-match': '*' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Writers renaming their own challenge in a loop until told to stop (or the hub dies under them). */
function burst(hub: Hub, token: string, challenges: string[]) {
  let stopped = false;
  let acknowledged = 0;
  const writers = challenges.map(async (id, w) => {
    for (let n = 0; !stopped; n++) {
      try {
        const res = await call(hub, token, 'PATCH', `/v1/challenges/${id}`, { title: `Writer ${w}, write ${n}` });
        if (res.status === 200) acknowledged++;
      } catch {
        return; // the hub is gone
      }
    }
  });
  return {
    acknowledged: () => acknowledged,
    async stop() {
      stopped = true;
      await Promise.all(writers);
    },
  };
}

async function feed(hub: Hub, token: string, id: string): Promise<HubEvent[]> {
  const events: HubEvent[] = [];
  for (let after = 0; ; ) {
    const page = await call(hub, token, 'GET', `/v1/challenges/${id}/events?after=${after}&limit=100`);
    expect(page.status).toBe(200);
    events.push(...page.body.items);
    if (page.body.items.length === 0 || page.body.next === after) return events;
    after = page.body.next;
  }
}

describe('the local hub killed mid-burst', () => {
  it('delivers every entitled event after a restart on the same data dir: none lost, duplicates counted', { timeout: 300_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hub-durable-'));
    const env = { PORT: String(await freePort()), DYNAMODB_PORT: String(await freePort()), HUB_DATA_DIR: dataDir, HUB_STREAM_POLL_MS: '50' };
    const keys = await loadOrCreateKeys(dataDir);
    const admin = await keys.sign({ sub: 'admin', groups: ['hub-admin'] });
    const officer = await keys.sign({ sub: 'officer-bham', council: birmingham.code, groups: ['officer'] });
    const receiver = await new WebhookReceiver().start();

    let hub = await npmStart(env);
    expect((await call(hub, admin, 'PUT', `/v1/councils/${birmingham.code}`, { name: birmingham.name, kind: birmingham.kind })).status).toBe(201);
    const created = await call(hub, officer, 'POST', '/v1/subscriptions', { url: `${receiver.url}/hook` });
    expect(created.status).toBe(201);
    receiver.secrets('/hook', [created.body.secret]);
    const challenges: string[] = [];
    for (let i = 0; i < 6; i++) challenges.push((await call(hub, officer, 'POST', '/v1/challenges', { title: `Durable ${i}` })).body.id);

    // Three kills mid-burst, the writers still going. Each lands ~150 ms after the receiver
    // took a delivery: the moment the events just behind it are on the local queues.
    const kills: number[] = [];
    for (const killAfter of [30, 20, 20]) {
      const writing = burst(hub, officer, challenges);
      await eventually(() => writing.acknowledged() >= killAfter, `${killAfter} acknowledged writes`, 120_000);
      const seen = receiver.received.length;
      await eventually(() => receiver.received.length > seen, 'a delivery during the burst', 30_000);
      await new Promise((r) => setTimeout(r, 150));
      await hub.kill();
      kills.push(writing.acknowledged());
      await writing.stop();
      hub = await npmStart(env);
    }

    // Whatever reached the table, acknowledged or not, is in the feed: all of it was Birmingham's.
    const events = (await Promise.all(challenges.map((id) => feed(hub, officer, id)))).flat();
    const entitled = events.filter((e) => e.audience.includes(birmingham.code));
    expect(entitled.length).toBeGreaterThanOrEqual(6 + kills.reduce((a, b) => a + b, 0));
    await eventually(() => entitled.every((e) => receiver.accepted('/hook').some((r) => r.id === e.id)), 'every entitled event at the receiver', 60_000).catch(() => undefined);

    const got = new Set(receiver.accepted('/hook').map((e) => e.id));
    const lost = entitled.filter((e) => !got.has(e.id));
    const deliveries = receiver.received.filter((r) => r.path === '/hook').length;
    console.log(
      `delivery durability: ${entitled.length} events, ${kills.length} kills (after ${kills.join(', ')} acknowledged writes), ` +
        `${deliveries} deliveries, ${deliveries - got.size} duplicates, ${lost.length} lost`,
    );
    expect(lost.map((e) => `${e.challengeId}#${e.seq}`)).toEqual([]);
    expect(receiver.rejected).toEqual([]);
    // Nothing else: every delivery was one of those events.
    expect([...got].every((id) => entitled.some((e) => e.id === id))).toBe(true);
    // And the delivery log says so: a delivered attempt for each. The deliverer writes its log
    // row after the receiver's 2xx, so the last rows may still be on their way: read until they are.
    const logged = new Set<string>();
    const readLog = async () => {
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await call(hub, officer, 'GET', `/v1/subscriptions/${created.body.id}/deliveries?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        for (const d of page.body.items as Array<{ eventId: string; outcome: string }>) if (d.outcome === 'delivered') logged.add(d.eventId);
        cursor = page.body.nextCursor;
      }
      return entitled.every((e) => logged.has(e.id));
    };
    for (let deadline = Date.now() + 30_000; !(await readLog()) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
    expect(entitled.filter((e) => !logged.has(e.id)).map((e) => `${e.challengeId}#${e.seq}`)).toEqual([]);

    await hub.stop();
    await receiver.stop();
  });
});
