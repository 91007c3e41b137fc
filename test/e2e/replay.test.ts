/**
 * Webhook replay and re-enable, over HTTP against the local hub: a replay re-sends,
 * through the same signed delivery path and retry schedule, exactly what the
 * subscription was entitled to live (the audience at each event's time, its filters),
 * and nothing of a challenge reaches a council not entitled to it. The ground truth is
 * the table's own event items, read directly, so it does not depend on what the pull
 * feed shows a member.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb-local';
import type { HubEvent } from '../../shared/schemas/events';
import { COUNCILS, officerTokens, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';

const { birmingham, coventry, westminster, plymouth } = COUNCILS;
let hub: TestHub;
let receiver: WebhookReceiver;
let table: DynamoDBDocumentClient;
const officers: Record<string, string> = {};
let reader: string; // a Coventry user without the officer group

beforeAll(async () => {
  process.env.WEBHOOK_RETRY_SCHEDULE_MS = '0,20,40,80';
  receiver = await new WebhookReceiver().start();
  hub = await startTestHub();
  table = DynamoDBDocumentClient.from(localClient(hub.dynamodbEndpoint));
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth]);
  Object.assign(officers, await officerTokens(hub, [birmingham, coventry, westminster, plymouth]));
  reader = await hub.token({ council: coventry.code, groups: [], sub: 'reader-coventry' });
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  table?.destroy();
  delete process.env.WEBHOOK_RETRY_SCHEDULE_MS;
});

type Delivery = { eventId: string; challengeId: string; seq: number; attempt: number; statusCode?: number; outcome: string; replayId?: string };

async function subscribe(council: string, path: string, filters: { eventTypes?: string[]; challengeIds?: string[] } = {}, url = `${receiver.url}${path}`) {
  const created = await hub.call('POST', '/v1/subscriptions', { token: officers[council], body: { url, ...filters } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  receiver.secrets(path, [created.body.secret]);
  return created.body as { id: string; secret: string };
}

async function newChallenge(lead: string, title: string): Promise<string> {
  const created = await hub.call('POST', '/v1/challenges', { token: officers[lead], body: { title } });
  expect(created.status).toBe(201);
  return created.body.id;
}
const ok = async (p: Promise<{ status: number; body: unknown }>) => {
  const res = await p;
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res;
};
const invite = (id: string, lead: string, council: string, role = 'partner') =>
  ok(hub.call('POST', `/v1/challenges/${id}/invitations`, { token: officers[lead], body: { council, role } }));
const answer = (id: string, council: string, how: 'accept' | 'decline') => ok(hub.call('POST', `/v1/challenges/${id}/members/${council}/${how}`, { token: officers[council] }));
const rename = (id: string, lead: string, title: string) =>
  ok(hub.call('PATCH', `/v1/challenges/${id}`, { token: officers[lead], body: { title }, headers: { 'if-match': '*' } }));

/** Every event of a challenge, straight from its EVENT# items. */
async function tableEvents(challengeId: string): Promise<HubEvent[]> {
  const { Items = [] } = await table.send(
    new QueryCommand({
      TableName: hub.tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':pk': `CHALLENGE#${challengeId}`, ':a': 'EVENT#0', ':b': 'EVENT#9999999999' },
    }),
  );
  return Items.map((i) => i.event as HubEvent);
}
const entitledOf = (events: HubEvent[], council: string) => events.filter((e) => e.audience.includes(council));
const ids = (events: Array<{ id: string }>) => events.map((e) => e.id).sort();

