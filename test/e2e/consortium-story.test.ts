import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub';
import { COUNCILS, officerTokens, registerCouncils } from '../support/councils';

const { birmingham, coventry, westminster, plymouth, dudley } = COUNCILS;
let hub: TestHub;
const officers: Record<string, string> = {};

beforeAll(async () => {
  hub = await startTestHub();
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth, dudley]);
  Object.assign(officers, await officerTokens(hub, [birmingham, coventry, westminster, plymouth, dudley]));
});
afterAll(() => hub?.stop());

describe('forming a consortium, told over HTTP', () => {
  it('goes from a draft to a consortium with a new lead, and the feed holds exactly what happened', async () => {
    const lead = officers[birmingham.code]!;
    const created = await hub.call('POST', '/v1/challenges', {
      token: lead,
      body: { title: 'Reducing school transport costs', themes: ['Transport', 'education'], targetBudgetPence: 25_000_000 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.get('location')).toBe(`/v1/challenges/${id}`);
    expect(created.body).toMatchObject({ stage: 'draft', leadCouncil: birmingham.code, visibility: 'consortium', version: 1, themes: ['transport', 'education'] });
    let etag = created.headers.get('etag')!;
    expect(etag).toBe('"1"');

    // Invitations: Coventry accepts, Westminster declines.
    expect((await hub.call('POST', `/v1/challenges/${id}/invitations`, { token: lead, body: { council: coventry.code, role: 'partner' } })).status).toBe(201);
    expect((await hub.call('POST', `/v1/challenges/${id}/invitations`, { token: lead, body: { council: westminster.code, role: 'observer' } })).status).toBe(201);
    const accepted = await hub.call('POST', `/v1/challenges/${id}/members/${coventry.code}/accept`, { token: officers[coventry.code] });
    expect(accepted.body).toMatchObject({ council: coventry.code, role: 'partner', status: 'active', via: 'invitation' });
    const declined = await hub.call('POST', `/v1/challenges/${id}/members/${westminster.code}/decline`, { token: officers[westminster.code] });
    expect(declined.body).toMatchObject({ status: 'declined' });

    // Consortium challenges are invisible to outsiders until made public.
    expect((await hub.call('GET', `/v1/challenges/${id}`, { token: officers[plymouth.code] })).status).toBe(404);
    const madePublic = await hub.call('PATCH', `/v1/challenges/${id}`, { token: lead, body: { visibility: 'public' }, headers: { 'if-match': etag } });
    expect(madePublic.status).toBe(200);
    etag = madePublic.headers.get('etag')!;
    const seenByOutsider = await hub.call('GET', `/v1/challenges/${id}`, { token: officers[plymouth.code] });
    expect(seenByOutsider.status).toBe(200);
    expect(seenByOutsider.body.statement).toBeUndefined(); // summary only

    // An outsider asks to join and the lead approves.
    const asked = await hub.call('POST', `/v1/challenges/${id}/join-requests`, { token: officers[plymouth.code], body: { role: 'partner' } });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ council: plymouth.code, status: 'requested' });
    expect((await hub.call('POST', `/v1/challenges/${id}/members/${plymouth.code}/accept`, { token: officers[plymouth.code] })).status).toBe(403);
    expect((await hub.call('POST', `/v1/challenges/${id}/members/${plymouth.code}/accept`, { token: lead })).body.status).toBe('active');

    // Stages, with each guard proven.
    const move = (to: string) => hub.call('POST', `/v1/challenges/${id}/stage`, { token: lead, body: { to } });
    const skip = await move('forming');
    expect(skip.status).toBe(409);
    expect(skip.body.code).toBe('invalid_stage_transition');
    expect((await move('scoping')).body.stage).toBe('scoping');
    const guarded = await move('forming');
    expect(guarded.status).toBe(409);
    expect(guarded.body.code).toBe('stage_guard');
    expect(guarded.body.detail).toContain('statement and howMightWe');
    etag = (await hub.call('GET', `/v1/challenges/${id}`, { token: lead })).headers.get('etag')!;
    const described = await hub.call('PATCH', `/v1/challenges/${id}`, {
      token: lead,
      body: { statement: 'Home-to-school transport costs have doubled.', howMightWe: 'How might we cut costs while keeping journeys safe?' },
      headers: { 'if-match': etag },
    });
    expect(described.status).toBe(200);
    expect((await move('forming')).body.stage).toBe('forming');
    expect((await move('market_engagement')).body.stage).toBe('market_engagement');
    const procurement = await move('procurement');
    expect(procurement.status).toBe(409);
    expect(procurement.body).toMatchObject({ code: 'stage_guard' });
    expect(procurement.body.detail).toContain('share agreement');

    // A partner withdraws; the lead passes to Plymouth.
    expect((await hub.call('POST', `/v1/challenges/${id}/members/${coventry.code}/withdraw`, { token: officers[coventry.code] })).body.status).toBe('withdrawn');
    const passed = await hub.call('POST', `/v1/challenges/${id}/lead`, { token: lead, body: { council: plymouth.code } });
    expect(passed.status).toBe(200);
    expect(passed.body.leadCouncil).toBe(plymouth.code);
    const members = await hub.call('GET', `/v1/challenges/${id}/members`, { token: lead });
    expect(members.body.items.map((m: { council: string; role: string; status: string }) => `${m.council}:${m.role}:${m.status}`)).toEqual([
      `${plymouth.code}:lead:active`,
      `${birmingham.code}:partner:active`,
      `${coventry.code}:partner:withdrawn`,
      `${westminster.code}:observer:declined`,
    ].sort());

    // The feed: exactly the expected events, gapless, read by Birmingham (active throughout).
    const feed = await hub.call('GET', `/v1/challenges/${id}/events?after=0&limit=100`, { token: lead });
    expect(feed.status).toBe(200);
    const events = feed.body.items as Array<{ type: string; seq: number; audience: string[]; data: Record<string, unknown> }>;
    expect(events.map((e) => e.type)).toEqual([
      'ChallengeCreated',
      'MemberInvited',
      'MemberInvited',
      'MemberJoined',
      'MemberDeclined',
      'ChallengeUpdated',
      'MemberJoinRequested',
      'MemberJoined',
      'ChallengeStageChanged',
      'ChallengeUpdated',
      'ChallengeStageChanged',
      'ChallengeStageChanged',
      'MemberWithdrew',
      'LeadTransferred',
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(feed.body.next).toBe(events.length);
    // Audience: the invitee hears of its own invitation; outsiders hear nothing before joining.
    expect(events[1]!.audience).toEqual([birmingham.code, coventry.code]); // Coventry only invited: not yet active
    expect(events[2]!.audience).toEqual([birmingham.code, westminster.code]);
    expect(events[3]!.audience).toEqual([birmingham.code, coventry.code]);
    expect(events[4]!.audience).toContain(westminster.code);
    expect(events[12]!.audience).toContain(coventry.code); // the leaver hears of its own withdrawal
    expect(events[13]!.audience).not.toContain(coventry.code);
    expect(events[13]!.data).toEqual({ from: birmingham.code, to: plymouth.code });

    // Paging the feed with `after` continues exactly where it stopped.
    const first = await hub.call('GET', `/v1/challenges/${id}/events?limit=5`, { token: lead });
    const rest = await hub.call('GET', `/v1/challenges/${id}/events?after=${first.body.next}`, { token: lead });
    expect([...first.body.items, ...rest.body.items].map((e: { seq: number }) => e.seq)).toEqual(events.map((e) => e.seq));

    // Plymouth joined later: the feed is the audit trail, so it reads every event from seq 1,
    // also those addressed to others before it joined (push delivery stays by audience).
    const plymouthFeed = await hub.call('GET', `/v1/challenges/${id}/events?limit=100`, { token: officers[plymouth.code] });
    expect(plymouthFeed.body.items).toEqual(events);
    expect(plymouthFeed.body.items.some((e: { audience: string[] }) => !e.audience.includes(plymouth.code))).toBe(true);
    // A withdrawn council can no longer read the feed.
    expect((await hub.call('GET', `/v1/challenges/${id}/events`, { token: officers[coventry.code] })).status).toBe(403);

    // Council views of the same story.
    const list = await hub.call('GET', `/v1/councils/${coventry.code}/challenges`, { token: officers[coventry.code] });
    expect(list.body.items).toEqual([expect.objectContaining({ challenge: expect.objectContaining({ id }), membership: expect.objectContaining({ status: 'withdrawn' }) })]);
    const listed = await hub.call('GET', '/v1/challenges?theme=transport', { token: officers[dudley.code] });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
  });
});
