/**
 * Share agreements and money across membership changes, over HTTP: the
 * lifecycle (single-member activation, superseding, rejection, idempotent
 * approval), computed bases, a withdrawn member on the statement, a returning
 * member keeping its figures, CSV that a spreadsheet cannot be tricked by, and
 * ledger pages that split a cost from its reversal marker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub';
import { COUNCILS, registerCouncils } from '../support/councils';
import { expectLedgerSound } from '../support/invariants';
import { agreeShares, Callers, formConsortium, join } from '../support/money';

const { birmingham, coventry, westminster, plymouth, dudley } = COUNCILS;
const B = birmingham.code;
const C = coventry.code;
const W = westminster.code;
const P = plymouth.code;
const D = dudley.code;

let hub: TestHub;
let callers: Callers;

const call = async (council: string, group: 'officer' | 'finance', method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  hub.call(method, path, { token: await callers.token(council, group), ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth, dudley]);
});
afterAll(() => hub?.stop());

describe('the agreement lifecycle', () => {
  it('a single-member consortium’s proposal is active at once', async () => {
    const id = await formConsortium(hub, callers, B, [], 'Going it alone');
    const res = await call(B, 'officer', 'POST', `/v1/challenges/${id}/share-agreements`, { basis: 'equal' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 1, status: 'active', shares: [{ council: B, costBps: 10_000, riskBps: 10_000 }], approvals: [B], coversFundingMembers: true });
    const events = await call(B, 'officer', 'GET', `/v1/challenges/${id}/events`);
    expect(events.body.items.map((e: { type: string }) => e.type).slice(-2)).toEqual(['ShareAgreementProposed', 'ShareAgreementActivated']);
    expect((await call(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 999, description: 'Survey' })).body.allocations).toEqual([
      { council: B, costPence: 0, riskPence: 999 }, // nothing committed: all of it is overrun, carried by risk share
    ]);
    await expectLedgerSound(hub, id);
  });

  it('a new proposal supersedes a pending one; a rejection ends one; approving twice changes nothing', async () => {
    const id = await formConsortium(hub, callers, B, [C, W], 'Lifecycle');
    const base = `/v1/challenges/${id}/share-agreements`;
    expect((await call(B, 'officer', 'POST', base, { basis: 'equal' })).body.status).toBe('pending');
    const approvedOnce = await call(C, 'officer', 'POST', `${base}/1/approve`);
    const approvedTwice = await call(C, 'officer', 'POST', `${base}/1/approve`);
    expect(approvedTwice.status).toBe(200);
    expect(approvedTwice.body).toEqual(approvedOnce.body);

    const v2 = await call(B, 'officer', 'POST', base, { basis: 'population' });
    // Populations 1,144,900 / 345,300 / 204,300 of 1,694,500:
    //   B 6756.56... -> 6756 (.56)   C 2037.76... -> 2037 (.76)   W 1205.66... -> 1205 (.66)
    //   floors 9998: 2 left, to C (.76) and W (.66): 6756 / 2038 / 1206.
    expect(v2.body).toMatchObject({ version: 2, status: 'pending', replaces: 1 });
    expect(v2.body.shares).toEqual([
      { council: B, costBps: 6756, riskBps: 6756 },
      { council: C, costBps: 2038, riskBps: 2038 },
      { council: W, costBps: 1206, riskBps: 1206 },
    ]);
    const rejected = await call(W, 'officer', 'POST', `${base}/2/reject`, { reason: 'Population is not the right measure here' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ version: 2, status: 'rejected', rejectedBy: W, reason: 'Population is not the right measure here' });
    const list = await call(C, 'officer', 'GET', base);
    expect(list.body.items.map((a: { version: number; status: string }) => `${a.version}:${a.status}`)).toEqual(['1:superseded', '2:rejected']);
    expect(list.body.items[0]).toMatchObject({ supersededBy: 2 });
    expect((await call(C, 'officer', 'GET', `${base}/current`)).status).toBe(404);

    // Paged versions.
    const page1 = await call(C, 'officer', 'GET', `${base}?limit=1`);
    expect(page1.body.items.map((a: { version: number }) => a.version)).toEqual([1]);
    const page2 = await call(C, 'officer', 'GET', `${base}?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((a: { version: number }) => a.version)).toEqual([2]);
    expect(page2.body.nextCursor).toBeUndefined();

    const events = await call(B, 'officer', 'GET', `/v1/challenges/${id}/events`);
    const agreementEvents = events.body.items.filter((e: { type: string }) => e.type.startsWith('ShareAgreement'));
    expect(agreementEvents.map((e: { type: string; data: unknown }) => [e.type, e.data])).toEqual([
      ['ShareAgreementProposed', expect.objectContaining({ version: 1, basis: 'equal' })],
      ['ShareAgreementApproved', { version: 1, council: C }],
      ['ShareAgreementProposed', expect.objectContaining({ version: 2, basis: 'population', supersedes: 1 })],
      ['ShareAgreementRejected', { version: 2, council: W, reason: 'Population is not the right measure here' }],
    ]);
  });

  it('a pledge split weighs by current pledges', async () => {
    const id = await formConsortium(hub, callers, B, [C, W], 'Pledge split');
    for (const [council, pence] of [[B, 600_000], [C, 300_000], [W, 100_001]] as const) {
      expect((await call(council, 'finance', 'PUT', `/v1/challenges/${id}/pledges/${council}`, { amountPence: pence })).status).toBe(200);
    }
    // 1,000,001 pledged: B 5999.994 -> 5999 (.994)  C 2999.997 -> 2999 (.997)  W 1000.008 -> 1000 (.008)
    // floors 9998: 2 left, to C (.997) and B (.994): 6000 / 3000 / 1000.
    const v1 = await call(B, 'officer', 'POST', `/v1/challenges/${id}/share-agreements`, { basis: 'pledge' });
    expect(v1.body.shares).toEqual([
      { council: B, costBps: 6000, riskBps: 6000 },
      { council: C, costBps: 3000, riskBps: 3000 },
      { council: W, costBps: 1000, riskBps: 1000 },
    ]);
  });
});

describe('money across membership changes', () => {
  it('a member that withdrew after paying in stays on the statement; one that returns keeps its figures', async () => {
    const id = await formConsortium(hub, callers, B, [C, W], 'Membership and money');
    await agreeShares(hub, callers, id, B, [B, C, W], { basis: 'equal' });
    for (const council of [B, C, W]) {
      expect((await call(council, 'finance', 'PUT', `/v1/challenges/${id}/pledges/${council}`, { amountPence: 30_000 })).status).toBe(200);
      expect((await call(council, 'finance', 'POST', `/v1/challenges/${id}/commitments`, { amountPence: 30_000 })).status).toBe(201);
      expect((await call(B, 'finance', 'POST', `/v1/challenges/${id}/receipts`, { council, amountPence: 20_000 })).status).toBe(201);
    }
    // 30,000 within 90,000 headroom by 3334/3333/3333: 10,002 / 9,999 / 9,999.
    expect((await call(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 30_000, description: 'Discovery' })).body.allocations).toEqual([
      { council: B, costPence: 10_002, riskPence: 0 },
      { council: C, costPence: 9_999, riskPence: 0 },
      { council: W, costPence: 9_999, riskPence: 0 },
    ]);
    expect((await call(W, 'officer', 'POST', `/v1/challenges/${id}/members/${W}/withdraw`)).status).toBe(200);

    // Westminster withdrew having paid 20,000 and been allocated 9,999: the pool still holds
    // its 10,001, so it stays on the statement (status withdrawn) and the balances still sum to
    // pool cash. Its bps are still those of the active version 1, which no longer covers the
    // funding members (costs are refused until a new one is active).
    const statement = await call(C, 'officer', 'GET', `/v1/challenges/${id}/statement`);
    expect(statement.body.members.map((r: { council: string; role: string; status: string; costBps: number }) => [r.council, r.role, r.status, r.costBps])).toEqual([
      [B, 'lead', 'active', 3334],
      [C, 'partner', 'active', 3333],
      [W, 'partner', 'withdrawn', 3333],
    ]);
    expect(statement.body.members[2]).toMatchObject({ receivedPence: 20_000, allocatedCostPence: 9_999, balancePence: 10_001, outstandingPence: 10_000 });
    const sumOfBalances = statement.body.members.reduce((a: number, r: { balancePence: number }) => a + r.balancePence, 0);
    expect(sumOfBalances).toBe(statement.body.totals.poolBalancePence);
    expect(statement.body.totals).toMatchObject({ receivedPence: 60_000, spentPence: 30_000, poolBalancePence: 30_000 });
    const csv = await call(C, 'officer', 'GET', `/v1/challenges/${id}/statement`, undefined, { accept: 'text/csv' });
    expect(csv.body).toContain(`\r\n${W},Westminster City Council,partner (withdrawn),3333,3333,30000,30000,20000,9999,0,10001,10000\r\n`);

    // A former member is no longer a funding member: no receipts from it, no shares for it.
    expect((await call(B, 'finance', 'POST', `/v1/challenges/${id}/receipts`, { council: W, amountPence: 1 })).body.code).toBe('not_funding_member');
    expect((await call(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 1, description: 'x' })).body.code).toBe('agreement_required');
    await agreeShares(hub, callers, id, B, [B, C], { basis: 'equal' });
    const under2 = await call(C, 'officer', 'GET', `/v1/challenges/${id}/statement`);
    expect(under2.body.agreementVersion).toBe(2);
    expect(under2.body.members.map((r: { costBps: number }) => r.costBps)).toEqual([5000, 5000, 0]);
    // Reversing the cost recorded under version 1 reaches Westminster too: exactly negated.
    const costs = (await call(B, 'officer', 'GET', `/v1/challenges/${id}/ledger`)).body.items.filter((e: { type: string }) => e.type === 'cost');
    const reversal = await call(B, 'finance', 'POST', `/v1/challenges/${id}/costs/${costs[0].id}/reverse`, { reason: 'Duplicate invoice' });
    expect(reversal.body.allocations).toEqual([
      { council: B, costPence: -10_002, riskPence: 0 },
      { council: C, costPence: -9_999, riskPence: 0 },
      { council: W, costPence: -9_999, riskPence: 0 },
    ]);
    await expectLedgerSound(hub, id, 'after withdrawal and reversal');

    // Westminster returns: invited and accepted again, its figures are as the ledger left them.
    await join(hub, callers, id, B, W);
    const back = await call(W, 'officer', 'GET', `/v1/challenges/${id}/statement`);
    expect(back.body.members.find((r: { council: string }) => r.council === W)).toMatchObject({
      status: 'active', pledgedPence: 30_000, committedPence: 30_000, receivedPence: 20_000, allocatedCostPence: 0, balancePence: 20_000,
    });
    await expectLedgerSound(hub, id, 'after the return');
    // An observer never appears on the statement, and reads it.
    await join(hub, callers, id, B, D, 'observer');
    const seenByObserver = await call(D, 'officer', 'GET', `/v1/challenges/${id}/statement`);
    expect(seenByObserver.status).toBe(200);
    expect(seenByObserver.body.members.map((r: { council: string }) => r.council)).not.toContain(D);
  });
});

describe('money stays out of the other views', () => {
  it('challenge, member list and challenge events show only their documented fields; a lead transfer moves who records costs', async () => {
    const id = await formConsortium(hub, callers, B, [C], 'Views');
    await agreeShares(hub, callers, id, B, [B, C], { basis: 'equal' });
    expect((await call(C, 'finance', 'PUT', `/v1/challenges/${id}/pledges/${C}`, { amountPence: 1_000 })).status).toBe(200);
    expect((await call(C, 'finance', 'POST', `/v1/challenges/${id}/commitments`, { amountPence: 1_000 })).status).toBe(201);
    expect((await call(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 10, description: 'Post' })).status).toBe(201);

    const challenge = await call(C, 'officer', 'GET', `/v1/challenges/${id}`);
    expect(Object.keys(challenge.body).sort()).toEqual(
      ['createdAt', 'howMightWe', 'id', 'leadCouncil', 'outcomes', 'procurementRoute', 'stage', 'statement', 'themes', 'title', 'updatedAt', 'version', 'visibility'],
    );
    const members = await call(C, 'officer', 'GET', `/v1/challenges/${id}/members`);
    for (const m of members.body.items) expect(Object.keys(m).some((k) => k.endsWith('Pence') || k === 'pledgeEntryId')).toBe(false);
    // A challenge event after money moved still carries exactly the catalogue's snapshot (strict schema).
    const patched = await hub.call('PATCH', `/v1/challenges/${id}`, { token: await callers.officer(B), body: { title: 'Views, renamed' }, headers: { 'if-match': challenge.headers.get('etag')! } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.totals).toBeUndefined();

    // The lead passes to Coventry: now only Coventry's finance records receipts and costs.
    expect((await call(B, 'officer', 'POST', `/v1/challenges/${id}/lead`, { council: C })).status).toBe(200);
    expect((await call(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 10, description: 'Post' })).status).toBe(403);
    expect((await call(C, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: 10, description: 'Post' })).status).toBe(201);
    const statement = await call(B, 'officer', 'GET', `/v1/challenges/${id}/statement`);
    expect(statement.body.members.map((r: { council: string; role: string }) => `${r.council}:${r.role}`)).toEqual([`${B}:partner`, `${C}:lead`]);
    await expectLedgerSound(hub, id);
  });
});

describe('statement CSV against spreadsheet tricks', () => {
  it('guards council names that look like formulas and quotes commas', async () => {
    const admin = await hub.token({ groups: ['hub-admin'] });
    const evil = { code: 'E07000200', name: '=HYPERLINK("https://evil.example","Pay here")', kind: 'district' };
    const comma = { code: 'E07000201', name: 'Bath, and North East Somerset', kind: 'unitary' };
    for (const { code, ...body } of [evil, comma]) expect((await hub.call('PUT', `/v1/councils/${code}`, { token: admin, body })).status).toBe(201);
    const id = await formConsortium(hub, callers, B, [evil.code, comma.code], 'CSV');
    const csv = await call(B, 'officer', 'GET', `/v1/challenges/${id}/statement`, undefined, { accept: 'text/csv' });
    const lines = (csv.body as string).split('\r\n');
    expect(lines[1]).toBe(`${evil.code},"'=HYPERLINK(""https://evil.example"",""Pay here"")",partner,0,0,0,0,0,0,0,0,0`);
    expect(lines[2]).toBe(`${comma.code},"Bath, and North East Somerset",partner,0,0,0,0,0,0,0,0,0`);
    expect(lines[3]).toBe(`${B},Birmingham City Council,lead,0,0,0,0,0,0,0,0,0`);
    expect(lines[4]).toBe('Total,,,0,0,0,0,0,0,0,0,0');
  });
});

describe('ledger paging', () => {
  it('shows each cost as reversed or not on whichever page it falls, oldest first, without repeats', async () => {
    const id = await formConsortium(hub, callers, B, [], 'Paging');
    await agreeShares(hub, callers, id, B, [B], { basis: 'equal' });
    const ids: string[] = [];
    for (let i = 1; i <= 6; i++) {
      ids.push((await call(B, 'finance', 'POST', `/v1/challenges/${id}/costs`, { amountPence: i, description: `Cost ${i}` })).body.id);
    }
    for (const k of [0, 2, 5]) expect((await call(B, 'finance', 'POST', `/v1/challenges/${id}/costs/${ids[k]}/reverse`, { reason: 'x' })).status).toBe(201);
    for (const limit of [1, 2, 3, 4, 9, 10]) {
      const seen: Array<{ id: string; type: string; reversed?: boolean }> = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await call(B, 'officer', 'GET', `/v1/challenges/${id}/ledger?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      expect(seen.map((e) => e.id)).toEqual([...new Set(seen.map((e) => e.id))].sort());
      expect(seen).toHaveLength(9);
      expect(seen.filter((e) => e.type === 'cost').map((e) => e.reversed)).toEqual([true, false, true, false, false, true]);
    }
  });
});