const deliveries = async (subscriptionId: string, council: string): Promise<Delivery[]> => {
  const all: Delivery[] = [];
  let cursor: string | undefined;
  do {
    const page = await hub.call('GET', `/v1/subscriptions/${subscriptionId}/deliveries?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token: officers[council] });
    expect(page.status).toBe(200);
    all.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return all;
};
const read = async (subscriptionId: string, council: string) => (await hub.call('GET', `/v1/subscriptions/${subscriptionId}`, { token: officers[council] })).body;
const replay = (subscriptionId: string, council: string, body: unknown = {}) =>
  hub.call('POST', `/v1/subscriptions/${subscriptionId}/replay`, { token: officers[council], body });

/** The replay's deliveries all ended: the subscription shows no running replay and the log has them. */
async function replayFinished(subscriptionId: string, council: string, replayId: string, events: number) {
  await eventually(async () => (await read(subscriptionId, council)).replay === undefined, `replay ${replayId} to end`, 15_000);
  await eventually(
    async () => new Set((await deliveries(subscriptionId, council)).filter((d) => d.replayId === replayId && d.outcome === 'delivered').map((d) => d.eventId)).size === events,
    `the ${events} replayed deliveries in the log`,
  );
  return (await deliveries(subscriptionId, council)).filter((d) => d.replayId === replayId);
}

describe('replay', () => {
  let a: string; // Birmingham leads; Westminster joins; later Coventry is invited and joins
  let b: string; // Birmingham alone
  let c: string; // Plymouth invites Coventry, which declines
  let sub: { id: string };

  beforeAll(async () => {
    sub = await subscribe(coventry.code, '/cov');
    a = await newChallenge(birmingham.code, 'Shared fleet maintenance');
    await invite(a, birmingham.code, westminster.code);
    await answer(a, westminster.code, 'accept');
    // 15 renames, so Coventry is invited at seq 19 and joins at seq 20 (the issue's late joiner).
    for (let i = 1; i <= 15; i++) await rename(a, birmingham.code, `Before Coventry: ${i}`);
    await invite(a, birmingham.code, coventry.code);
    await answer(a, coventry.code, 'accept');
    await rename(a, birmingham.code, 'With Coventry: 1');
    await rename(a, birmingham.code, 'With Coventry: 2');
    b = await newChallenge(birmingham.code, 'Birmingham only');
    await rename(b, birmingham.code, 'Still Birmingham only');
    c = await newChallenge(plymouth.code, 'Coastal flood sensors');
    await invite(c, plymouth.code, coventry.code);
    await answer(c, coventry.code, 'decline');
    await rename(c, plymouth.code, 'Plymouth carries on');
  });

  it('the late joiner (seq 20) reads the whole feed from seq 1, gapless, events before it joined included', async () => {
    const eventsA = await tableEvents(a);
    expect(eventsA.find((e) => e.type === 'MemberJoined' && e.audience.includes(coventry.code) && (e.data as { council?: string }).council === coventry.code)?.seq).toBe(20);
    const read: Array<{ id: string; seq: number }> = [];
    for (let after = 0; ; ) {
      const page = await hub.call('GET', `/v1/challenges/${a}/events?after=${after}&limit=7`, { token: officers[coventry.code] });
      expect(page.status).toBe(200);
      if (page.body.items.length === 0) break;
      read.push(...page.body.items);
      after = page.body.next;
    }
    expect(read.map((e) => e.seq)).toEqual(eventsA.map((_, i) => i + 1));
    expect(read.map((e) => e.id)).toEqual(eventsA.map((e) => e.id));
  });

  it('live: a council that joins later receives only what was addressed to it, from its invitation on', async () => {
    const [eventsA, eventsC] = [await tableEvents(a), await tableEvents(c)];
    const entitled = [...entitledOf(eventsA, coventry.code), ...entitledOf(eventsC, coventry.code)];
    // A's creation, Westminster's joining and the renames before the invitation were never Coventry's.
    expect(entitledOf(eventsA, coventry.code).length).toBeLessThan(eventsA.length);
    expect(entitledOf(eventsA, coventry.code)[0]!.type).toBe('MemberInvited');
    await eventually(() => receiver.accepted('/cov').length >= entitled.length, 'the live deliveries');
    await new Promise((r) => setTimeout(r, 300));
    expect(ids(receiver.accepted('/cov'))).toEqual(ids(entitled));
  });

  it('from seq 1 of one challenge, re-sends exactly what the council was entitled to at each event, oldest first', async () => {
    const expected = entitledOf(await tableEvents(a), coventry.code);
    const before = receiver.received.length;
    const res = await replay(sub.id, coventry.code, { challengeId: a, fromSeq: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ replayId: expect.any(String), events: expected.length, truncated: false });

    const attempts = await replayFinished(sub.id, coventry.code, res.body.replayId, expected.length);
    expect(ids(attempts.map((d) => ({ id: d.eventId })))).toEqual(ids(expected));
    expect(attempts.every((d) => d.challengeId === a && d.attempt === 1 && d.statusCode === 204)).toBe(true);

    // What reached the receiver: signed (it verified every one), only A, only events addressed to Coventry.
    const sent = receiver.received.slice(before).filter((r) => r.path === '/cov');
    expect(ids(sent.map((r) => r.event))).toEqual(ids(expected));
    expect(sent.every((r) => r.event.challengeId === a && r.event.audience.includes(coventry.code))).toBe(true);
    expect(receiver.rejected).toEqual([]);
    // The same event object as live: webhook-id is the event id, so a receiver dedupes a replay for free.
    for (const r of sent) expect(r.headers['webhook-id']).toBe(r.event.id);
  });

  it("with no challenge: every challenge the council is in, invitations it declined included, nothing of others'", async () => {
    const expected = [...entitledOf(await tableEvents(a), coventry.code), ...entitledOf(await tableEvents(c), coventry.code)];
    const res = await replay(sub.id, coventry.code, {});
    expect(res.status).toBe(202);
    expect(res.body.events).toBe(expected.length);
    const attempts = await replayFinished(sub.id, coventry.code, res.body.replayId, expected.length);
    expect(ids(attempts.map((d) => ({ id: d.eventId })))).toEqual(ids(expected));
    expect(attempts.some((d) => d.challengeId === b)).toBe(false);
    // C: only the invitation and the decline (about Coventry itself), never Plymouth's own rename.
    expect(attempts.filter((d) => d.challengeId === c)).toHaveLength(2);
  });

  it("a challenge the council was never in replays nothing, and says so without taking the lock", async () => {
    const res = await replay(sub.id, coventry.code, { challengeId: b });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ events: 0, truncated: false });
    expect((await read(sub.id, coventry.code)).replay).toBeUndefined();
  });

  it('narrows by the window (since/until) and by the subscription’s own filters', async () => {
    const eventsA = entitledOf(await tableEvents(a), coventry.code);
    const joined = eventsA.find((e) => e.type === 'MemberJoined')!;
    const windowed = await replay(sub.id, coventry.code, { challengeId: a, since: joined.occurredAt, until: eventsA.at(-1)!.occurredAt });
    expect(windowed.status).toBe(202);
    const inWindow = eventsA.filter((e) => e.occurredAt >= joined.occurredAt && e.occurredAt < eventsA.at(-1)!.occurredAt);
    expect(windowed.body.events).toBe(inWindow.length);
    await replayFinished(sub.id, coventry.code, windowed.body.replayId, inWindow.length);

    const joinsOnly = await subscribe(coventry.code, '/cov-joins', { eventTypes: ['MemberJoined', 'MemberDeclined'] });
    const res = await replay(joinsOnly.id, coventry.code, {});
    expect(res.status).toBe(202);
    expect(res.body.events).toBe(2);
    const attempts = await replayFinished(joinsOnly.id, coventry.code, res.body.replayId, 2);
    expect(attempts.map((d) => d.challengeId).sort()).toEqual([a, c].sort());
  });

  it('a replay stops sending once the subscription is disabled mid-way (a 410): its pending retries are dropped, the lock ends', async () => {
    const expected = entitledOf(await tableEvents(a), birmingham.code);
    const sub = await subscribe(birmingham.code, '/gone-mid-replay', { challengeIds: [a] });
    // Every attempt fails with 500 (so each event is retried on the 0, 20, 40, 80 ms schedule),
    // except the first event's second attempt, which answers 410 and disables the subscription.
    const firstSeq = Math.min(...expected.map((e) => e.seq));
    receiver.respond('/gone-mid-replay', (event, seen) => (event.seq === firstSeq && seen === 2 ? 410 : 500));
    const res = await replay(sub.id, birmingham.code, { challengeId: a });
    expect(res.status).toBe(202);
    expect(res.body.events).toBe(expected.length);
    await eventually(async () => {
      const now = await read(sub.id, birmingham.code);
      return now.status === 'disabled' && now.replay === undefined;
    }, 'disabled, and the replay ended');
    expect((await read(sub.id, birmingham.code)).disabledReason).toContain('410');
    const sentTo = () => receiver.received.filter((r) => r.path === '/gone-mid-replay').length;
    const sent = sentTo();
    await new Promise((r) => setTimeout(r, 500));
    expect(sentTo(), 'nothing is sent once it is disabled').toBe(sent);
    // Without the rule every other event would have had all 4 attempts; their later retries were dropped instead.
    expect(sent).toBeLessThan(expected.length * 4 - 2);
    const log = await deliveries(sub.id, birmingham.code);
    expect(log).toHaveLength(sent);
    expect(log.every((d) => d.replayId === res.body.replayId)).toBe(true);
    expect(log.filter((d) => d.outcome === 'disabled' && d.statusCode === 410)).toHaveLength(1);
  });

  it('one replay at a time per subscription: 409 replay_in_progress while one runs', async () => {
    const gate = await holdingReceiver();
    const held = await subscribe(coventry.code, '/held', {}, `${gate.url}/held`);
    const first = await replay(held.id, coventry.code, { challengeId: a });
    expect(first.status).toBe(202);
    await eventually(() => gate.waiting() > 0, 'the first replayed delivery to reach the held receiver');
    expect((await read(held.id, coventry.code)).replay).toMatchObject({ replayId: first.body.replayId, events: first.body.events, finished: 0 });
    const second = await replay(held.id, coventry.code, { challengeId: a });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('replay_in_progress');
    gate.release();
    await eventually(async () => (await read(held.id, coventry.code)).replay === undefined, 'the first replay to end', 15_000);
    expect((await replay(held.id, coventry.code, { challengeId: a })).status).toBe(202);
    gate.release();
    await gate.stop();
  });

  it('refuses what it cannot do: another council’s (404), a non-officer (403), fromSeq without a challenge (422)', async () => {
    expect((await replay(sub.id, birmingham.code, {})).status).toBe(404);
    expect((await hub.call('POST', `/v1/subscriptions/${sub.id}/enable`, { token: officers[birmingham.code] })).status).toBe(404);
    expect((await hub.call('POST', `/v1/subscriptions/${sub.id}/replay`, { token: reader, body: {} })).status).toBe(403);
    const noChallenge = await replay(sub.id, coventry.code, { fromSeq: 3 });
    expect(noChallenge.status).toBe(422);
    expect(noChallenge.body.errors[0].path).toBe('body.fromSeq');
    expect((await replay(sub.id, coventry.code, { since: '2026-01-02T00:00:00.000Z', until: '2026-01-01T00:00:00.000Z' })).status).toBe(422);
    expect((await replay(sub.id, coventry.code, { surprise: true })).status).toBe(422);
  });
});

describe('disabled and enabled again', () => {
  it('a 410 disables it; a replay is refused; enable with replayMissed delivers what it missed; the log shows both', async () => {
    const id = await newChallenge(westminster.code, 'Gone and back');
    // Updates only: the ChallengeCreated before it may still be on its way through the fan-out,
    // and whether it reaches a subscription made after it is not what this test is about.
    const sub = await subscribe(westminster.code, '/gone', { challengeIds: [id], eventTypes: ['ChallengeUpdated'] });
    receiver.respond('/gone', () => 410);
    await rename(id, westminster.code, 'Answered 410');
    await eventually(async () => (await read(sub.id, westminster.code)).status === 'disabled', 'the subscription disabled');
    const disabled = await read(sub.id, westminster.code);
    expect(disabled).toMatchObject({ status: 'disabled', disabledAt: expect.any(String), disabledReason: expect.stringContaining('410'), missedSince: expect.any(String) });

    // Missed while disabled.
    await rename(id, westminster.code, 'Missed 1');
    await rename(id, westminster.code, 'Missed 2');
    await new Promise((r) => setTimeout(r, 300));
    const refused = await replay(sub.id, westminster.code, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('subscription_disabled');

    receiver.respond('/gone', () => 204);
    const before = receiver.received.filter((r) => r.path === '/gone').length;
    const enabled = await hub.call('POST', `/v1/subscriptions/${sub.id}/enable`, { token: officers[westminster.code], body: { replayMissed: true } });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    expect(enabled.body.status).toBe('active');
    expect(enabled.body.disabledAt).toBeUndefined();
    expect(enabled.body.disabledReason).toBeUndefined();
    // What it missed: from the event answered with 410 (missedSince) on, the two renames since included.
    const [gone] = (await deliveries(sub.id, westminster.code)).filter((d) => d.statusCode === 410);
    const events = (await tableEvents(id)).filter((e) => e.type === 'ChallengeUpdated');
    expect(disabled.missedSince).toBe(events.find((e) => e.id === gone!.eventId)!.occurredAt);
    const missed = events.filter((e) => e.occurredAt >= disabled.missedSince);
    expect(missed.length).toBeGreaterThanOrEqual(3);
    expect(missed.slice(-2).map((e) => e.type)).toEqual(['ChallengeUpdated', 'ChallengeUpdated']);
    expect(enabled.body.replayed).toMatchObject({ events: missed.length, truncated: false });
    const attempts = await replayFinished(sub.id, westminster.code, enabled.body.replayed.replayId, missed.length);
    expect(ids(attempts.map((d) => ({ id: d.eventId })))).toEqual(ids(missed));
    expect(receiver.received.filter((r) => r.path === '/gone').length - before).toBe(missed.length);

    // The log has the 410 that disabled it and the replayed deliveries after.
    const log = await deliveries(sub.id, westminster.code);
    expect(log.filter((d) => d.outcome === 'disabled' && d.statusCode === 410 && !d.replayId)).toHaveLength(1);
    expect(log.filter((d) => d.replayId === enabled.body.replayed.replayId && d.outcome === 'delivered')).toHaveLength(missed.length);

    // And it is live again.
    await rename(id, westminster.code, 'Live again');
    const live = (await tableEvents(id)).at(-1)!;
    expect(live.type).toBe('ChallengeUpdated');
    await eventually(() => receiver.accepted('/gone').some((e) => e.id === live.id), 'a live delivery after enabling');
  });

  it('exhausted retries disable it too; enable without replay just turns it back on; enabling an active one changes nothing', async () => {
    const id = await newChallenge(plymouth.code, 'Down for a day');
    const sub = await subscribe(plymouth.code, '/down', { challengeIds: [id] });
    receiver.respond('/down', () => 503);
    await rename(id, plymouth.code, 'Nobody answers');
    await eventually(async () => (await read(sub.id, plymouth.code)).status === 'disabled', 'the subscription disabled by exhaustion');
    expect((await read(sub.id, plymouth.code)).disabledReason).toMatch(/^Retries exhausted/);
    const failed = (await deliveries(sub.id, plymouth.code)).filter((d) => d.outcome === 'failed');
    expect(failed.length).toBeGreaterThan(0);

    receiver.respond('/down', () => 204);
    const enabled = await hub.call('POST', `/v1/subscriptions/${sub.id}/enable`, { token: officers[plymouth.code] });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ status: 'active' });
    expect(enabled.body.replayed).toBeUndefined();
    const again = await hub.call('POST', `/v1/subscriptions/${sub.id}/enable`, { token: officers[plymouth.code], body: { replayMissed: true } });
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBeUndefined();
    expect((await hub.call('POST', `/v1/subscriptions/${sub.id}/enable`, { token: officers[plymouth.code], body: { replayMissed: 'yes' } })).status).toBe(422);
  });
});

/** A receiver that holds every request until released (then answers 204), to keep a replay running. */
async function holdingReceiver() {
  let held: ServerResponse[] = [];
  let open = false;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => (open ? res.writeHead(204).end() : held.push(res)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    waiting: () => held.length,
    release() {
      open = true;
      for (const res of held) res.writeHead(204).end();
      held = [];
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
