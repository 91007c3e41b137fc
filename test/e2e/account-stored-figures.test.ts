/**
 * A council's account read from the figures each ledger entry stores, over HTTP and
 * DynamoDB Local:
 * - every entry item the API writes carries `figuresAfter`, and they are what a replay
 *   of the ledger gives (the invariant checker replays them);
 * - a page is one key range Query from its cursor (never from the ledger's first
 *   entry), whatever page it is;
 * - a ledger written before entries stored their figures (the items' `figuresAfter`
 *   removed, as on a table kept across the upgrade), wholly or in part, answers with
 *   exactly the same pages, cursors and CSV: such a page is replayed instead.
 */
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClient } from '../../infra/local/dynamodb-local';
import { COUNCILS, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { expectLedgerSound } from '../support/invariants';
import { agreeShares, Callers, expectStatus, formConsortium } from '../support/money';

const { birmingham, coventry, westminster } = COUNCILS;
const [B, C, W] = [birmingham.code, coventry.code, westminster.code];

type Json = any;
let hub: TestHub;
let callers: Callers;
let table: DynamoDBDocumentClient;
let id: string;
/** The ledger Queries the handlers send (their key range, and whether they continue one), while `recording`. */
const ledgerQueries: Array<{ from: string; to: string; continued: boolean }> = [];
let recording = false;

const path = (rest = '') => `/v1/challenges/${id}${rest}`;

async function post(council: string, group: 'finance' | 'officer', url: string, body: unknown, status = 201) {
  return (await expectStatus(await hub.call('POST', path(url), { token: await callers.token(council, group), body }), status, `POST ${url}`)).body;
}

/** Every page of `council`'s account at `limit`, as the API answers them (cursors included), and its CSV. */
async function account(council: string, limit: number) {
  const token = await callers.officer(W);
  const pages: Json[] = [];
  let cursor: string | undefined;
  do {
    const page = (await expectStatus(await hub.call('GET', path(`/members/${council}/account?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`), { token }), 200, 'account')).body;
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  const csv = (await expectStatus(await hub.call('GET', path(`/members/${council}/account`), { token, headers: { accept: 'text/csv' } }), 200, 'account CSV')).body;
  return { pages, csv };
}

async function everyAccount() {
  const out: Record<string, Awaited<ReturnType<typeof account>>> = {};
  for (const council of [B, C, W]) for (const limit of [1, 2, 3, 50]) out[`${council}@${limit}`] = await account(council, limit);
  return out;
}

async function entryItems(): Promise<Json[]> {
  const { Items = [] } = await table.send(
    new QueryCommand({
      TableName: hub.tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':pk': `CHALLENGE#${id}`, ':a': 'ENTRY#0', ':b': 'ENTRY#~' },
      ConsistentRead: true,
    }),
  );
  return Items.filter((i) => i.kind === 'entry');
}

/** As a table written before this release holds them: no stored figures. */
async function forgetFigures(items: readonly Json[]) {
  for (const item of items) {
    await table.send(new UpdateCommand({ TableName: hub.tableName, Key: { PK: item.PK, SK: item.SK }, UpdateExpression: 'REMOVE figuresAfter' }));
  }
}

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  table = DynamoDBDocumentClient.from(localClient(hub.dynamodbEndpoint), { marshallOptions: { removeUndefinedValues: true } });
  const { dynamodb } = await import('../../shared/store/client');
  const seen = new WeakSet<object>();
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args as { input?: Json }).input;
      // A document client call passes here twice (its own command, then the client's); count it once.
      if (!input || seen.has(input)) return next(args);
      seen.add(input);
      const value = (name: string) => input.ExpressionAttributeValues?.[name] as string | undefined;
      const [from, to] = [value(':from') ?? value(':first'), value(':to') ?? value(':last')];
      if (recording && context.commandName === 'QueryCommand' && String(to ?? '').startsWith('ENTRY#')) {
        ledgerQueries.push({ from: from!, to: to!, continued: input.ExclusiveStartKey !== undefined });
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordLedgerQueries', override: true },
  );
  await registerCouncils(hub, [birmingham, coventry, westminster]);
  id = await formConsortium(hub, callers, B, [C, W], 'Stored figures');
  await agreeShares(hub, callers, id, B, [B, C, W], { basis: 'custom', shares: [{ council: B, costBps: 5000, riskBps: 3334 }, { council: C, costBps: 3000, riskBps: 3333 }, { council: W, costBps: 2000, riskBps: 3333 }] });
  for (const [council, pledge, commit] of [[B, 60_000, 50_000], [C, 40_000, 30_000], [W, 20_000, 20_000]] as const) {
    await expectStatus(await hub.call('PUT', path(`/pledges/${council}`), { token: await callers.finance(council), body: { amountPence: pledge } }), 200, 'pledge');
    await post(council, 'finance', '/commitments', { amountPence: commit });
  }
  for (const [council, pence] of [[B, 25_000], [C, 30_000], [W, 5_000]] as const) await post(B, 'finance', '/receipts', { council, amountPence: pence });
  const first = await post(B, 'finance', '/costs', { amountPence: 40_001, description: 'Discovery' });
  await post(B, 'finance', '/costs:batch', { costs: [{ amountPence: 30_000, description: 'Alpha' }, { amountPence: 25_003, description: 'Beyond the headroom' }] });
  await post(B, 'finance', `/costs/${first.id}/reverse`, { reason: 'Invoiced twice' });
  await post(C, 'finance', '/commitments', { amountPence: 10_000 });
  await post(B, 'finance', '/costs', { amountPence: 7, description: 'Postage' });
  await post(B, 'finance', '/receipts', { council: W, amountPence: 15_000 });
});
afterAll(() => hub?.stop());

