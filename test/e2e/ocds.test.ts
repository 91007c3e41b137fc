/**
 * Open contracting over HTTP (docs/ocds.md): GET /v1/challenges/{id}/ocds and the feed
 * GET /v1/ocds/releases, on the local hub. Every package is validated offline against the
 * official OCDS 1.1.5 schemas (../shared/ocds/), and its money checked to the penny against
 * the hub's own statement and ledger.
 *
 * Challenges (all led by Birmingham, B):
 *   A  public from the start: C and W partners, P observer, custom shares, money, on to delivery
 *   Z  public, B alone, cancelled after award with a cost
 *   X  consortium throughout (C partner, W observer, D invited): never in the feed
 *   Y  consortium, moved to scoping, made public, then forming: only the forming release is in the feed
 *   V  public, moved to scoping, then made consortium: not in the feed
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amountToPence, DEFAULT_OCID_PREFIX, type OcdsRelease, type OcdsReleasePackage } from '../../shared/domain/ocds';
import { COUNCILS, registerCouncils, syntheticCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { agreeShares, Callers, dynamoCallCounter, expectStatus, join } from '../support/money';
import { ocdsValidator, referenceProblems } from '../support/ocds-validator';

const { birmingham, coventry, westminster, plymouth, dudley } = COUNCILS;
const [B, C, W, P, D] = [birmingham.code, coventry.code, westminster.code, plymouth.code, dudley.code];
const OUTSIDER = syntheticCouncils(1, 400)[0]!.code;

let hub: TestHub;
let callers: Callers;
let counter: Awaited<ReturnType<typeof dynamoCallCounter>>;
const validator = ocdsValidator();
/** The challenge's own package read just after each feed event, by release id: the feed must give the same releases. */
const readAtFeedEvents = new Map<string, OcdsRelease>();
const ids = { A: '', Z: '', X: '', Y: '', V: '' };

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  counter = await dynamoCallCounter();
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth, dudley]);
});
afterAll(() => hub?.stop());

const sumPence = (amounts: readonly number[]) => amounts.reduce((a, b) => a + b, 0);

function expectValid(pkg: OcdsReleasePackage) {
  expect(validator.packageProblems(pkg)).toEqual([]);
  for (const release of pkg.releases) expect([...validator.releaseProblems(release), ...referenceProblems(release, validator.partyRoles)]).toEqual([]);
}

async function ocds(id: string, token: string, headers: Record<string, string> = {}) {
  return counter.during(() => hub.call('GET', `/v1/challenges/${id}/ocds`, { token, headers }));
}

/** As the lead, after a feed event: the package must be valid, and its release is kept to compare with the feed's. */
async function readAtFeedEvent(id: string) {
  const { result } = await ocds(id, await callers.officer(B));
  await expectStatus(result, 200, `ocds of ${id}`);
  expectValid(result.body);
  const release = result.body.releases[0] as OcdsRelease;
  readAtFeedEvents.set(release.id, release);
  return release;
}

async function as(council: string, group: 'officer' | 'finance', method: string, path: string, body?: unknown, status = method === 'POST' ? 201 : 200) {
  const token = await callers.token(council, group);
  return (await expectStatus(await hub.call(method, path, { token, ...(body !== undefined ? { body } : {}) }), status, `${method} ${path} as ${group} of ${council}`)).body;
}
const stage = (id: string, to: string) => as(B, 'officer', 'POST', `/v1/challenges/${id}/stage`, { to }, 200);
const patch = async (id: string, body: unknown) =>
  expectStatus(await hub.call('PATCH', `/v1/challenges/${id}`, { token: await callers.officer(B), body, headers: { 'if-match': '*' } }), 200, `PATCH ${id}`);
const create = (title: string, visibility: 'public' | 'consortium', extra: Record<string, unknown> = {}) =>
  as(B, 'officer', 'POST', '/v1/challenges', {
    title,
    statement: `${title}: the problem the councils share.`,
    howMightWe: `How might we solve ${title.toLowerCase()}?`,
    visibility,
    ...extra,
  }).then((c) => c.id as string);

describe('the feed before anything is public', () => {
  it('answers 204 with no Link: an OCDS package needs a release, and the walk is at its end', async () => {
    const res = await hub.call('GET', '/v1/ocds/releases', { token: await callers.officer(B) });
    expect(res.status).toBe(204);
    expect(res.headers.get('link')).toBeNull();
    expect(res.body).toBe('');
  });
});

