/**
 * The worked example of docs/worked-example.md, over HTTP: three councils, an
 * equal split, then a custom split with different risk shares, pledges,
 * commitments, receipts, a cost of £10,000.01, a cost that overruns the pool, a
 * reversal of the first cost (recorded under the older agreement), and a cost
 * after it. Every expected figure below is worked out by hand in the comments:
 * nothing here calls the production money code. The ledger invariants are
 * checked in DynamoDB after every step.
 *
 * WORKED_EXAMPLE_TRANSCRIPT=<file> writes every request and response as JSON.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub';
import { COUNCILS, registerCouncils } from '../support/councils';
import { expectLedgerSound } from '../support/invariants';
import { Callers, dynamoCallCounter } from '../support/money';

const { birmingham, coventry, westminster, plymouth } = COUNCILS;
const B = birmingham.code; // E08000025, the lead
const C = coventry.code; // E08000026
const W = westminster.code; // E09000033

let hub: TestHub;
let callers: Callers;
const transcript: unknown[] = [];
let counter: Awaited<ReturnType<typeof dynamoCallCounter>>;
const callsPerOperation: Record<string, string[]> = {};

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  counter = await dynamoCallCounter();
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth]);
});
afterAll(async () => {
  if (process.env.WORKED_EXAMPLE_TRANSCRIPT) writeFileSync(process.env.WORKED_EXAMPLE_TRANSCRIPT, JSON.stringify({ transcript, callsPerOperation }, null, 2));
  await hub?.stop();
});

describe('the worked example: a shared budget to the penny', () => {
  it('splits, pools, spends, overruns and reverses exactly as worked out by hand', async () => {
    let id = '';
    /** One request, recorded for the transcript; the ledger is checked after every money or agreement write. */
    const step = async (as: [string, 'officer' | 'finance'], method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
      const token = await callers.token(as[0], as[1]);
      const { result: res, calls } = await counter.during(() => hub.call(method, path.replace(':id', id), { token, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) }));
      transcript.push({ as: `${as[1]} of ${as[0]}`, method, path: path.replace(':id', id), body, headers, status: res.status, response: res.body, dynamodbCalls: calls });
      if (id && method !== 'GET') await expectLedgerSound(hub, id, `after ${method} ${path}`);
      return Object.assign(res, { calls });
    };
    const officer = (c: string) => [c, 'officer'] as [string, 'officer'];
    const finance = (c: string) => [c, 'finance'] as [string, 'finance'];

    // --- The consortium: Birmingham leads, Coventry and Westminster join as partners.
    const created = await step(officer(B), 'POST', '/v1/challenges', {
      title: 'Assistive technology for independent living',
      statement: 'Falls at home are the largest cause of emergency admissions among over-65s in our areas.',
      howMightWe: 'How might we use assistive technology to keep residents safe and independent at home?',
      targetBudgetPence: 7_000_000,
    });
    expect(created.status).toBe(201);
    id = created.body.id;
    for (const partner of [C, W]) {
      expect((await step(officer(B), 'POST', '/v1/challenges/:id/invitations', { council: partner, role: 'partner' })).status).toBe(201);
      expect((await step(officer(partner), 'POST', `/v1/challenges/:id/members/${partner}/accept`)).status).toBe(200);
    }

    // --- No agreement yet: costs are refused.
    const early = await step(finance(B), 'POST', '/v1/challenges/:id/costs', { amountPence: 100, description: 'Too early' });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('agreement_required');
    expect(early.headers.get('content-type')).toBe('application/problem+json');

    // --- Agreement v1, equal: 10000 / 3 = 3333.33 each; floors 3333 x 3 = 9999 leave 1 bp,
    // the three remainders tie, so it goes to the lowest code, Birmingham: 3334 / 3333 / 3333.
    const v1 = await step(officer(B), 'POST', '/v1/challenges/:id/share-agreements', { basis: 'equal' });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({
      version: 1,
      status: 'pending',
      basis: 'equal',
      shares: [
        { council: B, costBps: 3334, riskBps: 3334 },
        { council: C, costBps: 3333, riskBps: 3333 },
        { council: W, costBps: 3333, riskBps: 3333 },
      ],
      approvals: [B],
      awaiting: [C, W],
    });
    const v1c = await step(officer(C), 'POST', '/v1/challenges/:id/share-agreements/1/approve');
    expect(v1c.body).toMatchObject({ status: 'pending', approvals: [B, C], awaiting: [W] });
    const v1w = await step(officer(W), 'POST', '/v1/challenges/:id/share-agreements/1/approve');
    expect(v1w.status).toBe(200);
    expect(v1w.body).toMatchObject({ version: 1, status: 'active', approvals: [B, C, W], coversFundingMembers: true });
    expect((await step(officer(C), 'GET', '/v1/challenges/:id/share-agreements/current')).body.version).toBe(1);

    // --- Pledges (each council's own finance): £50,000 / £30,000 / £20,000.
    for (const [council, pence] of [[B, 5_000_000], [C, 3_000_000], [W, 2_000_000]] as const) {
      const pledged = await step(finance(council), 'PUT', `/v1/challenges/:id/pledges/${council}`, { amountPence: pence });
      expect(pledged.status).toBe(200);
      expect(pledged.body).toMatchObject({ type: 'pledge', council, amountPence: pence, previousPence: 0, recordedBy: { council, sub: `finance-${council}` } });
      callsPerOperation['PUT pledge'] = pledged.calls;
    }

    // --- Commitments: never beyond the pledge.
    const tooMuch = await step(finance(C), 'POST', '/v1/challenges/:id/commitments', { amountPence: 3_000_001 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('exceeds_pledge');
    for (const [council, pence] of [[B, 4_000_000], [C, 2_000_000], [W, 1_000_000]] as const) {
      const committed = await step(finance(council), 'POST', '/v1/challenges/:id/commitments', { amountPence: pence, reference: `PO-${council}` });
      expect(committed.status).toBe(201);
      expect(committed.body).toMatchObject({ type: 'commitment', council, amountPence: pence, reference: `PO-${council}` });
      callsPerOperation['POST commitment'] = committed.calls;
    }

    // --- Receipts (the lead's finance): never beyond the commitment.
    for (const [council, pence] of [[B, 4_000_000], [C, 1_500_000], [W, 1_000_000]] as const) {
      const received = await step(finance(B), 'POST', '/v1/challenges/:id/receipts', { council, amountPence: pence, reference: `BACS-${council}` });
      expect(received.status).toBe(201);
      expect(received.body).toMatchObject({ type: 'receipt', council, amountPence: pence });
      callsPerOperation['POST receipt'] = received.calls;
    }
    const overpaid = await step(finance(B), 'POST', '/v1/challenges/:id/receipts', { council: W, amountPence: 1 });
    expect(overpaid.status).toBe(409);
    expect(overpaid.body.code).toBe('exceeds_commitment');

    // --- Cost 1: £10,000.01 = 1,000,001p under v1. Headroom = committed 7,000,000 - spent 0,
    // so all of it is split by cost shares 3334/3333/3333:
    //   B 1,000,001 x 0.3334 = 333,400.3334 -> 333,400 (remainder .3334)
    //   C 1,000,001 x 0.3333 = 333,300.3333 -> 333,300 (remainder .3333)
    //   W 1,000,001 x 0.3333 = 333,300.3333 -> 333,300 (remainder .3333)
    // floors sum to 1,000,000; the 1 leftover penny goes to the largest remainder, B.
    const cost1 = await step(finance(B), 'POST', '/v1/challenges/:id/costs', {
      amountPence: 1_000_001, description: 'User research with residents', supplier: 'Northgate Research Ltd', category: 'research', reference: 'INV-1001',
    }, { 'idempotency-key': 'cost-1' });
    expect(cost1.status).toBe(201);
    expect(cost1.body).toMatchObject({
      type: 'cost', amountPence: 1_000_001, agreementVersion: 1, reversed: false,
      allocations: [
        { council: B, costPence: 333_401, riskPence: 0 },
        { council: C, costPence: 333_300, riskPence: 0 },
        { council: W, costPence: 333_300, riskPence: 0 },
      ],
    });
    callsPerOperation['POST cost (with Idempotency-Key)'] = cost1.calls;
    const replay = await step(finance(B), 'POST', '/v1/challenges/:id/costs', {
      amountPence: 1_000_001, description: 'User research with residents', supplier: 'Northgate Research Ltd', category: 'research', reference: 'INV-1001',
    }, { 'idempotency-key': 'cost-1' });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(cost1.body);
    callsPerOperation['POST cost (replayed Idempotency-Key)'] = replay.calls;

    // --- Agreement v2, custom: cost 50/30/20%, risk 60/25/15%.
    const v2 = await step(officer(B), 'POST', '/v1/challenges/:id/share-agreements', {
      basis: 'custom',
      shares: [
        { council: W, costBps: 2000, riskBps: 1500 },
        { council: B, costBps: 5000, riskBps: 6000 },
        { council: C, costBps: 3000, riskBps: 2500 },
      ],
    });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ version: 2, status: 'pending', basis: 'custom', approvals: [B] });
    expect(v2.body.shares.map((s: { council: string }) => s.council)).toEqual([B, C, W]);
    callsPerOperation['POST share-agreement'] = v2.calls;
    expect((await step(officer(C), 'POST', '/v1/challenges/:id/share-agreements/2/approve')).body.status).toBe('pending');
    const v2active = await step(officer(W), 'POST', '/v1/challenges/:id/share-agreements/2/approve');
    expect(v2active.body).toMatchObject({ version: 2, status: 'active', supersedes: 1 });
    callsPerOperation['POST approve'] = v2active.calls;
    const versions = await step(officer(C), 'GET', '/v1/challenges/:id/share-agreements');
    expect(versions.body.items.map((a: { version: number; status: string }) => `${a.version}:${a.status}`)).toEqual(['1:superseded', '2:active']);

    // --- Cost 2: £65,432.10 = 6,543,210p, which overruns the pool.
    // Headroom = committed 7,000,000 - net spend 1,000,001 = 5,999,999 within; 543,211 overrun.
    // Within, by cost shares 5000/3000/2000:
    //   B 2,999,999.5 -> 2,999,999 (.5)   C 1,799,999.7 -> 1,799,999 (.7)   W 1,199,999.8 -> 1,199,999 (.8)
    //   floors 5,999,997: 2 pennies left, to W (.8) then C (.7): 2,999,999 / 1,800,000 / 1,200,000.
    // Overrun, by risk shares 6000/2500/1500:
    //   B 325,926.6 -> 325,926 (.6)   C 135,802.75 -> 135,802 (.75)   W 81,481.65 -> 81,481 (.65)
    //   floors 543,209: 2 pennies left, to C (.75) then W (.65): 325,926 / 135,803 / 81,482.
    const cost2 = await step(finance(B), 'POST', '/v1/challenges/:id/costs', {
      amountPence: 6_543_210, description: 'Pilot: sensors in 200 homes', supplier: 'CareSense Ltd', category: 'pilot',
    });
    expect(cost2.status).toBe(201);
    expect(cost2.body.allocations).toEqual([
      { council: B, costPence: 2_999_999, riskPence: 325_926 },
      { council: C, costPence: 1_800_000, riskPence: 135_803 },
      { council: W, costPence: 1_200_000, riskPence: 81_482 },
    ]);
    expect(cost2.body.agreementVersion).toBe(2);
    callsPerOperation['POST cost'] = cost2.calls;

    // --- Reverse cost 1 (recorded under v1): exactly its allocations, negated.
    const reversal = await step(finance(B), 'POST', `/v1/challenges/:id/costs/${cost1.body.id}/reverse`, { reason: 'Invoice INV-1001 was raised against the wrong programme' });
    expect(reversal.status).toBe(201);
    expect(reversal.body).toMatchObject({
      type: 'cost_reversal', amountPence: -1_000_001, reversesId: cost1.body.id,
      allocations: [
        { council: B, costPence: -333_401, riskPence: 0 },
        { council: C, costPence: -333_300, riskPence: 0 },
        { council: W, costPence: -333_300, riskPence: 0 },
      ],
    });
    callsPerOperation['POST reverse'] = reversal.calls;
    const again = await step(finance(B), 'POST', `/v1/challenges/:id/costs/${cost1.body.id}/reverse`, { reason: 'Twice' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_reversed');

    // --- Cost 3: £5,000.00 after the reversal. Net spend is now 6,543,210, so the headroom is
    // 7,000,000 - 6,543,210 = 456,790 within and 43,210 overrun.
    // Within by 5000/3000/2000: 228,395 / 137,037 / 91,358 exactly.
    // Overrun by 6000/2500/1500: 25,926 / 10,802.5 / 6,481.5; floors 43,209 leave 1 penny and
    // C and W tie at .5, so the lower code, C, gets it: 25,926 / 10,803 / 6,481.
    const cost3 = await step(finance(B), 'POST', '/v1/challenges/:id/costs', { amountPence: 500_000, description: 'Evaluation panel' });
    expect(cost3.body.allocations).toEqual([
      { council: B, costPence: 228_395, riskPence: 25_926 },
      { council: C, costPence: 137_037, riskPence: 10_803 },
      { council: W, costPence: 91_358, riskPence: 6_481 },
    ]);

    // --- The statement, from the running figures.
    //   allocatedCost: B 333,401 + 2,999,999 - 333,401 + 228,395 = 3,228,394
    //                  C 333,300 + 1,800,000 - 333,300 + 137,037 = 1,937,037
    //                  W 333,300 + 1,200,000 - 333,300 +  91,358 = 1,291,358
    //   allocatedRisk: B 325,926 + 25,926 = 351,852; C 135,803 + 10,803 = 146,606; W 81,482 + 6,481 = 87,963
    //   balance = received - cost - risk:
    //     B 4,000,000 - 3,228,394 - 351,852 =  419,754
    //     C 1,500,000 - 1,937,037 - 146,606 = -583,643
    //     W 1,000,000 - 1,291,358 -  87,963 = -379,321       sum -543,210
    //   spent = 1,000,001 + 6,543,210 - 1,000,001 + 500,000 = 7,043,210
    //   pool balance = received 6,500,000 - spent 7,043,210 = -543,210 = the sum of balances.
    const statement = await step(officer(W), 'GET', '/v1/challenges/:id/statement');
    expect(statement.status).toBe(200);
    expect(statement.body).toEqual({
      challengeId: id,
      currency: 'GBP',
      asOfSeq: expect.any(Number),
      agreementVersion: 2,
      members: [
        { council: B, name: birmingham.name, role: 'lead', status: 'active', costBps: 5000, riskBps: 6000, pledgedPence: 5_000_000, committedPence: 4_000_000, receivedPence: 4_000_000, allocatedCostPence: 3_228_394, allocatedRiskPence: 351_852, balancePence: 419_754, outstandingPence: 0 },
        { council: C, name: coventry.name, role: 'partner', status: 'active', costBps: 3000, riskBps: 2500, pledgedPence: 3_000_000, committedPence: 2_000_000, receivedPence: 1_500_000, allocatedCostPence: 1_937_037, allocatedRiskPence: 146_606, balancePence: -583_643, outstandingPence: 500_000 },
        { council: W, name: westminster.name, role: 'partner', status: 'active', costBps: 2000, riskBps: 1500, pledgedPence: 2_000_000, committedPence: 1_000_000, receivedPence: 1_000_000, allocatedCostPence: 1_291_358, allocatedRiskPence: 87_963, balancePence: -379_321, outstandingPence: 0 },
      ],
      totals: { pledgedPence: 10_000_000, committedPence: 7_000_000, receivedPence: 6_500_000, spentPence: 7_043_210, poolBalancePence: -543_210 },
    });
    callsPerOperation['GET statement'] = statement.calls;

    const csv = await step(officer(C), 'GET', '/v1/challenges/:id/statement', undefined, { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="statement-.*\.csv"$/);
    // fetch's text() (like every WHATWG decoder) drops the byte-order mark; the raw bytes carry it.
    const raw = new Uint8Array(await (await fetch(`${hub.url}/v1/challenges/${id}/statement`, {
      headers: { accept: 'text/csv', authorization: `Bearer ${await callers.officer(C)}` },
    })).arrayBuffer());
    expect([...raw.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.body).toBe(
        [
          'council,name,role,costBps,riskBps,pledgedPence,committedPence,receivedPence,allocatedCostPence,allocatedRiskPence,balancePence,outstandingPence',
          `${B},Birmingham City Council,lead,5000,6000,5000000,4000000,4000000,3228394,351852,419754,0`,
          `${C},Coventry City Council,partner,3000,2500,3000000,2000000,1500000,1937037,146606,-583643,500000`,
          `${W},Westminster City Council,partner,2000,1500,2000000,1000000,1000000,1291358,87963,-379321,0`,
          'Total,,,10000,10000,10000000,7000000,6500000,6456789,586421,-543210,500000',
        ].join('\r\n') +
        '\r\n',
    );

    // --- The ledger, oldest first, in pages of 4: 3 pledges, 3 commitments, 3 receipts, 3 costs, 1 reversal.
    const pages: any[] = [];
    let cursor: string | undefined;
    do {
      const page = await step(officer(C), 'GET', `/v1/challenges/:id/ledger?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      pages.push(...page.body.items);
      cursor = page.body.nextCursor;
      callsPerOperation['GET ledger page'] = page.calls;
    } while (cursor);
    expect(pages.map((e) => e.type)).toEqual([
      'pledge', 'pledge', 'pledge', 'commitment', 'commitment', 'commitment', 'receipt', 'receipt', 'receipt', 'cost', 'cost', 'cost_reversal', 'cost',
    ]);
    expect(pages.map((e) => e.id)).toEqual(pages.map((e) => e.id).sort());
    expect(pages[9]).toMatchObject({ id: cost1.body.id, reversed: true, reversedBy: reversal.body.id });
    expect(pages[10]).toMatchObject({ id: cost2.body.id, reversed: false });

    // --- The events: one per change, in order.
    const feed = await step(officer(B), 'GET', '/v1/challenges/:id/events?limit=100');
    const types = feed.body.items.map((e: { type: string }) => e.type);
    expect(types.slice(types.indexOf('ShareAgreementProposed'))).toEqual([
      'ShareAgreementProposed', 'ShareAgreementApproved', 'ShareAgreementApproved', 'ShareAgreementActivated',
      'PledgeSet', 'PledgeSet', 'PledgeSet',
      'CommitmentRecorded', 'CommitmentRecorded', 'CommitmentRecorded',
      'ReceiptRecorded', 'ReceiptRecorded', 'ReceiptRecorded',
      'CostRecorded',
      'ShareAgreementProposed', 'ShareAgreementApproved', 'ShareAgreementApproved', 'ShareAgreementActivated',
      'CostRecorded', 'CostReversed', 'CostRecorded',
    ]);
    const activated2 = feed.body.items.filter((e: { type: string }) => e.type === 'ShareAgreementActivated')[1];
    expect(activated2.data).toEqual({ version: 2, supersedes: 1 });
    const reversedEvent = feed.body.items.find((e: { type: string }) => e.type === 'CostReversed');
    expect(reversedEvent.data).toMatchObject({ reversesId: cost1.body.id, amountPence: -1_000_001, reason: 'Invoice INV-1001 was raised against the wrong programme' });
    expect(statement.body.asOfSeq).toBe(feed.body.next);

    // --- Committed funds (7,000,000) meet the target budget (7,000,000) and v2 covers the funding
    // members, so the procurement guard lets the challenge through.
    for (const to of ['scoping', 'forming', 'market_engagement', 'procurement']) {
      const moved = await step(officer(B), 'POST', '/v1/challenges/:id/stage', { to });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    }
    await expectLedgerSound(hub, id, 'at the end');

    // --- DynamoDB calls per operation: one state Query and one transaction per write (a reversal
    // also reads the cost with its marker); reads are two calls whatever the ledger's length.
    expect(callsPerOperation).toEqual({
      'PUT pledge': ['Query', 'TransactWriteItems'],
      'POST commitment': ['Query', 'TransactWriteItems'],
      'POST receipt': ['Query', 'TransactWriteItems'],
      'POST cost': ['Query', 'TransactWriteItems'],
      'POST cost (with Idempotency-Key)': ['PutItem', 'Query', 'TransactWriteItems', 'UpdateItem'],
      'POST cost (replayed Idempotency-Key)': ['PutItem'],
      'POST reverse': ['Query', 'Query', 'TransactWriteItems'],
      'POST share-agreement': ['Query', 'TransactWriteItems'],
      'POST approve': ['Query', 'TransactWriteItems'],
      'GET statement': ['Query', 'BatchGetItem'],
      'GET ledger page': ['Query', 'Query'],
    });
  });
});
