/**
 * The consortium's record over HTTP: the pull feed as the audit trail (every
 * event from seq 1 to any active member, whenever it joined), each council's
 * account (every entry that touched it, with running figures, ending at its
 * statement row), and the statement as it stood at a point (asOfSeq / asOf),
 * in JSON and CSV. Expected figures come from a fold over the ledger written
 * here, never from shared/domain; statements "as at" are compared with the
 * running statements read at the time.
 *
 *   RECORD_RUNS  random sequences (default 3)   RECORD_STEPS  steps each (default 20)
 *   RECORD_SEED  replay a seed (printed on failure)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNCILS, registerCouncils, syntheticCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { expectLedgerSound } from '../support/invariants';
import { agreeShares, Callers, dynamoCallCounter, expectStatus, formConsortium, join } from '../support/money';

const { birmingham, coventry, westminster, plymouth, dudley } = COUNCILS;
const [B, C, W, P, D] = [birmingham.code, coventry.code, westminster.code, plymouth.code, dudley.code];
const [invitee, ...reserve] = syntheticCouncils(8, 200);

const RUNS = Number(process.env.RECORD_RUNS ?? 3);
const STEPS = Number(process.env.RECORD_STEPS ?? 20);
const SEED = process.env.RECORD_SEED ? Number(process.env.RECORD_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);

let hub: TestHub;
let callers: Callers;
let counter: Awaited<ReturnType<typeof dynamoCallCounter>>;

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  counter = await dynamoCallCounter();
  await registerCouncils(hub, [birmingham, coventry, westminster, plymouth, dudley, invitee!, ...reserve]);
});
afterAll(() => hub?.stop());

type Json = any;
const FIGURES = ['pledgedPence', 'committedPence', 'receivedPence', 'allocatedCostPence', 'allocatedRiskPence'] as const;
type Figures = Record<(typeof FIGURES)[number], number>;
const zero = (): Figures => ({ pledgedPence: 0, committedPence: 0, receivedPence: 0, allocatedCostPence: 0, allocatedRiskPence: 0 });
const withDerived = (f: Figures) => ({ ...f, balancePence: f.receivedPence - f.allocatedCostPence - f.allocatedRiskPence, outstandingPence: f.committedPence - f.receivedPence });

/** The test's own fold of ledger entries (API shapes) into member figures. */
function fold(entries: Json[]): Map<string, Figures> {
  const out = new Map<string, Figures>();
  const of = (c: string) => out.get(c) ?? out.set(c, zero()).get(c)!;
  for (const e of entries) {
    if (e.type === 'pledge') of(e.council).pledgedPence = e.amountPence;
    else if (e.type === 'commitment') of(e.council).committedPence += e.amountPence;
    else if (e.type === 'receipt') of(e.council).receivedPence += e.amountPence;
    else for (const a of e.allocations) {
      of(a.council).allocatedCostPence += a.costPence;
      of(a.council).allocatedRiskPence += a.riskPence;
    }
  }
  return out;
}

const path = (id: string, rest = '') => `/v1/challenges/${id}${rest}`;

async function get(token: string, url: string, headers: Record<string, string> = {}) {
  const res = await hub.call('GET', url, { token, headers });
  return expectStatus(res, 200, `GET ${url}`);
}