describe('GET /v1/challenges/{id}/ocds', () => {
  it('publishes a public joint challenge through its stages, its money to the penny, valid OCDS at every step', async () => {
    const id = (ids.A = await create('Falls at home', 'public', { procurementRoute: 'sbri', targetBudgetPence: 7_000_000, outcomes: ['Fewer emergency admissions'] }));
    await join(hub, callers, id, B, C);
    await join(hub, callers, id, B, W);
    await join(hub, callers, id, B, P, 'observer');
    const shares = [
      { council: B, costBps: 5000, riskBps: 6000 },
      { council: C, costBps: 3000, riskBps: 2500 },
      { council: W, costBps: 2000, riskBps: 1500 },
    ];
    await agreeShares(hub, callers, id, B, [B, C, W], { basis: 'custom', shares });
    const atActivation = await readAtFeedEvent(id);
    expect(atActivation.tag).toEqual(['planning']);
    expect(atActivation.planning.budget.budgetBreakdown.map((b) => b.description)).toContain(
      'Coventry City Council (partner): cost share 30.00% (3000 bps), risk share 25.00% (2500 bps), share agreement version 1',
    );

    for (const [council, pence] of [[B, 4_000_000], [C, 2_000_000], [W, 1_000_001]] as const) {
      await as(council, 'finance', 'PUT', `/v1/challenges/${id}/pledges/${council}`, { amountPence: pence });
      await as(council, 'finance', 'POST', `/v1/challenges/${id}/commitments`, { amountPence: pence });
      await as(B, 'finance', 'POST', `/v1/challenges/${id}/receipts`, { council, amountPence: pence - 1 });
    }
    for (const to of ['scoping', 'forming', 'market_engagement']) {
      await stage(id, to);
      expect((await readAtFeedEvent(id)).tag).toEqual(['planning']);
    }
    // Spend before a contract stage is not published yet ...
    const research = await as(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 1_000_001, description: 'User research with residents', supplier: 'Northgate Research Ltd', category: 'research' });
    await stage(id, 'procurement');
    const tendered = await readAtFeedEvent(id);
    expect(tendered.tag).toEqual(['tender']);
    expect(tendered.tender).toMatchObject({ status: 'active', procurementMethod: 'open', value: { amount: 70_000, currency: 'GBP' } });
    expect(tendered.contracts).toBeUndefined();
    // ... and is, with everything before it, once the contract stage is reached.
    await stage(id, 'awarded');
    const awarded = await readAtFeedEvent(id);
    expect(awarded.tag).toEqual(['award', 'contract']);
    expect(awarded.contracts![0]!.implementation!.transactions.map((t) => t.id)).toEqual([research.id]);
    await stage(id, 'delivery');
    await readAtFeedEvent(id);

    await as(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 6_543_210, description: 'Pilot: sensors in 200 homes', supplier: 'CareSense Ltd', category: 'pilot' });
    await as(B, 'finance', 'POST', `/v1/challenges/${id}/costs/${research.id}/reverse`, { reason: 'Raised against the wrong programme' });
    await as(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 500_003, description: 'Evaluation panel' });

    const { result: res, calls } = await ocds(id, await callers.officer(C));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    // The state Query, then at once the release's event, the councils and the cost entries.
    expect([...calls].sort()).toEqual(['BatchGetItem', 'GetItem', 'Query', 'Query']);
    const pkg = res.body as OcdsReleasePackage;
    expectValid(pkg);
    const release = pkg.releases[0]!;
    const lastSeq = (await as(B, 'officer', 'GET', `/v1/challenges/${id}/events?limit=100`)).next as number;
    expect(release.id).toBe(`${id}-${lastSeq}`);
    expect(res.headers.get('etag')).toBe(`W/"${id}-${lastSeq}"`);
    expect(release.ocid).toBe(`${DEFAULT_OCID_PREFIX}-${id}`);
    expect(release.tag).toEqual(['implementation']);
    expect(pkg.uri).toBe(`${hub.url}/v1/challenges/${id}/ocds`);
    expect(release.parties.map((p) => p.id)).not.toContain(`GB-GSS-${P}`); // observers hold no money

    // The budget: one line per funding member, summing exactly to the total, which is the statement's committed.
    const statement = await as(B, 'finance', 'GET', `/v1/challenges/${id}/statement`);
    const { budget } = release.planning;
    expect(budget.budgetBreakdown.map((b) => b.id)).toEqual([B, C, W]);
    expect(sumPence(budget.budgetBreakdown.map((b) => amountToPence(b.amount.amount)))).toBe(amountToPence(budget.amount.amount));
    expect(amountToPence(budget.amount.amount)).toBe(statement.totals.committedPence);
    expect(budget.amount.amount).toBe(70_000.01);

    // Spend: every cost and reversal of the ledger, in its order, summing to the statement's spentPence.
    const ledger = await as(C, 'officer', 'GET', `/v1/challenges/${id}/ledger?limit=100`);
    const costEntries = (ledger.items as Array<{ id: string; type: string; amountPence: number }>).filter((e) => e.type === 'cost' || e.type === 'cost_reversal');
    const transactions = release.contracts![0]!.implementation!.transactions;
    expect(transactions.map((t) => t.id)).toEqual(costEntries.map((e) => e.id));
    expect(transactions.map((t) => amountToPence(t.value.amount))).toEqual(costEntries.map((e) => e.amountPence));
    expect(sumPence(transactions.map((t) => amountToPence(t.value.amount)))).toBe(statement.totals.spentPence);
    expect(statement.totals.spentPence).toBe(6_543_210 + 500_003);
    for (const t of transactions) expect(t.payer).toEqual(release.buyer);

    // The same package, whoever reads it: a public challenge is published to every authenticated caller.
    for (const token of [
      await hub.token({ council: OUTSIDER, groups: ['officer'] }),
      await hub.token({ groups: ['hub-admin'] }),
      await callers.officer(P),
    ]) {
      const other = (await ocds(id, token)).result;
      expect(other.status).toBe(200);
      expect(other.body).toEqual(pkg);
    }
  });

  it('answers If-None-Match with the release id by 304 after the state Query alone', async () => {
    const token = await callers.officer(B);
    const first = (await ocds(ids.A, token)).result;
    const etag = first.headers.get('etag')!;
    for (const header of [etag, etag.replace(/^W\//, ''), `"other", ${etag}`, '*']) {
      const { result, calls } = await ocds(ids.A, token, { 'if-none-match': header });
      expect(result.status, header).toBe(304);
      expect(result.headers.get('etag')).toBe(etag);
      expect(result.body).toBe('');
      expect(calls).toEqual(['Query']);
    }
    expect((await ocds(ids.A, token, { 'if-none-match': '"stale-1"' })).result.status).toBe(200);
    // Any change names a new release.
    await as(B, 'finance', 'POST', `/v1/challenges/${ids.A}/costs`, { amountPence: 1, description: 'Postage' });
    const changed = (await ocds(ids.A, token, { 'if-none-match': etag })).result;
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expectValid(changed.body);
  });

  it('publishes a cancellation after award as an award cancellation, with the spend so far', async () => {
    const id = (ids.Z = await create('Street lighting', 'public'));
    await agreeShares(hub, callers, id, B, [B], { basis: 'equal' }); // one member: active at once
    await readAtFeedEvent(id);
    await as(B, 'finance', 'PUT', `/v1/challenges/${id}/pledges/${B}`, { amountPence: 100_000 });
    await as(B, 'finance', 'POST', `/v1/challenges/${id}/commitments`, { amountPence: 100_000 });
    for (const to of ['scoping', 'forming', 'market_engagement', 'procurement', 'awarded']) {
      await stage(id, to);
      await readAtFeedEvent(id);
    }
    await as(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 12_345, description: 'Site survey', supplier: 'Lumen Survey' });
    await stage(id, 'cancelled');
    const { result, calls } = await ocds(id, await callers.officer(B));
    expect(result.status).toBe(200);
    // The cost read waits for the event: only a cancellation after award publishes spend.
    expect([...calls].sort()).toEqual(['BatchGetItem', 'GetItem', 'Query', 'Query']);
    const release = result.body.releases[0] as OcdsRelease;
    readAtFeedEvents.set(release.id, release);
    expectValid(result.body);
    expect(release.tag).toEqual(['awardCancellation']);
    expect(release.contracts![0]).toMatchObject({ status: 'cancelled' });
    expect(release.contracts![0]!.implementation!.transactions.map((t) => t.value.amount)).toEqual([123.45]);
  });

  it('keeps a consortium challenge to its members: 404 to councils without a record, 403 to those not active', async () => {
    const id = (ids.X = await create('Shared care records', 'consortium'));
    await join(hub, callers, id, B, C);
    await join(hub, callers, id, B, W, 'observer');
    await as(B, 'officer', 'POST', `/v1/challenges/${id}/invitations`, { council: D, role: 'partner' });
    await agreeShares(hub, callers, id, B, [B, C], { basis: 'equal' });
    await stage(id, 'scoping');
    const status = async (token: string) => (await ocds(id, token)).result.status;
    expect(await status(await callers.officer(B))).toBe(200);
    expect(await status(await callers.finance(B))).toBe(200);
    expect(await status(await callers.officer(C))).toBe(200);
    expect(await status(await callers.officer(W))).toBe(200); // observers are active members
    expect(await status(await callers.officer(D))).toBe(403); // invited: sees the challenge, not its records
    expect(await status(await hub.token({ council: OUTSIDER, groups: ['officer', 'finance'] }))).toBe(404);
    expect(await status(await hub.token({ groups: ['hub-admin'] }))).toBe(404);
    expect((await hub.call('GET', `/v1/challenges/${id}/ocds`)).status).toBe(401);
    // Nothing tells an outsider it exists, not even a 304.
    expect((await ocds(id, await hub.token({ council: OUTSIDER, groups: ['officer'] }), { 'if-none-match': '*' })).result.status).toBe(404);
  });
});

