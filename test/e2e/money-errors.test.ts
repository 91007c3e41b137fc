/**
 * Every money and share-agreement error of api.md over HTTP: problem+json with
 * its status and, for conflicts, its `code`; 422s carry `errors`. The ledger
 * invariants are checked after each group (a refused request must change nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub';
import { expectProblem } from '../support/problems';
import { COUNCILS, registerCouncils, syntheticCouncils } from '../support/councils';
import { expectLedgerSound, readLedger } from '../support/invariants';
import { agreeShares, Callers, formConsortium, join } from '../support/money';

const { birmingham, coventry, westminster, plymouth, dudley } = COUNCILS;
const B = birmingham.code; // lead
const C = coventry.code; // partner
const D = dudley.code; // observer
const P = plymouth.code; // outsider
const W = westminster.code; // joins later
const [district] = syntheticCouncils(1); // registered without a population
const S = district!.code;

let hub: TestHub;
let callers: Callers;
let id: string;
let costId: string;
let pledgeEntryId: string;

const as = async (council: string, group: 'officer' | 'finance') => callers.token(council, group);
const call = async (council: string, group: 'officer' | 'finance', method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  hub.call(method, path, { token: await as(council, group), ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
const path = (rest: string, challenge = id) => `/v1/challenges/${challenge}${rest}`;

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth, dudley, district!]);
  id = await formConsortium(hub, callers, B, [C]);
  await join(hub, callers, id, B, D, 'observer');
  await agreeShares(hub, callers, id, B, [B, C], { basis: 'equal' });
  for (const [council, pence] of [[B, 10_000], [C, 10_000]] as const) {
    const pledged = await call(council, 'finance', 'PUT', path(`/pledges/${council}`), { amountPence: pence });
    expect(pledged.status).toBe(200);
    if (council === B) pledgeEntryId = pledged.body.id;
  }
  for (const council of [B, C]) expect((await call(council, 'finance', 'POST', path('/commitments'), { amountPence: 5_000 })).status).toBe(201);
  expect((await call(B, 'finance', 'POST', path('/receipts'), { council: C, amountPence: 2_000 })).status).toBe(201);
  const cost = await call(B, 'finance', 'POST', path('/costs'), { amountPence: 1_001, description: 'Workshop venue' });
  expect(cost.status).toBe(201);
  costId = cost.body.id;
});
afterAll(() => hub?.stop());

describe('422: the request is not valid (with errors naming each field)', () => {
  it.each([
    ['a negative pledge', 'PUT', `/pledges/${B}`, { amountPence: -1 }, 'body.amountPence'],
    ['a pledge in pounds and pence as a float', 'PUT', `/pledges/${B}`, { amountPence: 100.5 }, 'body.amountPence'],
    ['a pledge as a string', 'PUT', `/pledges/${B}`, { amountPence: '100' }, 'body.amountPence'],
    ['a pledge with an unknown field', 'PUT', `/pledges/${B}`, { amountPence: 1, currency: 'EUR' }, 'body'],
    ['a zero commitment', 'POST', '/commitments', { amountPence: 0 }, 'body.amountPence'],
    ['a commitment beyond £10bn', 'POST', '/commitments', { amountPence: 1_000_000_000_001 }, 'body.amountPence'],
    ['a commitment beyond safe integers', 'POST', '/commitments', { amountPence: 2 ** 53 }, 'body.amountPence'],
    ['a receipt without a council', 'POST', '/receipts', { amountPence: 5 }, 'body.council'],
    ['a receipt from a malformed council code', 'POST', '/receipts', { council: 'Birmingham', amountPence: 5 }, 'body.council'],
    ['a cost without a description', 'POST', '/costs', { amountPence: 5 }, 'body.description'],
    ['a negative cost', 'POST', '/costs', { amountPence: -5, description: 'Refund' }, 'body.amountPence'],
    ['a reversal without a reason', 'POST', '/costs/01ARZ3NDEKTSV4RRFFQ69G5FAV/reverse', {}, 'body.reason'],
    ['a reversal of a malformed entry id', 'POST', '/costs/not-an-id/reverse', { reason: 'x' }, 'params.entryId'],
  ])('%s', async (_what, method, rest, body, field) => {
    const res = await call(B, 'finance', method, path(rest), body);
    const problem = expectProblem(res, 422);
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it.each([
    ['an unknown basis', { basis: 'gdp' }, 'body.basis'],
    ['a custom split without shares', { basis: 'custom' }, 'body.shares'],
    ['shares on a computed basis', { basis: 'equal', shares: [{ council: B, costBps: 10_000, riskBps: 10_000 }] }, 'body.shares'],
    ['custom columns that do not sum to 10000', { basis: 'custom', shares: [{ council: B, costBps: 5000, riskBps: 5000 }, { council: C, costBps: 4999, riskBps: 5000 }] }, 'body.shares'],
    ['custom shares naming a council that is not a funding member', { basis: 'custom', shares: [{ council: B, costBps: 5000, riskBps: 5000 }, { council: D, costBps: 5000, riskBps: 5000 }] }, 'body.shares.1.council'],
    ['custom shares missing a funding member', { basis: 'custom', shares: [{ council: B, costBps: 10_000, riskBps: 10_000 }] }, 'body.shares'],
    ['basis points above 10000', { basis: 'custom', shares: [{ council: B, costBps: 10_001, riskBps: 0 }] }, 'body.shares.0.costBps'],
    ['fractional basis points', { basis: 'custom', shares: [{ council: B, costBps: 5000.5, riskBps: 5000 }, { council: C, costBps: 4999.5, riskBps: 5000 }] }, 'body.shares.0.costBps'],
  ])('a proposal with %s', async (_what, body, field) => {
    const problem = expectProblem(await call(B, 'officer', 'POST', path('/share-agreements'), body), 422);
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it('a population split when a funding member has no population recorded', async () => {
    const other = await formConsortium(hub, callers, B, [S], 'Population split');
    const problem = expectProblem(await call(B, 'officer', 'POST', path('/share-agreements', other), { basis: 'population' }), 422);
    expect(problem.errors[0].message).toContain(S);
  });

  it('a pledge split while nobody has pledged', async () => {
    const other = await formConsortium(hub, callers, B, [C], 'Pledge split');
    const problem = expectProblem(await call(B, 'officer', 'POST', path('/share-agreements', other), { basis: 'pledge' }), 422);
    expect(problem.errors[0].path).toBe('body.shares');
  });

  it('a reject reason that is not text, or a ledger cursor or limit it never issued', async () => {
    expectProblem(await hub.call('POST', path('/share-agreements/1/reject'), { token: await as(C, 'officer'), body: { reason: 42 } }), 422);
    expectProblem(await call(C, 'officer', 'GET', path('/ledger?cursor=bm9wZQ')), 422);
    expectProblem(await call(C, 'officer', 'GET', path('/ledger?limit=0')), 422);
    expectProblem(await call(C, 'officer', 'GET', path('/ledger?limit=101')), 422);
    expectProblem(await call(C, 'officer', 'GET', path('/share-agreements?cursor=abc')), 422);
  });

  it('the same Idempotency-Key with another body', async () => {
    const headers = { 'idempotency-key': 'cost-reuse' };
    expect((await call(B, 'finance', 'POST', path('/costs'), { amountPence: 1, description: 'Stamps' }, headers)).status).toBe(201);
    expectProblem(await call(B, 'finance', 'POST', path('/costs'), { amountPence: 2, description: 'Stamps' }, headers), 422, 'idempotency_key_reuse');
  });

  it('400 for a body that is not JSON', async () => {
    expectProblem(await call(B, 'finance', 'POST', path('/costs'), '{"amountPence": 1,'), 400);
    expectProblem(await call(C, 'officer', 'POST', path('/share-agreements/1/reject'), 'not json'), 400);
  });

  it('changed nothing', async () => {
    await expectLedgerSound(hub, id);
  });
});

describe('409: the rules of money', () => {
  it('exceeds_pledge: committing beyond the pledge', async () => {
    // C pledged 10,000 and committed 5,000: 5,001 more would be 10,001.
    const problem = expectProblem(await call(C, 'finance', 'POST', path('/commitments'), { amountPence: 5_001 }), 409, 'exceeds_pledge');
    expect(problem.detail).toContain('10000');
    expect((await call(C, 'finance', 'POST', path('/commitments'), { amountPence: 5_000 })).status).toBe(201);
  });

  it('exceeds_commitment: receiving beyond the commitment', async () => {
    // C committed 10,000 and paid 2,000: 8,001 more would be 10,001.
    expectProblem(await call(B, 'finance', 'POST', path('/receipts'), { council: C, amountPence: 8_001 }), 409, 'exceeds_commitment');
    expect((await call(B, 'finance', 'POST', path('/receipts'), { council: C, amountPence: 8_000 })).status).toBe(201);
  });

  it('below_commitment: a pledge below what is committed', async () => {
    expectProblem(await call(C, 'finance', 'PUT', path(`/pledges/${C}`), { amountPence: 9_999 }), 409, 'below_commitment');
    expect((await call(C, 'finance', 'PUT', path(`/pledges/${C}`), { amountPence: 10_000 })).status).toBe(200);
  });

  it('not_funding_member: a receipt from an observer or an outsider', async () => {
    expectProblem(await call(B, 'finance', 'POST', path('/receipts'), { council: D, amountPence: 1 }), 409, 'not_funding_member');
    expectProblem(await call(B, 'finance', 'POST', path('/receipts'), { council: P, amountPence: 1 }), 409, 'not_funding_member');
  });

  it('already_reversed: a cost is reversed once; not_reversible: only costs are', async () => {
    const first = await call(B, 'finance', 'POST', path(`/costs/${costId}/reverse`), { reason: 'Venue refunded' });
    expect(first.status).toBe(201);
    expectProblem(await call(B, 'finance', 'POST', path(`/costs/${costId}/reverse`), { reason: 'Again' }), 409, 'already_reversed');
    expectProblem(await call(B, 'finance', 'POST', path(`/costs/${first.body.id}/reverse`), { reason: 'Undo the undo' }), 409, 'not_reversible');
    expectProblem(await call(B, 'finance', 'POST', path(`/costs/${pledgeEntryId}/reverse`), { reason: 'Not a cost' }), 409, 'not_reversible');
  });

  it('agreement_required: when the funding members change, until a new agreement is active', async () => {
    await join(hub, callers, id, B, W); // a new partner: the active agreement no longer covers everyone
    const refused = expectProblem(await call(B, 'finance', 'POST', path('/costs'), { amountPence: 10, description: 'Catering' }), 409, 'agreement_required');
    expect(refused.detail).toContain('version 1');
    const current = await call(C, 'officer', 'GET', path('/share-agreements/current'));
    expect(current.body).toMatchObject({ version: 1, status: 'active', coversFundingMembers: false });

    // A version proposed before a change can no longer be approved: agreement_outdated.
    const stale = await call(B, 'officer', 'POST', path('/share-agreements'), { basis: 'equal' });
    expect(stale.body.shares).toHaveLength(3);
    expect((await call(W, 'officer', 'POST', path(`/members/${W}/withdraw`))).status).toBe(200);
    expectProblem(await call(C, 'officer', 'POST', path(`/share-agreements/${stale.body.version}/approve`)), 409, 'agreement_outdated');
    // Withdrawing brought the set back to what version 1 covers: costs move again.
    expect((await call(B, 'finance', 'POST', path('/costs'), { amountPence: 10, description: 'Catering' })).status).toBe(201);
  });

  it('agreement_not_pending: only a pending version is answered', async () => {
    expectProblem(await call(C, 'officer', 'POST', path('/share-agreements/1/approve')), 409, 'agreement_not_pending');
    expectProblem(await call(C, 'officer', 'POST', path('/share-agreements/1/reject')), 409, 'agreement_not_pending');
  });

  it('challenge_closed: nothing moves once the challenge is cancelled', async () => {
    const closed = await formConsortium(hub, callers, B, [C], 'Cancelled');
    await agreeShares(hub, callers, closed, B, [B, C], { basis: 'equal' });
    expect((await call(B, 'finance', 'PUT', path(`/pledges/${B}`, closed), { amountPence: 100 })).status).toBe(200);
    expect((await call(B, 'finance', 'POST', path('/commitments', closed), { amountPence: 100 })).status).toBe(201);
    const cost = await call(B, 'finance', 'POST', path('/costs', closed), { amountPence: 50, description: 'Scoping' });
    expect(cost.status).toBe(201);
    expect((await call(B, 'officer', 'POST', path('/stage', closed), { to: 'cancelled' })).status).toBe(200);
    const attempts: Array<[string, 'officer' | 'finance', string, string, unknown]> = [
      [B, 'finance', 'PUT', `/pledges/${B}`, { amountPence: 200 }],
      [B, 'finance', 'POST', '/commitments', { amountPence: 1 }],
      [B, 'finance', 'POST', '/receipts', { council: B, amountPence: 1 }],
      [B, 'finance', 'POST', '/costs', { amountPence: 1, description: 'Late invoice' }],
      [B, 'finance', 'POST', `/costs/${cost.body.id}/reverse`, { reason: 'Late correction' }],
      [B, 'officer', 'POST', '/share-agreements', { basis: 'equal' }],
    ];
    for (const [council, group, method, rest, body] of attempts) {
      expectProblem(await call(council, group, method, path(rest, closed), body), 409, 'challenge_closed');
    }
    // Reads still work.
    expect((await call(C, 'officer', 'GET', path('/statement', closed))).status).toBe(200);
    await expectLedgerSound(hub, closed);
  });

  it('left the ledger sound', async () => {
    await expectLedgerSound(hub, id);
  });
});

describe('403: authenticated, but not the caller for it', () => {
  it.each([
    ["an officer (not finance) recording a cost", B, 'officer', 'POST', '/costs', { amountPence: 1, description: 'x' }],
    ["a partner's finance recording a cost", C, 'finance', 'POST', '/costs', { amountPence: 1, description: 'x' }],
    ["a partner's finance recording a receipt", C, 'finance', 'POST', '/receipts', { council: C, amountPence: 1 }],
    ["a partner's finance reversing a cost", C, 'finance', 'POST', '/costs/01ARZ3NDEKTSV4RRFFQ69G5FAV/reverse', { reason: 'x' }],
    ["one council's finance setting another's pledge", C, 'finance', 'PUT', `/pledges/${B}`, { amountPence: 1 }],
    ["an officer setting a pledge", B, 'officer', 'PUT', `/pledges/${B}`, { amountPence: 1 }],
    ["an observer's finance pledging", D, 'finance', 'PUT', `/pledges/${D}`, { amountPence: 1 }],
    ["an observer's finance committing", D, 'finance', 'POST', '/commitments', { amountPence: 1 }],
    ["a withdrawn partner's finance committing", W, 'finance', 'POST', '/commitments', { amountPence: 1 }],
    ["a partner's officer proposing shares", C, 'officer', 'POST', '/share-agreements', { basis: 'equal' }],
    ["a finance user proposing shares", B, 'finance', 'POST', '/share-agreements', { basis: 'equal' }],
    ["an observer's officer approving", D, 'officer', 'POST', '/share-agreements/1/approve', undefined],
    ["a finance user approving", C, 'finance', 'POST', '/share-agreements/1/approve', undefined],
    ["a withdrawn partner reading the statement", W, 'officer', 'GET', '/statement', undefined],
    ["a withdrawn partner reading the ledger", W, 'finance', 'GET', '/ledger', undefined],
    ["a withdrawn partner reading the agreements", W, 'officer', 'GET', '/share-agreements', undefined],
  ] as const)('%s', async (_what, council, group, method, rest, body) => {
    expectProblem(await call(council, group, method, path(rest), body), 403);
  });

  it("an outsider reading a public challenge's money", async () => {
    const open = await formConsortium(hub, callers, B, [C], 'Public call for partners');
    const etag = (await call(B, 'officer', 'GET', path('', open))).headers.get('etag')!;
    expect((await hub.call('PATCH', path('', open), { token: await as(B, 'officer'), body: { visibility: 'public' }, headers: { 'if-match': etag } })).status).toBe(200);
    expect((await call(P, 'officer', 'GET', path('', open))).status).toBe(200);
    expectProblem(await call(P, 'officer', 'GET', path('/statement', open)), 403);
    expectProblem(await call(P, 'officer', 'GET', path('/ledger', open)), 403);
    expectProblem(await call(P, 'officer', 'GET', path('/share-agreements/current', open)), 403);
    expectProblem(await call(P, 'finance', 'PUT', path(`/pledges/${P}`, open), { amountPence: 1 }), 403);
  });
});

describe('404: absent, or invisible to the caller', () => {
  it.each([
    ['the statement', 'officer', 'GET', '/statement', undefined],
    ['the ledger', 'officer', 'GET', '/ledger', undefined],
    ['the agreements', 'officer', 'GET', '/share-agreements', undefined],
    ['the current agreement', 'officer', 'GET', '/share-agreements/current', undefined],
    ['a pledge', 'finance', 'PUT', `/pledges/${P}`, { amountPence: 1 }],
    ['a commitment', 'finance', 'POST', '/commitments', { amountPence: 1 }],
    ['a cost', 'finance', 'POST', '/costs', { amountPence: 1, description: 'x' }],
    ['an approval', 'officer', 'POST', '/share-agreements/1/approve', undefined],
  ] as const)("%s of a consortium challenge, to an outsider", async (_what, group, method, rest, body) => {
    expectProblem(await call(P, group, method, path(rest), body), 404);
  });

  it('an unknown challenge, entry or agreement version; no active agreement', async () => {
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    expectProblem(await call(B, 'officer', 'GET', path('/statement', unknown)), 404);
    expectProblem(await call(B, 'finance', 'POST', path('/costs', unknown), { amountPence: 1, description: 'x' }), 404);
    expectProblem(await call(B, 'finance', 'POST', path(`/costs/${unknown}/reverse`), { reason: 'x' }), 404);
    expectProblem(await call(C, 'officer', 'POST', path('/share-agreements/99/approve')), 404);
    const fresh = await formConsortium(hub, callers, B, [C], 'No agreement yet');
    expectProblem(await call(C, 'officer', 'GET', path('/share-agreements/current', fresh)), 404);
  });

  it('refusals wrote nothing: the ledger in DynamoDB is still sound', async () => {
    const snapshot = await expectLedgerSound(hub, id);
    expect(snapshot.entries.map((e) => e.type)).toEqual([
      'pledge', 'pledge', 'commitment', 'commitment', 'receipt', 'cost', 'cost', 'commitment', 'receipt', 'cost_reversal', 'cost',
    ]);
    expect((await readLedger(hub, id)).markers).toHaveLength(1);
  });
});