describe("a council's account from the figures its entries store", () => {
  let before: Awaited<ReturnType<typeof everyAccount>>;

  it('every entry the API writes stores the figures after it of every council it touches, as a replay gives them', async () => {
    const items = await entryItems();
    expect(items.length).toBeGreaterThan(12);
    for (const item of items) {
      const touched = item.allocations ? item.allocations.map((a: Json) => a.council) : [item.council];
      expect(Object.keys(item.figuresAfter ?? {}).sort(), `${item.type} ${item.id}`).toEqual(touched.sort());
    }
    // The checker replays the ledger through applyEntry and compares every stored row (checkInvariants).
    await expectLedgerSound(hub, id);
    before = await everyAccount();
    // Sanity: the accounts are long enough to page, and end at the statement.
    expect(before[`${B}@1`]!.pages.length).toBeGreaterThanOrEqual(8);
    const statement = (await hub.call('GET', path('/statement'), { token: await callers.officer(W) })).body;
    for (const row of statement.members) {
      const last = before[`${row.council}@50`]!.pages.at(-1).items.at(-1).figures;
      const { council: _c, name: _n, role: _r, status: _s, costBps: _cb, riskBps: _rb, ...figures } = row;
      expect(last, row.council).toEqual(figures);
    }
  });

  /** The ledger Queries one GET of `url` sends: where each range starts, and whether it continues the one before (ExclusiveStartKey). */
  async function ledgerReads(url: string) {
    ledgerQueries.length = 0;
    recording = true;
    try {
      await expectStatus(await hub.call('GET', path(url), { token: await callers.officer(W) }), 200, url);
    } finally {
      recording = false;
    }
    return ledgerQueries.map(({ from, continued }) => (continued ? `${from} (continued)` : from));
  }
  /** One key range from `from`: a Query, and any more continuing it. */
  const oneRange = (reads: string[], from: string) => {
    expect(reads[0]).toBe(from);
    expect(reads.slice(1)).toEqual(reads.slice(1).map(() => `${from} (continued)`));
  };

  it('a page, first or later, is one key range read from its cursor, never from the first entry', async () => {
    const pages = before[`${B}@1`]!.pages;
    oneRange(await ledgerReads(`/members/${B}/account?limit=2`), 'ENTRY#0');
    oneRange(await ledgerReads(`/members/${B}/account?limit=2&cursor=${pages[0].nextCursor}`), `ENTRY#${pages[0].items[0].entry.id}#~`);
    // Where the council's entries are dense (costs), a page is one Query.
    const cost = pages.findIndex((p: Json) => p.items[0].entry.type === 'cost');
    expect(await ledgerReads(`/members/${B}/account?limit=2&cursor=${pages[cost].nextCursor}`)).toEqual([`ENTRY#${pages[cost].items[0].entry.id}#~`]);
    expect(ledgerQueries[0]!.to).toBe('ENTRY#~');
  });

  it('a ledger whose older entries store no figures (kept from before) answers exactly the same, replaying where it must', async () => {
    const items = await entryItems();
    await forgetFigures(items.slice(0, items.length >> 1));
    expect(await everyAccount()).toEqual(before);
    // A page over the newer entries still reads from its cursor only; one that reaches an older one is replayed from the first entry.
    const pages = before[`${B}@1`]!.pages;
    const last = pages.at(-2);
    oneRange(await ledgerReads(`/members/${B}/account?limit=1&cursor=${last.nextCursor}`), `ENTRY#${last.items[0].entry.id}#~`);
    const firstPage = await ledgerReads(`/members/${B}/account?limit=1`);
    expect(firstPage.filter((from) => from === 'ENTRY#0')).toHaveLength(2); // the page's own range, then the replay's
    const secondPage = await ledgerReads(`/members/${B}/account?limit=1&cursor=${pages[0].nextCursor}`);
    expect(secondPage[0]).toBe(`ENTRY#${pages[0].items[0].entry.id}#~`);
    expect(secondPage).toContain('ENTRY#0');
  });

  it('and so does one where no entry stores them', async () => {
    await forgetFigures(await entryItems());
    expect((await entryItems()).some((i) => i.figuresAfter)).toBe(false);
    expect(await everyAccount()).toEqual(before);
  });
});