describe('GET /v1/ocds/releases', () => {
  beforeAll(async () => {
    // Y: private while it moves to scoping, public from then on.
    const y = (ids.Y = await create('Bus shelters', 'consortium'));
    await stage(y, 'scoping');
    await patch(y, { visibility: 'public' });
    await stage(y, 'forming');
    await readAtFeedEvent(y);
    // V: public while it moves to scoping, then consortium.
    const v = (ids.V = await create('Verge cutting', 'public'));
    await stage(v, 'scoping');
    await patch(v, { visibility: 'consortium' });
  });

  const get = async (path: string) => counter.during(async () => hub.call('GET', path, { token: await hub.token({ council: OUTSIDER, groups: ['officer'] }) }));
  const pathOf = (url: string) => {
    expect(url.startsWith(`${hub.url}/v1/ocds/releases`)).toBe(true);
    return url.slice(hub.url.length);
  };

  it('gives one valid release per stage change and agreement activation of public challenges, by challenge then seq, each the package read then', async () => {
    const { result, calls } = await get('/v1/ocds/releases');
    expect(result.status).toBe(200);
    const pkg = result.body as OcdsReleasePackage;
    expectValid(pkg);
    // The public challenges (GSI2), one Query of events for each of A, Z and Y, one BatchGet of councils.
    expect([...calls].sort()).toEqual(['BatchGetItem', 'Query', 'Query', 'Query', 'Query']);
    expect(pkg.links).toBeUndefined();
    expect(pkg.uri).toBe(`${hub.url}/v1/ocds/releases`);
    expect(pkg.extensions).toHaveLength(2);

    const byChallenge = (r: OcdsRelease) => r.ocid.slice(DEFAULT_OCID_PREFIX.length + 1);
    const seqOf = (r: OcdsRelease) => Number(r.id.slice(r.id.lastIndexOf('-') + 1));
    const keys = pkg.releases.map((r) => [byChallenge(r), seqOf(r)] as const);
    expect(keys).toEqual([...keys].sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] - b[1])));
    expect(new Set(pkg.releases.map(byChallenge))).toEqual(new Set([ids.A, ids.Z, ids.Y]));
    // A: the activation and six stage changes; Z: the activation, five stage changes and the cancellation; Y: forming only.
    expect(pkg.releases.map((r) => r.id).sort()).toEqual([...readAtFeedEvents.keys()].sort());
    expect(pkg.releases).toHaveLength(7 + 7 + 1);
    for (const release of pkg.releases) expect(release).toEqual(readAtFeedEvents.get(release.id));
    expect(pkg.publishedDate).toBe(pkg.releases.map((r) => r.date).sort().at(-1));
  });

  it('pages with the cursor: `links.next` until the end, nothing missed or repeated, every page valid', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/v1/ocds/releases?limit=2';
    let pages = 0;
    while (path) {
      const { result } = await get(path);
      expect(result.status, path).toBe(200);
      const page = result.body as OcdsReleasePackage;
      expectValid(page);
      expect(page.releases.length).toBeLessThanOrEqual(2);
      seen.push(...page.releases.map((r) => r.id));
      path = page.links ? pathOf(page.links.next) : undefined;
      if (path) expect(path).toContain('limit=2');
      pages++;
    }
    expect(pages).toBe(8);
    expect(seen).toEqual((await get('/v1/ocds/releases')).result.body.releases.map((r: OcdsRelease) => r.id));
    expect(seen.some((id) => id.startsWith(ids.X) || id.startsWith(ids.V))).toBe(false);
  });

  it('answers 204 once caught up, and the same cursor gives the next release when there is one', async () => {
    const all = (await get('/v1/ocds/releases?limit=15')).result.body as OcdsReleasePackage;
    expect(all.releases).toHaveLength(15);
    const next = pathOf(all.links!.next);
    const caughtUp = (await get(next)).result;
    expect(caughtUp.status).toBe(204);
    expect(caughtUp.headers.get('link')).toBeNull();
    // Y moves on: its new release is after the cursor (Y is the newest challenge, last in the walk).
    await stage(ids.Y, 'market_engagement');
    const fresh = await readAtFeedEvent(ids.Y);
    const more = (await get(next)).result;
    expect(more.status).toBe(200);
    expectValid(more.body);
    expect(more.body.releases.map((r: OcdsRelease) => r.id)).toEqual([fresh.id]);
  });

  it('bounds a page: a stretch of challenges with no release is 204 with a Link to carry on, then 204 at the end', async () => {
    const all = (await get('/v1/ocds/releases')).result.body as OcdsReleasePackage;
    const count = all.releases.length;
    const end = pathOf((await get(`/v1/ocds/releases?limit=${count}`)).result.body.links.next);
    // 55 public drafts, newer than every challenge with releases: nothing to publish in them yet.
    for (let i = 0; i < 55; i++) await create(`Call for partners ${i}`, 'public');
    const { result: stretch, calls } = await get(end);
    expect(stretch.status).toBe(204);
    // At most FEED_CHALLENGES (50) challenges looked at: Y (nothing new) and 49 drafts, one event range each.
    expect(calls.filter((c) => c === 'Query')).toHaveLength(2 + 49);
    expect(calls.every((c) => c === 'Query')).toBe(true);
    const link = /^<([^>]+)>; rel="next"$/.exec(stretch.headers.get('link') ?? '');
    expect(link).not.toBeNull();
    const last = (await get(pathOf(link![1]!))).result;
    expect(last.status).toBe(204);
    expect(last.headers.get('link')).toBeNull();
    // A draft's first stage change is the first release after the stretch.
    const drafts = (await as(B, 'officer', 'GET', '/v1/challenges?limit=100')).items as Array<{ id: string; title: string }>;
    const lastDraft = drafts.find((c) => c.title === 'Call for partners 54')!;
    await stage(lastDraft.id, 'scoping');
    // Followed from the end of the releases: an empty stretch, then the draft's release.
    const found: number[] = [];
    for (let path: string | undefined = end; path; ) {
      const { result } = await get(path);
      found.push(result.status);
      if (result.status === 200) expect((result.body as OcdsReleasePackage).releases.map((r) => r.id)).toEqual([`${lastDraft.id}-2`]);
      const next: string | undefined = result.status === 200 ? result.body.links?.next : /^<([^>]+)>/.exec(result.headers.get('link') ?? '')?.[1];
      path = next ? pathOf(next) : undefined;
    }
    expect(found).toEqual([204, 200]);
  });

  it('refuses a cursor that is not its own (422) and a bad limit (422), and needs a token (401)', async () => {
    expect((await get('/v1/ocds/releases?after=not*a*cursor')).result.status).toBe(422);
    const otherList = Buffer.from(JSON.stringify({ sk: 'ENTRY#0' })).toString('base64url');
    expect((await get(`/v1/ocds/releases?after=${otherList}`)).result.status).toBe(422);
    expect((await get('/v1/ocds/releases?limit=0')).result.status).toBe(422);
    expect((await get('/v1/ocds/releases?limit=101')).result.status).toBe(422);
    expect((await hub.call('GET', '/v1/ocds/releases')).status).toBe(401);
  });
});

describe('the OpenAPI document', () => {
  it('lists both routes with their responses', async () => {
    const { body } = await hub.call('GET', '/openapi.json');
    const one = body.paths['/v1/challenges/{id}/ocds'].get;
    const feed = body.paths['/v1/ocds/releases'].get;
    expect(one.operationId).toBe('getChallengeOcds');
    expect(feed.operationId).toBe('listOcdsReleases');
    expect(Object.keys(one.responses)).toEqual(expect.arrayContaining(['200', '304', '401', '404']));
    expect(Object.keys(feed.responses)).toEqual(expect.arrayContaining(['200', '204', '401', '422']));
    expect(one.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/OcdsReleasePackage' });
    expect(feed.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['after', 'limit']);
    expect(body.components.schemas.OcdsRelease.description).toContain('OCDS 1.1.5');
  });
});
