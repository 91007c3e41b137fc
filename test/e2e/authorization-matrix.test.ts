import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeList, routes, type RouteName } from '../../shared/routes';
import { startTestHub, type TestHub } from '../support/hub';
import { COUNCILS, registerCouncils, syntheticCouncils } from '../support/councils';

/**
 * Who may do what: every route of the challenges, membership and ocds groups (and the
 * record reads: a council's account, the statement as at a point), called by every
 * kind of caller, on a public and on a consortium challenge.
 *
 * The challenge every cell runs against is in one known configuration:
 *   Birmingham  lead, active             (caller "lead"; "finance" is a finance-only user of it)
 *   Coventry    partner, active          ("partner")
 *   Westminster observer, active         ("observer")
 *   Plymouth    partner, invited         ("invited")
 *   Dudley      partner, requested       ("requesting"; asked while the challenge was public)
 *   E07000100   partner, withdrawn       ("withdrawn")
 *   E07000101   no membership record     ("outsider")
 *   "admin" is a hub-admin with no council; "anon" sends no token.
 * A cell expected to change state gets a fresh challenge in that configuration;
 * every other cell shares one per visibility, and the test proves at the end that
 * none of them changed it.
 */
const { birmingham, coventry, westminster, plymouth, dudley } = COUNCILS;
const [withdrawnCouncil, outsiderCouncil, candidate] = syntheticCouncils(3) as [
  { code: string; name: string; kind: string },
  { code: string; name: string; kind: string },
  { code: string; name: string; kind: string },
];

const CALLERS = ['lead', 'partner', 'observer', 'invited', 'requesting', 'withdrawn', 'outsider', 'finance', 'admin', 'anon'] as const;
type CallerKind = (typeof CALLERS)[number];
type Visibility = 'public' | 'consortium';
type Statuses = readonly [number, number, number, number, number, number, number, number, number, number];

const COUNCIL_OF: Record<CallerKind, string | undefined> = {
  lead: birmingham.code,
  partner: coventry.code,
  observer: westminster.code,
  invited: plymouth.code,
  requesting: dudley.code,
  withdrawn: withdrawnCouncil.code,
  outsider: outsiderCouncil.code,
  finance: birmingham.code,
  admin: undefined,
  anon: undefined,
};

/** What each row sends; path parameters other than the challenge id, body and headers. */
interface RowRequest {
  route: RouteName;
  params?: (caller: CallerKind) => Record<string, string>;
  body?: (caller: CallerKind, visibility: Visibility) => unknown;
  headers?: Record<string, string>;
  /** A query string, without the `?`. */
  query?: string;
}

const NO_CHALLENGE = '01J00000000000000000000000';

const ROWS = {
  listChallenges: { route: 'listChallenges' },
  createChallenge: { route: 'createChallenge', body: (caller, visibility) => ({ title: `Created by ${caller}`, visibility }) },
  getChallenge: { route: 'getChallenge' },
  patchChallenge: { route: 'patchChallenge', body: (caller) => ({ title: `Renamed by ${caller}` }), headers: { 'if-match': '*' } },
  changeStage: { route: 'changeStage', body: () => ({ to: 'scoping' }) },
  listEvents: { route: 'listEvents' },
  listMembers: { route: 'listMembers' },
  inviteCouncil: { route: 'inviteCouncil', body: () => ({ council: candidate.code, role: 'partner' }) },
  requestToJoin: { route: 'requestToJoin', body: () => ({ role: 'partner' }) },
  'acceptMember (invitation)': { route: 'acceptMember', params: () => ({ council: plymouth.code }) },
  'acceptMember (request)': { route: 'acceptMember', params: () => ({ council: dudley.code }) },
  'declineMember (invitation)': { route: 'declineMember', params: () => ({ council: plymouth.code }) },
  'declineMember (request)': { route: 'declineMember', params: () => ({ council: dudley.code }) },
  'withdrawMember (own council)': { route: 'withdrawMember', params: (caller) => ({ council: COUNCIL_OF[caller] ?? birmingham.code }) },
  'withdrawMember (the partner)': { route: 'withdrawMember', params: () => ({ council: coventry.code }) },
  transferLead: { route: 'transferLead', body: () => ({ council: coventry.code }) },
  "listCouncilChallenges (the lead's)": { route: 'listCouncilChallenges', params: () => ({ code: birmingham.code }) },
  getChallengeOcds: { route: 'getChallengeOcds' },
  // The feed is not about one challenge: after a cursor past every id, so each cell is 204 whatever else the run wrote.
  'listOcdsReleases (caught up)': { route: 'listOcdsReleases', query: `after=${Buffer.from(JSON.stringify({ id: 'Z'.repeat(26), seq: 0 })).toString('base64url')}` },
  // The consortium's record: a council's account, the statement as it stood at a point.
  "getMemberAccount (the lead's)": { route: 'getMemberAccount', params: () => ({ council: birmingham.code }) },
  "getMemberAccount (the observer's: none)": { route: 'getMemberAccount', params: () => ({ council: westminster.code }) },
  'getStatement (asOfSeq=1)': { route: 'getStatement', query: 'asOfSeq=1' },
  'getStatement (asOf)': { route: 'getStatement', query: 'asOf=2020-01-01T00:00:00Z' },
  // Webhook subscriptions are a council's, not a challenge's: the lead's council's one, filtered to no challenge (a replay of it queues 0 and takes no lock).
  "replaySubscription (the lead's council's)": { route: 'replaySubscription', params: () => ({ id: leadSubscription }), body: () => ({ challengeId: NO_CHALLENGE }) },
  "enableSubscription (the lead's council's)": { route: 'enableSubscription', params: () => ({ id: leadSubscription }) },
} satisfies Record<string, RowRequest>;
type RowName = keyof typeof ROWS;