async function allPages(token: string, url: string, limit = 100): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | undefined;
  do {
    const page = (await get(token, `${url}${url.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)).body;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

async function feed(token: string, id: string, limit = 100): Promise<Json[]> {
  const events: Json[] = [];
  for (let after = 0; ; ) {
    const page = (await get(token, path(id, `/events?after=${after}&limit=${limit}`))).body;
    events.push(...page.items);
    if (page.items.length === 0) {
      expect(page.next).toBe(after);
      return events;
    }
    expect(page.next).toBe(page.items.at(-1).seq); // `next` is the last seq returned
    after = page.next;
  }
}

/** Each entry's seq, from the money events of the feed. */
async function ledgerWithSeqs(token: string, id: string) {
  const [entries, events] = await Promise.all([allPages(token, path(id, '/ledger')), feed(token, id)]);
  const seqOf = new Map(events.filter((e) => e.data?.entryId).map((e) => [e.data.entryId as string, e.seq as number]));
  return { entries: entries.map((e) => ({ ...e, seq: seqOf.get(e.id)! })), events };
}

/** Every council in the statement: its account (paged and CSV) ends at its row, row by row as the test's fold says. */
async function expectAccountsEndAtStatement(token: string, id: string, limit: number) {
  const statement = (await get(token, path(id, '/statement'))).body;
  const ledger = await allPages(token, path(id, '/ledger'));
  for (const row of statement.members) {
    const items = await allPages(token, path(id, `/members/${row.council}/account`), limit);
    const mine = ledger.filter((e) => e.council === row.council || e.allocations?.some((a: Json) => a.council === row.council && (a.costPence || a.riskPence)));
    expect(items.map((i) => i.entry), row.council).toEqual(mine);
    items.forEach((item, k) => {
      const part = item.entry.allocations?.find((a: Json) => a.council === row.council);
      expect(item, `${row.council} row ${k}`).toEqual({
        entry: mine[k],
        costPence: part?.costPence ?? 0,
        riskPence: part?.riskPence ?? 0,
        figures: withDerived(fold(mine.slice(0, k + 1)).get(row.council)!),
      });
    });
    const last = items.at(-1)?.figures ?? withDerived(zero());
    const { council: _c, name: _n, role: _r, status: _s, costBps: _cb, riskBps: _rb, ...rowFigures } = row;
    expect(last, `${row.council}: last row = statement row`).toEqual(rowFigures);
    const csv = await get(token, path(id, `/members/${row.council}/account`), { accept: 'text/csv' });
    // (fetch's text() drops the byte-order mark: the CSV test below reads the bytes.)
    expect(csv.body.split('\r\n').slice(1, -1)).toHaveLength(items.length);
  }
  return statement;
}

describe('the pull feed is the audit trail; accounts; the statement as it stood', () => {
  let id: string;
  /** Running statements (and one CSV) read as the story went, by asOfSeq. */
  const snapshots = new Map<number, Json>();
  let csvAt: { seq: number; csv: string };
  let joinedAt: number;

  const lead = () => callers.officer(B);
  const snap = async () => {
    const s = (await get(await lead(), path(id, '/statement'))).body;
    snapshots.set(s.asOfSeq, s);
  };
  const money = async (council: string, method: string, rest: string, body: unknown) => {
    const token = await callers.finance(council);
    const res = await hub.call(method, path(id, rest), { token, body });
    await expectStatus(res, method === 'PUT' ? 200 : 201, `${method} ${rest}`);
    await snap();
    return res.body;
  };

  beforeAll(async () => {
    id = await formConsortium(hub, callers, B, [C, W], 'Shared records'); // seq 1 created, 2-5 invited and joined
    await snap();
    await agreeShares(hub, callers, id, B, [B, C, W], { basis: 'equal' }); // 6-9
    await snap(); // then 10-12 pledges, 13-15 commitments, 16-17 receipts
    for (const [c, p] of [[B, 100_000], [C, 50_000], [W, 30_001]] as const) await money(c, 'PUT', `/pledges/${c}`, { amountPence: p });
    for (const [c, p] of [[B, 60_000], [C, 50_000], [W, 20_000]] as const) await money(c, 'POST', '/commitments', { amountPence: p, reference: `PO-${c}` });
    await money(B, 'POST', '/receipts', { council: B, amountPence: 60_000 });
    await money(B, 'POST', '/receipts', { council: C, amountPence: 25_000 });
    const csv = await get(await lead(), path(id, '/statement'), { accept: 'text/csv' });
    csvAt = { seq: snapshots.size ? Math.max(...snapshots.keys()) : 0, csv: csv.body };
    const cost1 = await money(B, 'POST', '/costs', { amountPence: 100_001, description: '=SUM(A1:A9) discovery, phase 1', supplier: 'Acme "Research"' }); // 18
    // Plymouth joins as an observer: invited at seq 19, joined at 20.
    await join(hub, callers, id, B, P, 'observer');
    joinedAt = (await get(await lead(), path(id, '/events?after=0&limit=100'))).body.next;
    await snap();
    await money(B, 'POST', '/receipts', { council: W, amountPence: 20_000 });
    await money(B, 'POST', '/costs', { amountPence: 50_000, description: 'Pilot (overruns)' });
    await money(B, 'POST', `/costs/${cost1.id}/reverse`, { reason: 'Charged to the wrong budget' });
    await money(C, 'PUT', `/pledges/${C}`, { amountPence: 50_000 }); // unchanged: records nothing
    await expectStatus(await hub.call('POST', path(id, `/members/${C}/withdraw`), { token: await callers.officer(C) }), 200, 'withdraw');
    await snap();
    await expectStatus(await hub.call('POST', path(id, '/invitations'), { token: await lead(), body: { council: invitee!.code, role: 'partner' } }), 201, 'invite');
    await snap();
    await expectLedgerSound(hub, id);
  });

  it('a council that joined at seq 20 reads every event from seq 1, gapless, the same as the lead', async () => {
    expect(joinedAt).toBe(20);
    const observer = await callers.officer(P);
    const theirs = await feed(observer, id, 7);
    const leads = await feed(await lead(), id);
    expect(theirs.map((e) => e.seq)).toEqual(Array.from({ length: leads.length }, (_, i) => i + 1));
    expect(theirs).toEqual(leads);
    expect(theirs[0].type).toBe('ChallengeCreated');
    // Including what was never addressed to it (push stays by audience).
    expect(theirs.filter((e) => !e.audience.includes(P)).length).toBeGreaterThanOrEqual(18);
    expect(theirs.find((e) => e.type === 'MemberJoined' && e.data.council === P).seq).toBe(20);
    // Past the end: nothing, and `next` stays where it was.
    const end = (await get(observer, path(id, `/events?after=${leads.length}`))).body;
    expect(end).toEqual({ items: [], next: leads.length });
  });

  it('the feed, the accounts and the statements are for active members only', async () => {
    const outsider = await callers.officer(D);
    const invited = await callers.officer(invitee!.code);
    const withdrawn = await callers.officer(C);
    for (const rest of ['/events', `/members/${B}/account`, '/statement?asOfSeq=3', '/statement?asOf=2020-01-01T00:00:00Z']) {
      expect((await hub.call('GET', path(id, rest), { token: outsider })).status, `outsider ${rest}`).toBe(404);
      expect((await hub.call('GET', path(id, rest), { token: invited })).status, `invited ${rest}`).toBe(403);
      expect((await hub.call('GET', path(id, rest), { token: withdrawn })).status, `withdrawn ${rest}`).toBe(403);
      expect((await hub.call('GET', path(id, rest), { token: await callers.finance(P) })).status, `observer ${rest}`).toBe(200);
    }
    // An outsider with a bad cursor still learns nothing but 404.
    expect((await hub.call('GET', path(id, `/members/${B}/account?cursor=nope`), { token: outsider })).status).toBe(404);
  });

  it("gives each council's account, oldest first, paged, ending at its statement row (a withdrawn one's too)", async () => {
    const statement = await expectAccountsEndAtStatement(await callers.finance(P), id, 2);
    expect(statement.members.map((r: Json) => `${r.council}:${r.status}`)).toEqual([`${B}:active`, `${C}:withdrawn`, `${W}:active`]);
    const account = (await get(await callers.officer(W), path(id, `/members/${C}/account?limit=2`))).body;
    expect(account).toMatchObject({ challengeId: id, council: C, name: coventry.name });
    expect(account.items).toHaveLength(2);
    expect(account.nextCursor).toEqual(expect.any(String));
    // The cost and its reversal: the entry as the ledger shows it, and C's part.
    const all = await allPages(await lead(), path(id, `/members/${C}/account`));
    const [cost, reversal] = [all.find((i) => i.entry.type === 'cost'), all.find((i) => i.entry.type === 'cost_reversal')];
    expect(cost.entry).toMatchObject({ reversed: true, reversedBy: reversal.entry.id });
    expect([reversal.costPence, reversal.riskPence]).toEqual([0 - cost.costPence, 0 - cost.riskPence]);
  });

  it('404 for a council with no account, 422 for a bad cursor', async () => {
    const token = await lead();
    for (const council of [P /* observer */, invitee!.code /* invited */, D /* no record */]) {
      const res = await hub.call('GET', path(id, `/members/${council}/account`), { token });
      expect(res.status, council).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await hub.call('GET', path(id, `/members/${B}/account?cursor=nope`), { token })).status).toBe(422);
    expect((await hub.call('GET', path(id, `/members/${B}/account?cursor=${Buffer.from('{"sk":"ENTRY#1"}').toString('base64url')}`), { token })).status).toBe(422);
    expect((await hub.call('GET', path(id, `/members/nope/account`), { token })).status).toBe(422);
  });

  it('exports the whole account as CSV: BOM, CRLF, header, guarded text, integer pence', async () => {
    const res = await get(await lead(), path(id, `/members/${B}/account?limit=1`), { accept: 'text/csv' });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="account-${id}-${B}.csv"`);
    const raw = new Uint8Array(await (await fetch(`${hub.url}${path(id, `/members/${B}/account`)}`, { headers: { authorization: `Bearer ${await lead()}`, accept: 'text/csv' } })).arrayBuffer());
    expect([...raw.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 byte-order mark
    const body = new TextDecoder('utf-8', { ignoreBOM: true }).decode(raw).slice(1);
    expect(body).toBe(res.body);
    expect(body.endsWith('\r\n')).toBe(true);
    expect(body.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    const lines = body.split('\r\n').slice(0, -1);
    expect(lines[0]).toBe(
      'entryId,recordedAt,type,reference,description,supplier,category,reason,reversesId,reversedBy,amountPence,costPence,riskPence,' +
        'pledgedPence,committedPence,receivedPence,allocatedCostPence,allocatedRiskPence,balancePence,outstandingPence',
    );
    const items = await allPages(await lead(), path(id, `/members/${B}/account`));
    expect(lines).toHaveLength(items.length + 1); // not paged
    const cost = items.findIndex((i) => i.entry.type === 'cost' && i.entry.reversed);
    expect(lines[cost + 1]).toContain(`,cost,,"'=SUM(A1:A9) discovery, phase 1","Acme ""Research""",,,,${items[cost].entry.reversedBy},100001,`);
    const f = items.at(-1).figures;
    expect(lines.at(-1)!.endsWith([f.pledgedPence, f.committedPence, f.receivedPence, f.allocatedCostPence, f.allocatedRiskPence, f.balancePence, f.outstandingPence].join(','))).toBe(true);
  });

  it('statement?asOfSeq=k is exactly the running statement read at seq k, for every k seen', async () => {
    const token = await callers.officer(P);
    expect(snapshots.size).toBeGreaterThan(15);
    for (const [seq, running] of snapshots) {
      expect((await get(token, path(id, `/statement?asOfSeq=${seq}`))).body, `asOfSeq=${seq}`).toEqual(running);
    }
    const current = Math.max(...snapshots.keys());
    expect((await get(token, path(id, '/statement'))).body).toEqual(snapshots.get(current));
    // As CSV, the same as the CSV read at the time.
    const csv = await get(token, path(id, `/statement?asOfSeq=${csvAt.seq}`), { accept: 'text/csv' });
    expect(csv.body).toBe(csvAt.csv);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="statement-${id}-seq${csvAt.seq}.csv"`);
  });

  it('asOfSeq=k equals a replay of the ledger entries recorded by seq k, for every k', async () => {
    const token = await lead();
    const { entries, events } = await ledgerWithSeqs(token, id);
    for (let k = 0; k <= events.length; k++) {
      const s = (await get(token, path(id, `/statement?asOfSeq=${k}`))).body;
      const replayed = fold(entries.filter((e) => e.seq <= k));
      expect(s.asOfSeq).toBe(k);
      for (const row of s.members) expect(row, `seq ${k} ${row.council}`).toMatchObject(withDerived(replayed.get(row.council) ?? zero()));
      const all = [...replayed.values()];
      const sum = (f: keyof Figures) => all.reduce((acc, x) => acc + x[f], 0);
      const spent = sum('allocatedCostPence') + sum('allocatedRiskPence');
      expect(s.totals).toEqual({ pledgedPence: sum('pledgedPence'), committedPence: sum('committedPence'), receivedPence: sum('receivedPence'), spentPence: spent, poolBalancePence: sum('receivedPence') - spent });
    }
  });

  it('asOf=<time> is the statement at the last event stamped at or before it', async () => {
    const token = await lead();
    const events = await feed(token, id);
    for (const e of [events[0], events[9], events[18], events.at(-1)]) {
      const last = events.filter((x) => Date.parse(x.occurredAt) <= Date.parse(e.occurredAt)).at(-1).seq;
      const byTime = (await get(token, path(id, `/statement?asOf=${encodeURIComponent(e.occurredAt)}`))).body;
      expect(byTime.asOfSeq).toBe(last);
      expect(byTime).toEqual((await get(token, path(id, `/statement?asOfSeq=${last}`))).body);
    }
    const before = (await get(token, path(id, '/statement?asOf=2020-01-01T00:00:00Z'))).body;
    expect(before).toMatchObject({ asOfSeq: 0, members: [], totals: { pledgedPence: 0, committedPence: 0, receivedPence: 0, spentPence: 0, poolBalancePence: 0 } });
    expect(before.agreementVersion).toBeUndefined();
  });

  it('refuses a point that has not happened yet, or two points at once (422)', async () => {
    const token = await lead();
    const current = Math.max(...snapshots.keys());
    const beyond = await hub.call('GET', path(id, `/statement?asOfSeq=${current + 1}`), { token });
    expect(beyond.status).toBe(422);
    expect(beyond.body.errors).toEqual([{ path: 'query.asOfSeq', message: `At most ${current}, the current seq.` }]);
    const future = await hub.call('GET', path(id, `/statement?asOf=${new Date(Date.now() + 3_600_000).toISOString()}`), { token });
    expect(future.status).toBe(422);
    expect(future.body.errors[0].path).toBe('query.asOf');
    const both = await hub.call('GET', path(id, '/statement?asOfSeq=1&asOf=2026-01-01T00:00:00Z'), { token });
    expect(both.status).toBe(422);
    expect(both.body.errors[0].path).toBe('query.asOf');
    for (const bad of ['asOfSeq=-1', 'asOfSeq=1.5', 'asOfSeq=x', 'asOfSeq=', 'asOfSeq=0x1', 'asOfSeq=01', 'asOf=yesterday', 'asOf=2026-01-01T00:00:00%2B01:00']) {
      expect((await hub.call('GET', path(id, `/statement?${bad}`), { token })).status, bad).toBe(422);
    }
  });

  it('reads in few round trips: today’s statement 1 Query + 1 BatchGet; an account or an as-at statement one range read each more', async () => {
    const token = await lead();
    const calls = async (url: string) => (await counter.during(() => get(token, url))).calls.sort();
    expect(await calls(path(id, '/statement'))).toEqual(['BatchGetItem', 'Query']);
    expect(await calls(path(id, `/members/${W}/account?limit=100`))).toEqual(['BatchGetItem', 'Query', 'Query']);
    expect(await calls(path(id, '/statement?asOfSeq=12'))).toEqual(['BatchGetItem', 'Query', 'Query', 'Query']);
  });

  it('the OpenAPI document covers the new routes and parameters', async () => {
    const { body } = await hub.call('GET', '/openapi.json');
    const account = body.paths['/v1/challenges/{id}/members/{council}/account'].get;
    expect(account.operationId).toBe('getMemberAccount');
    expect(account.parameters.map((p: Json) => p.name).sort()).toEqual(['council', 'cursor', 'id', 'limit']);
    expect(account.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/MemberAccount');
    expect(body.components.schemas.AccountItem.properties.figures).toBeDefined();
    const statement = body.paths['/v1/challenges/{id}/statement'].get;
    expect(statement.parameters.map((p: Json) => p.name).sort()).toEqual(['asOf', 'asOfSeq', 'id']);
    expect(body.paths['/v1/challenges/{id}/events'].get.summary).toMatch(/every event from seq 1/);
  });
});

// --- Random sequences --------------------------------------------------------

type Op =
  | { op: 'pledge'; m: number; amount: number }
  | { op: 'commit'; m: number; permille: number }
  | { op: 'receive'; m: number; permille: number }
  | { op: 'agree' }
  | { op: 'cost'; amount: number }
  | { op: 'reverse'; k: number }
  | { op: 'withdraw'; m: number }
  | { op: 'join'; k: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('pledge' as const), m: fc.nat(7), amount: fc.integer({ min: 0, max: 200_000 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('commit' as const), m: fc.nat(7), permille: fc.integer({ min: 1, max: 1_100 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('receive' as const), m: fc.nat(7), permille: fc.integer({ min: 1, max: 1_100 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('agree' as const) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('cost' as const), amount: fc.integer({ min: 1, max: 90_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reverse' as const), k: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('withdraw' as const), m: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('join' as const), k: fc.nat(7) }) },
);

describe('random money sequences: accounts end at the statement, asOfSeq replays the ledger', () => {
  it(`holds over ${RUNS} sequences of ${STEPS} steps (seed ${SEED})`, { timeout: 600_000 }, async () => {
    console.info(`record: seed ${SEED}, ${RUNS} runs x ${STEPS} steps (replay: RECORD_SEED=${SEED})`);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: STEPS, maxLength: STEPS }), fc.integer({ min: 1, max: 5 }), async (ops, limit) => {
        run++;
        const lead = reserve[0]!.code;
        const id = await formConsortium(hub, callers, lead, [reserve[1]!.code, reserve[2]!.code], `Random record ${run}`);
        const leadFinance = await callers.finance(lead);
        const snapshots = new Map<number, Json>();
        const costs: string[] = [];
        let statement = (await get(leadFinance, path(id, '/statement'))).body;
        snapshots.set(statement.asOfSeq, statement);
        const log: string[] = [];
        for (const op of ops) {
          const funding = statement.members.filter((r: Json) => r.status === 'active');
          const m = 'm' in op ? funding[op.m % funding.length] : undefined;
          let res: { status: number; body: Json } | undefined;
          switch (op.op) {
            case 'pledge':
              res = await hub.call('PUT', path(id, `/pledges/${m.council}`), { token: await callers.finance(m.council), body: { amountPence: op.amount } });
              break;
            case 'commit': {
              const amountPence = Math.max(1, Math.floor(((m.pledgedPence - m.committedPence) * op.permille) / 1000));
              res = await hub.call('POST', path(id, '/commitments'), { token: await callers.finance(m.council), body: { amountPence } });
              break;
            }
            case 'receive': {
              const amountPence = Math.max(1, Math.floor(((m.committedPence - m.receivedPence) * op.permille) / 1000));
              res = await hub.call('POST', path(id, '/receipts'), { token: leadFinance, body: { council: m.council, amountPence } });
              break;
            }
            case 'agree':
              await agreeShares(hub, callers, id, lead, funding.map((r: Json) => r.council), { basis: 'equal' });
              break;
            case 'cost':
              res = await hub.call('POST', path(id, '/costs'), { token: leadFinance, body: { amountPence: op.amount, description: `Cost ${op.amount}` } });
              if (res.status === 201) costs.push(res.body.id);
              break;
            case 'reverse':
              if (costs.length) res = await hub.call('POST', path(id, `/costs/${costs[op.k % costs.length]}/reverse`), { token: leadFinance, body: { reason: 'Correction' } });
              break;
            case 'withdraw': {
              const partners = funding.filter((r: Json) => r.role === 'partner');
              if (funding.length > 2 && partners.length) {
                const leaver = partners[op.m % partners.length].council;
                res = await hub.call('POST', path(id, `/members/${leaver}/withdraw`), { token: await callers.officer(leaver) });
              }
              break;
            }
            case 'join': {
              const outside = reserve.map((c) => c.code).filter((c) => !funding.some((r: Json) => r.council === c));
              if (outside.length && funding.length < 6) await join(hub, callers, id, lead, outside[op.k % outside.length]!);
              break;
            }
          }
          log.push(`${JSON.stringify(op)} -> ${res?.status ?? '-'}`);
          if (res && res.status >= 500) throw new Error(`${op.op}: ${res.status} ${JSON.stringify(res.body)}\n${log.join('\n')}`);
          statement = (await get(leadFinance, path(id, '/statement'))).body;
          snapshots.set(statement.asOfSeq, statement);
        }
        try {
          await expectLedgerSound(hub, id);
          await expectAccountsEndAtStatement(leadFinance, id, limit);
          for (const [seq, running] of snapshots) expect((await get(leadFinance, path(id, `/statement?asOfSeq=${seq}`))).body, `asOfSeq=${seq}`).toEqual(running);
          // And, between the snapshots too, the figures a replay of the ledger up to k gives.
          const { entries, events } = await ledgerWithSeqs(leadFinance, id);
          for (let k = 0; k <= events.length; k++) {
            const s = (await get(leadFinance, path(id, `/statement?asOfSeq=${k}`))).body;
            const replayed = fold(entries.filter((e) => e.seq <= k));
            for (const row of s.members) expect(row, `seq ${k} ${row.council}`).toMatchObject(withDerived(replayed.get(row.council) ?? zero()));
            const sum = (f: (x: Figures) => number) => [...replayed.values()].reduce((acc, x) => acc + f(x), 0);
            const spentPence = sum((x) => x.allocatedCostPence + x.allocatedRiskPence);
            const receivedPence = sum((x) => x.receivedPence);
            expect(s.totals, `totals at seq ${k}`).toEqual({ pledgedPence: sum((x) => x.pledgedPence), committedPence: sum((x) => x.committedPence), receivedPence, spentPence, poolBalancePence: receivedPence - spentPence });
          }
        } catch (error) {
          throw new Error(`run ${run}: ${(error as Error).message}\nsteps:\n  ${log.join('\n  ')}`);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
