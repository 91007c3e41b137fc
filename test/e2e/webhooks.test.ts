/**
 * Webhooks, told over HTTP against the local hub: the same publisher, dispatcher and
 * deliverer code as deployed, a receiver on 127.0.0.1 that verifies every request with
 * standardwebhooks, and a retry schedule shortened by setting (20, 40, 80 ms between
 * the four attempts) so retries and exhaustion happen within the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEvent } from '../../shared/schemas/events';
import { COUNCILS, officerTokens, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';

const { birmingham, coventry, westminster, plymouth } = COUNCILS;
let hub: TestHub;
let receiver: WebhookReceiver;
const officers: Record<string, string> = {};
let reader: string; // a Coventry user without the officer group

beforeAll(async () => {
  process.env.WEBHOOK_RETRY_SCHEDULE_MS = '0,20,40,80';
  receiver = await new WebhookReceiver().start();
  hub = await startTestHub();
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth]);
  Object.assign(officers, await officerTokens(hub, [birmingham, coventry, westminster, plymouth]));
  reader = await hub.token({ council: coventry.code, groups: [], sub: 'reader-coventry' });
});
afterAll(async () => {
  await hub?.stop();
  await receiver?.stop();
  delete process.env.WEBHOOK_RETRY_SCHEDULE_MS;
});

/** Creates a subscription for `council` to `path` on the receiver and tells the receiver its secret. */
async function subscribe(council: string, path: string, filters: { eventTypes?: string[]; challengeIds?: string[] } = {}) {
  const created = await hub.call('POST', '/v1/subscriptions', { token: officers[council], body: { url: `${receiver.url}${path}`, ...filters } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  receiver.secrets(path, [created.body.secret]);
  return created.body as { id: string; secret: string };
}

async function newChallenge(lead: string, title: string): Promise<string> {
  const created = await hub.call('POST', '/v1/challenges', { token: officers[lead], body: { title } });
  expect(created.status).toBe(201);
  return created.body.id;
}

const invite = (id: string, lead: string, council: string) =>
  hub.call('POST', `/v1/challenges/${id}/invitations`, { token: officers[lead], body: { council, role: 'partner' } });
const answer = (id: string, council: string, how: 'accept' | 'decline') =>
  hub.call('POST', `/v1/challenges/${id}/members/${council}/${how}`, { token: officers[council] });
const moveStage = (id: string, lead: string, to: string) => hub.call('POST', `/v1/challenges/${id}/stage`, { token: officers[lead], body: { to } });

/** Every event of a challenge, read from the pull feed by a council that may read it all. */
async function feed(id: string, token: string): Promise<HubEvent[]> {
  const page = await hub.call('GET', `/v1/challenges/${id}/events?limit=100`, { token });
  expect(page.status).toBe(200);
  return page.body.items;
}

const deliveries = async (subscriptionId: string, council: string) =>
  (await hub.call('GET', `/v1/subscriptions/${subscriptionId}/deliveries?limit=100`, { token: officers[council] })).body.items as Array<{
    eventId: string;
    challengeId: string;
    attempt: number;
    statusCode?: number;
    outcome: string;
  }>;

describe('a council receives exactly the events it is entitled to', () => {
  it("gets every event of its councils' challenges (the same as the pull feed), nothing of others", async () => {
    await subscribe(coventry.code, '/coventry');
    await subscribe(westminster.code, '/westminster');

    // A: Birmingham leads, Coventry joins. B: Birmingham alone. C: Plymouth invites Coventry, which declines.
    const a = await newChallenge(birmingham.code, 'Shared fleet maintenance');
    expect((await invite(a, birmingham.code, coventry.code)).status).toBe(201);
    expect((await answer(a, coventry.code, 'accept')).status).toBe(200);
    expect((await moveStage(a, birmingham.code, 'scoping')).status).toBe(200);
    const b = await newChallenge(birmingham.code, 'Birmingham only');
    expect((await moveStage(b, birmingham.code, 'scoping')).status).toBe(200);
    const c = await newChallenge(plymouth.code, 'Coastal flood sensors');
    expect((await invite(c, plymouth.code, coventry.code)).status).toBe(201);
    expect((await answer(c, coventry.code, 'decline')).status).toBe(200);

    // What push carries to Coventry: the events addressed to it when they happened. (The feed
    // shows a member every event of A, ChallengeCreated from before it joined included.)
    const entitled = [
      ...(await feed(a, officers[coventry.code]!)).filter((e) => e.audience.includes(coventry.code)),
      ...(await feed(c, officers[plymouth.code]!)).filter((e) => e.audience.includes(coventry.code)),
    ];
    expect(entitled.map((e) => e.type).sort()).toEqual(['ChallengeStageChanged', 'MemberDeclined', 'MemberInvited', 'MemberInvited', 'MemberJoined']);

    await eventually(() => receiver.accepted('/coventry').length >= entitled.length, 'Coventry to receive its events');
    // Give a stray (wrongly addressed) delivery the time to show up before judging.
    await new Promise((r) => setTimeout(r, 300));
    const got = receiver.accepted('/coventry');
    expect(got.map((e) => e.id).sort()).toEqual(entitled.map((e) => e.id).sort());
    expect(got.every((e) => e.audience.includes(coventry.code))).toBe(true);
    expect(got.some((e) => e.challengeId === b)).toBe(false);
    // The same event object everywhere: the webhook's data is the feed's item.
    for (const event of got) expect(event).toEqual(entitled.find((e) => e.id === event.id));

    // Westminster is in none of these consortia: nothing at all.
    expect(receiver.received.filter((r) => r.path === '/westminster')).toEqual([]);
    expect(receiver.rejected).toEqual([]);
  });

  it('signs per Standard Webhooks: webhook-id is the event id, a fresh timestamp, a User-Agent, JSON', async () => {
    const [delivery] = receiver.received.filter((r) => r.path === '/coventry');
    expect(delivery!.headers['webhook-id']).toBe(delivery!.event.id);
    expect(Math.abs(Number(delivery!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['user-agent']).toMatch(/^council-hub-webhooks\//);
  });

  it('narrows by event types and challenges', async () => {
    const a = await newChallenge(birmingham.code, 'Narrowing');
    const stagesOnly = await subscribe(birmingham.code, '/stages', { eventTypes: ['ChallengeStageChanged'], challengeIds: [a] });
    expect(stagesOnly.id).toBeTruthy();
    const other = await newChallenge(birmingham.code, 'Not this one');
    await moveStage(other, birmingham.code, 'scoping');
    await moveStage(a, birmingham.code, 'scoping');
    await eventually(() => receiver.accepted('/stages').length === 1, 'the stage change of A');
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.accepted('/stages').map((e) => [e.type, e.challengeId])).toEqual([['ChallengeStageChanged', a]]);
  });
});

describe('retries, 410 and exhaustion', () => {
  it('a receiver answering 500 once gets the event on the retry', async () => {
    const sub = await subscribe(birmingham.code, '/flaky', { eventTypes: ['ChallengeCreated'] });
    receiver.respond('/flaky', (_event, seen) => (seen === 1 ? 500 : 204));
    const id = await newChallenge(birmingham.code, 'Flaky endpoint');
    await eventually(() => receiver.accepted('/flaky').some((e) => e.challengeId === id), 'the retried delivery');
    // This challenge's attempts only: an earlier test's ChallengeCreated still in the fan-out may reach the new subscription too.
    const attempts = receiver.received.filter((r) => r.path === '/flaky' && r.event.challengeId === id).map((r) => r.status);
    expect(attempts).toEqual([500, 204]);
    const logged = async () => (await deliveries(sub.id, birmingham.code)).filter((d) => d.challengeId === id);
    await eventually(async () => (await logged()).length === 2, 'both attempts in the log');
    const log = await logged();
    // Newest first.
    expect(log.map((d) => [d.attempt, d.statusCode, d.outcome])).toEqual([
      [2, 204, 'delivered'],
      [1, 500, 'retrying'],
    ]);
  });

  it('a 410 disables the subscription: no more deliveries', async () => {
    const sub = await subscribe(birmingham.code, '/gone', { eventTypes: ['ChallengeCreated'] });
    receiver.respond('/gone', () => 410);
    await newChallenge(birmingham.code, 'Gone one');
    await eventually(async () => (await hub.call('GET', `/v1/subscriptions/${sub.id}`, { token: officers[birmingham.code] })).body.status === 'disabled', 'the subscription disabled');
    const read = await hub.call('GET', `/v1/subscriptions/${sub.id}`, { token: officers[birmingham.code] });
    expect(read.body).toMatchObject({ status: 'disabled', disabledReason: expect.stringContaining('410') });
    expect((await deliveries(sub.id, birmingham.code)).map((d) => [d.statusCode, d.outcome])).toEqual([[410, 'disabled']]);

    await newChallenge(birmingham.code, 'Gone two');
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.received.filter((r) => r.path === '/gone')).toHaveLength(1);
  });

  it('spent retries go to the dead-letter queue and show as failed', async () => {
    const sub = await subscribe(birmingham.code, '/down', { eventTypes: ['ChallengeCreated'] });
    receiver.respond('/down', () => 503);
    const id = await newChallenge(birmingham.code, 'Always down');
    // This challenge's attempts only (as above).
    const attempts = async () => (await deliveries(sub.id, birmingham.code)).filter((d) => d.challengeId === id);
    await eventually(async () => (await attempts()).some((d) => d.outcome === 'failed'), 'the final attempt');
    const log = await attempts();
    expect(log.map((d) => [d.attempt, d.statusCode, d.outcome])).toEqual([
      [4, 503, 'failed'],
      [3, 503, 'retrying'],
      [2, 503, 'retrying'],
      [1, 503, 'retrying'],
    ]);
    const dead = hub.fanout.deliveryDlq.messages().map((m) => JSON.parse(m.body));
    expect(dead).toContainEqual(expect.objectContaining({ subscriptionId: sub.id, attempt: 4, lastStatusCode: 503, event: expect.objectContaining({ challengeId: id }) }));
  });
});

describe('secret rotation', () => {
  it('a rotated secret verifies, and the old one still does for 24 hours', async () => {
    const sub = await subscribe(westminster.code, '/rotating', { eventTypes: ['ChallengeCreated'] });
    const id1 = await newChallenge(westminster.code, 'Before rotation');
    await eventually(() => receiver.accepted('/rotating').some((e) => e.challengeId === id1), 'a delivery before rotation');

    const rotated = await hub.call('POST', `/v1/subscriptions/${sub.id}/rotate-secret`, { token: officers[westminster.code] });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(sub.secret);
    const overlapEnds = Date.parse(rotated.body.previousSecretExpiresAt);
    expect(overlapEnds - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    receiver.secrets('/rotating', [rotated.body.secret, sub.secret]);

    const id2 = await newChallenge(westminster.code, 'After rotation');
    await eventually(() => receiver.accepted('/rotating').some((e) => e.challengeId === id2), 'a delivery after rotation');
    const after = receiver.received.find((r) => r.path === '/rotating' && r.event.challengeId === id2)!;
    expect(after.verifiedBy).toEqual([0, 1]); // both the new and the old secret verify it
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(2);

    // The secret is shown at creation and rotation only.
    const read = await hub.call('GET', `/v1/subscriptions/${sub.id}`, { token: officers[westminster.code] });
    expect(read.body.secret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain(rotated.body.secret.slice(6));
    expect(read.body.secretHint).toBe(`whsec_…${rotated.body.secret.slice(-4)}`);
  });
});

describe('the subscriptions API', () => {
  it('refuses private, link-local and malformed URLs', async () => {
    for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/x', 'http://[::ffff:192.168.0.1]/', 'ftp://127.0.0.1/', 'not a url']) {
      const refused = await hub.call('POST', '/v1/subscriptions', { token: officers[coventry.code], body: { url } });
      expect(refused.status, url).toBe(422);
      expect(refused.body.errors[0].path, url).toBe('body.url');
    }
    const badType = await hub.call('POST', '/v1/subscriptions', { token: officers[coventry.code], body: { url: `${receiver.url}/x`, eventTypes: ['Nope'] } });
    expect(badType.status).toBe(422);
  });

  it("lists only the caller's council's subscriptions, without secrets; others' are 404", async () => {
    const list = await hub.call('GET', '/v1/subscriptions', { token: reader });
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(list.body.items.every((s: { council: string; secret?: string }) => s.council === coventry.code && s.secret === undefined)).toBe(true);
    const westminsters = await hub.call('GET', '/v1/subscriptions', { token: officers[westminster.code] });
    const foreign = westminsters.body.items[0].id;
    expect((await hub.call('GET', `/v1/subscriptions/${foreign}`, { token: reader })).status).toBe(404);
    expect((await hub.call('GET', `/v1/subscriptions/${foreign}/deliveries`, { token: reader })).status).toBe(404);
    expect((await hub.call('DELETE', `/v1/subscriptions/${foreign}`, { token: officers[coventry.code] })).status).toBe(404);
    expect((await hub.call('POST', `/v1/subscriptions/${foreign}/rotate-secret`, { token: officers[coventry.code] })).status).toBe(404);
  });

  it('only officers create, delete and rotate', async () => {
    expect((await hub.call('POST', '/v1/subscriptions', { token: reader, body: { url: `${receiver.url}/x` } })).status).toBe(403);
    const [own] = (await hub.call('GET', '/v1/subscriptions', { token: reader })).body.items;
    expect((await hub.call('DELETE', `/v1/subscriptions/${own.id}`, { token: reader })).status).toBe(403);
    expect((await hub.call('POST', `/v1/subscriptions/${own.id}/rotate-secret`, { token: reader })).status).toBe(403);
  });

  it('a deleted subscription is gone and receives nothing more', async () => {
    const sub = await subscribe(plymouth.code, '/deleted', { eventTypes: ['ChallengeCreated'] });
    expect((await hub.call('DELETE', `/v1/subscriptions/${sub.id}`, { token: officers[plymouth.code] })).status).toBe(204);
    expect((await hub.call('GET', `/v1/subscriptions/${sub.id}`, { token: officers[plymouth.code] })).status).toBe(404);
    await newChallenge(plymouth.code, 'After deletion');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((r) => r.path === '/deleted')).toEqual([]);
  });
});