/*
 * Reading the table: 401 no token; 403 authenticated but not allowed (officer-only routes
 * refuse finance and admin on their group, before the challenge is looked at); 404 the
 * challenge is invisible (consortium, no membership record); 409 allowed to ask, but the
 * state says no (already in or pending, not public, the lead cannot withdraw, ...).
 */
// prettier-ignore
const EXPECTED: Record<Visibility, Record<RowName, Statuses>> = {
  public: {
    //                                     lead partner observer invited requesting withdrawn outsider finance admin anon
    listChallenges:                       [200, 200,    200,     200,    200,       200,      200,     200,    200,  401],
    createChallenge:                      [201, 201,    201,     201,    201,       201,      201,     403,    403,  401],
    getChallenge:                         [200, 200,    200,     200,    200,       200,      200,     200,    200,  401],
    patchChallenge:                       [200, 403,    403,     403,    403,       403,      403,     403,    403,  401],
    changeStage:                          [200, 403,    403,     403,    403,       403,      403,     403,    403,  401],
    listEvents:                           [200, 200,    200,     403,    403,       403,      403,     200,    403,  401],
    listMembers:                          [200, 200,    200,     200,    200,       200,      200,     200,    200,  401],
    inviteCouncil:                        [201, 403,    403,     403,    403,       403,      403,     403,    403,  401],
    requestToJoin:                        [409, 409,    409,     409,    409,       201,      201,     403,    403,  401],
    'acceptMember (invitation)':          [403, 403,    403,     200,    403,       403,      403,     403,    403,  401],
    'acceptMember (request)':             [200, 403,    403,     403,    403,       403,      403,     403,    403,  401],
    'declineMember (invitation)':         [403, 403,    403,     200,    403,       403,      403,     403,    403,  401],
    'declineMember (request)':            [200, 403,    403,     403,    403,       403,      403,     403,    403,  401],
    'withdrawMember (own council)':       [409, 200,    200,     409,    409,       409,      409,     403,    403,  401],
    'withdrawMember (the partner)':       [403, 200,    403,     403,    403,       403,      403,     403,    403,  401],
    transferLead:                         [200, 403,    403,     403,    403,       403,      403,     403,    403,  401],
    "listCouncilChallenges (the lead's)": [200, 403,    403,     403,    403,       403,      403,     200,    200,  401],
    getChallengeOcds:                     [200, 200,    200,     200,    200,       200,      200,     200,    200,  401],
    'listOcdsReleases (caught up)':       [204, 204,    204,     204,    204,       204,      204,     204,    204,  401],
    "getMemberAccount (the lead's)":      [200, 200,    200,     403,    403,       403,      403,     200,    403,  401],
    "getMemberAccount (the observer's: none)": [404, 404, 404,   403,    403,       403,      403,     404,    403,  401],
    'getStatement (asOfSeq=1)':           [200, 200,    200,     403,    403,       403,      403,     200,    403,  401],
    'getStatement (asOf)':                [200, 200,    200,     403,    403,       403,      403,     200,    403,  401],
    "replaySubscription (the lead's council's)": [202, 404, 404,   404,    404,       404,      404,     403,    403,  401],
    "enableSubscription (the lead's council's)": [200, 404, 404,   404,    404,       404,      404,     403,    403,  401],
  },
  consortium: {
    //                                     lead partner observer invited requesting withdrawn outsider finance admin anon
    listChallenges:                       [200, 200,    200,     200,    200,       200,      200,     200,    200,  401],
    createChallenge:                      [201, 201,    201,     201,    201,       201,      201,     403,    403,  401],
    getChallenge:                         [200, 200,    200,     200,    200,       200,      404,     200,    404,  401],
    patchChallenge:                       [200, 403,    403,     403,    403,       403,      404,     403,    403,  401],
    changeStage:                          [200, 403,    403,     403,    403,       403,      404,     403,    403,  401],
    listEvents:                           [200, 200,    200,     403,    403,       403,      404,     200,    404,  401],
    listMembers:                          [200, 200,    200,     200,    200,       200,      404,     200,    404,  401],
    inviteCouncil:                        [201, 403,    403,     403,    403,       403,      404,     403,    403,  401],
    requestToJoin:                        [409, 409,    409,     409,    409,       409,      404,     403,    403,  401],
    'acceptMember (invitation)':          [403, 403,    403,     200,    403,       403,      404,     403,    403,  401],
    'acceptMember (request)':             [200, 403,    403,     403,    403,       403,      404,     403,    403,  401],
    'declineMember (invitation)':         [403, 403,    403,     200,    403,       403,      404,     403,    403,  401],
    'declineMember (request)':            [200, 403,    403,     403,    403,       403,      404,     403,    403,  401],
    'withdrawMember (own council)':       [409, 200,    200,     409,    409,       409,      404,     403,    403,  401],
    'withdrawMember (the partner)':       [403, 200,    403,     403,    403,       403,      404,     403,    403,  401],
    transferLead:                         [200, 403,    403,     403,    403,       403,      404,     403,    403,  401],
    "listCouncilChallenges (the lead's)": [200, 403,    403,     403,    403,       403,      403,     200,    200,  401],
    getChallengeOcds:                     [200, 200,    200,     403,    403,       403,      404,     200,    404,  401],
    'listOcdsReleases (caught up)':       [204, 204,    204,     204,    204,       204,      204,     204,    204,  401],
    "getMemberAccount (the lead's)":      [200, 200,    200,     403,    403,       403,      404,     200,    404,  401],
    "getMemberAccount (the observer's: none)": [404, 404, 404,   403,    403,       403,      404,     404,    404,  401],
    'getStatement (asOfSeq=1)':           [200, 200,    200,     403,    403,       403,      404,     200,    404,  401],
    'getStatement (asOf)':                [200, 200,    200,     403,    403,       403,      404,     200,    404,  401],
    "replaySubscription (the lead's council's)": [202, 404, 404,   404,    404,       404,      404,     403,    403,  401],
    "enableSubscription (the lead's council's)": [200, 404, 404,   404,    404,       404,      404,     403,    403,  401],
  },
};

let hub: TestHub;
const tokens: Partial<Record<CallerKind, string>> = {};
/** Birmingham's (the lead's) webhook subscription, made in beforeAll; it wants no real challenge. */
let leadSubscription = '';

beforeAll(async () => {
  hub = await startTestHub();
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth, dudley, withdrawnCouncil, outsiderCouncil, candidate]);
  for (const caller of CALLERS) {
    if (caller === 'anon') continue;
    const groups = caller === 'finance' ? (['finance'] as const) : caller === 'admin' ? (['hub-admin'] as const) : (['officer'] as const);
    const council = COUNCIL_OF[caller];
    tokens[caller] = await hub.token({ ...(council ? { council } : {}), groups: [...groups], sub: `${caller}-user` });
  }
  const subscription = await hub.call('POST', '/v1/subscriptions', { token: tokens.lead!, body: { url: 'http://127.0.0.1:9/never-called', challengeIds: [NO_CHALLENGE] } });
  leadSubscription = subscription.body.id;
});
afterAll(() => hub?.stop());

/** A challenge in the configuration described at the top, built through the API. */
async function fixture(visibility: Visibility): Promise<string> {
  const step = async (caller: CallerKind, method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await hub.call(method, path, { token: tokens[caller]!, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
    if (res.status >= 300) throw new Error(`fixture: ${method} ${path} by ${caller}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const created = await step('lead', 'POST', '/v1/challenges', {
    title: `Authorization fixture (${visibility})`,
    statement: 'Potholes are reported three times before they are fixed.',
    howMightWe: 'How might we fix them the first time?',
    visibility: 'public', // requests to join need a public challenge; made consortium below
  });
  const base = `/v1/challenges/${created.body.id}`;
  for (const [council, role] of [[coventry.code, 'partner'], [westminster.code, 'observer'], [plymouth.code, 'partner'], [withdrawnCouncil.code, 'partner']]) {
    await step('lead', 'POST', `${base}/invitations`, { council, role });
  }
  await step('partner', 'POST', `${base}/members/${coventry.code}/accept`);
  await step('observer', 'POST', `${base}/members/${westminster.code}/accept`);
  await step('withdrawn', 'POST', `${base}/members/${withdrawnCouncil.code}/accept`);
  await step('withdrawn', 'POST', `${base}/members/${withdrawnCouncil.code}/withdraw`);
  await step('requesting', 'POST', `${base}/join-requests`, { role: 'partner' });
  if (visibility === 'consortium') await step('lead', 'PATCH', base, { visibility: 'consortium' }, { 'if-match': '*' });
  return created.body.id as string;
}

/** What the lead sees of a challenge: enough to tell whether anything was written. */
async function fingerprint(id: string) {
  const [events, members, challenge] = await Promise.all([
    hub.call('GET', `/v1/challenges/${id}/events?limit=100`, { token: tokens.lead! }),
    hub.call('GET', `/v1/challenges/${id}/members`, { token: tokens.lead! }),
    hub.call('GET', `/v1/challenges/${id}`, { token: tokens.lead! }),
  ]);
  return { lastSeq: events.body.next, members: members.body.items, version: challenge.body.version, stage: challenge.body.stage };
}

async function pool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

describe('authorization matrix: challenges, membership and open contracting routes', () => {
  it('gives every kind of caller the expected status on every route, public and consortium', { timeout: 120_000 }, async () => {
    // Every route of these groups has at least one row, and every row names one of them.
    const recordReads = ['getMemberAccount', 'getStatement']; // the consortium's record, from the money group
    const subscriptionWrites = ['replaySubscription', 'enableSubscription']; // the webhook record: replay and re-enable
    const groupRoutes = routeList
      .filter((r) => r.fn === 'challenges' || r.fn === 'membership' || r.fn === 'ocds' || [...recordReads, ...subscriptionWrites].includes(r.operationId))
      .map((r) => r.operationId)
      .sort();
    const covered = [...new Set(Object.values(ROWS).map((r) => r.route as string))].sort();
    expect(covered).toEqual(groupRoutes);
    expect(groupRoutes.length).toBeGreaterThanOrEqual(14);

    const shared = { public: await fixture('public'), consortium: await fixture('consortium') };
    const before = { public: await fingerprint(shared.public), consortium: await fingerprint(shared.consortium) };

    const cells = (['public', 'consortium'] as const).flatMap((visibility) =>
      (Object.keys(ROWS) as RowName[]).flatMap((row) => CALLERS.map((caller, column) => ({ visibility, row, caller, expected: EXPECTED[visibility][row][column]! }))),
    );
    const outcomes = await pool(
      cells.map((cell) => async () => {
        const spec: RowRequest = ROWS[cell.row];
        const route = routes[spec.route];
        // A cell that should change the challenge gets one of its own.
        const writes = route.method !== 'GET' && spec.route !== 'createChallenge' && cell.expected < 300;
        const id = writes ? await fixture(cell.visibility) : shared[cell.visibility];
        const params: Record<string, string> = { id, ...spec.params?.(cell.caller) };
        const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!)) + (spec.query ? `?${spec.query}` : '');
        const body = spec.body?.(cell.caller, cell.visibility);
        const res = await hub.call(route.method, path, {
          ...(tokens[cell.caller] ? { token: tokens[cell.caller] } : {}),
          ...(body !== undefined ? { body } : {}),
          ...(spec.headers ? { headers: spec.headers } : {}),
        });
        return { ...cell, status: res.status, detail: res.body?.code ?? res.body?.detail ?? '' };
      }),
      4,
    );

    const mismatches = outcomes
      .filter((o) => o.status !== o.expected)
      .map((o) => `${o.visibility} | ${o.row} | ${o.caller}: expected ${o.expected}, got ${o.status} (${o.detail})`);
    expect(mismatches).toEqual([]);
    expect(outcomes).toHaveLength(2 * Object.keys(ROWS).length * CALLERS.length);
    // Every 401 came from a missing token, and no authenticated caller got one.
    expect(outcomes.filter((o) => o.status === 401).every((o) => o.caller === 'anon')).toBe(true);

    // None of the cells that ran against the shared challenges changed them.
    expect(await fingerprint(shared.public)).toEqual(before.public);
    expect(await fingerprint(shared.consortium)).toEqual(before.consortium);
    expect(before.public.lastSeq).toBe(10); // created, 4 invited, 3 joined, 1 withdrew, 1 requested
    expect(before.consortium.lastSeq).toBe(11); // ... and made consortium
  });
});
