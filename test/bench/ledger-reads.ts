/**
 * Statement and state reads flat in ledger length: the same GETs on two five-council
 * consortia built the same way through the API (challenge, members, agreement, 5 pledges,
 * 5 commitments, 1 cost), one of which then gets enough more ledger entries to hold
 * `entries` in all.
 *
 * Seeding is direct, for speed: TransactWriteItems of 100 puts of ledger entry items in exactly the
 * shape shared/store/write.ts writes (`ENTRY#<ulid>`, kind `entry`, the entry's fields,
 * its event's seq and the figures after it), each a copy of the real cost entry with a new,
 * later ULID id, its figures moved on from the one before by applyEntry.
 * Their events are not seeded: EVENT# items live in another key range and would only
 * add fan-out work in the background. The members' running figures are left as the
 * API wrote them (the statement is built from them, never from the entries).
 *
 * The account is read twice: its first page, and a later page of two rows from a cursor (right
 * after the lead's first row in the short ledger, half-way along the long one). Both ask for the
 * same number of rows (`limit=3`, the lead's whole account in the short ledger), so the figure is
 * the ledger's length alone, not a page of 50 rows against one of 3.
 *
 * Requests alternate between the two challenges (order swapped every pair) through the
 * local hub; the figure is median(large) ÷ median(small), and its min–max over five
 * consecutive blocks of the samples. The state Query itself is shown too, as a key range
 * (BETWEEN, what the store issues) and as `begins_with(SK, 'S#')` (the old query).
 */
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { applyEntry, figuresAfter, figuresFromRow, type StoredEntry } from '../../shared/domain/ledger';
import { routeList } from '../../shared/routes';
import type { BenchHub } from './bench-hub';
import { LEAD } from './bench-hub';
import { inParallel, median, ratioText, table, type Spread, whenQuiet } from './stats';

export interface LedgerReadsOptions {
  /** Ledger entries in the large challenge. @default 10000 */
  entries?: number;
  /** Request pairs per route (the money page gets half). @default 60 */
  pairs?: number;
  log?: (line: string) => void;
}

export interface ReadRow {
  read: string;
  smallMs: number;
  largeMs: number;
  ratio: Spread;
}

const BLOCKS = 5;

/** median(b) ÷ median(a) overall, with the min–max of the same ratio over consecutive blocks. */
function blockRatio(a: readonly number[], b: readonly number[]): Spread {
  const size = Math.max(1, Math.floor(a.length / BLOCKS));
  const per: number[] = [];
  for (let i = 0; i + size <= a.length; i += size) per.push(median(b.slice(i, i + size)) / median(a.slice(i, i + size)));
  return { median: median(b) / median(a), min: Math.min(...per), max: Math.max(...per) };
}

export async function measureLedgerReads(bench: BenchHub, options: LedgerReadsOptions = {}): Promise<ReadRow[]> {
  const entries = Math.max(20, options.entries ?? 10_000);
  const pairs = Math.max(10, options.pairs ?? 60);
  const log = options.log ?? (() => undefined);
  const { documents, tableName } = await import('../../shared/store/client');
  const lead = await bench.as(LEAD, 'finance');

  const small = await bench.consortium('Reads: a short ledger');
  const large = await bench.consortium('Reads: a long ledger');
  for (const id of [small, large]) {
    const res = await bench.call('POST', `/v1/challenges/${id}/costs`, { token: lead, body: { amountPence: 1_234, description: 'The first invoice' } });
    if (res.status !== 201) throw new Error(`cost: ${res.status} ${JSON.stringify(res.body)}`);
  }

  // The large ledger: copies of its real cost entry, each with a new (later) id.
  const t0 = performance.now();
  const pk = `CHALLENGE#${large}`;
  const { Items = [] } = await documents.send(
    new QueryCommand({ TableName: tableName, KeyConditionExpression: 'PK = :pk AND SK BETWEEN :a AND :b', ExpressionAttributeValues: { ':pk': pk, ':a': 'ENTRY#0', ':b': 'ENTRY#~' }, ConsistentRead: true }),
  );
  const real = Items.filter((i) => i.kind === 'entry');
  const cost = real.find((i) => i.type === 'cost');
  if (!cost) throw new Error('no cost entry to copy');
  const next = monotonicFactory();
  const base = Date.parse(cost.recordedAt as string);
  // Each copy stores the figures after it, as the transition would: the cost's own, moved on by applyEntry once per copy.
  const figures = new Map(Object.entries((cost.figuresAfter ?? {}) as Record<string, unknown>).flatMap(([c, row]) => {
    const f = figuresFromRow(c, row);
    return f ? [[c, f] as const] : [];
  }));
  const copies = Array.from({ length: entries - real.length }, (_, n) => {
    const id = next(base + 1 + n);
    const copy = { ...cost, SK: `ENTRY#${id}`, id, recordedAt: new Date(base + 1 + n).toISOString(), description: `Seeded invoice ${n}` } as unknown as StoredEntry & Record<string, unknown>;
    if (!cost.figuresAfter) return copy;
    applyEntry(figures, copy);
    return { ...copy, figuresAfter: figuresAfter(copy, figures) };
  });
  // 100 puts per TransactWriteItems: DynamoDB Local commits (and fsyncs) once per request, so this is 4× fewer than BatchWriteItem's 25.
  const batches = Array.from({ length: Math.ceil(copies.length / 100) }, (_, i) => copies.slice(i * 100, i * 100 + 100));
  await inParallel(batches, 4, async (batch) => {
    await documents.send(new TransactWriteCommand({ TransactItems: batch.map((Item) => ({ Put: { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(PK)' } })) }));
  });
  log(`  ledgers: ${real.length} entries (API) vs ${entries} (${real.length} API + ${copies.length} seeded by TransactWriteItems of 100 puts in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  // The seeded puts are stream records the hub's fan-out still reads through (and skips): not while reads are timed.
  log(`  before timing: ${await whenQuiet()}`);

  const officer = await bench.as(LEAD, 'officer');
  const get = async (path: string) => {
    const t = performance.now();
    const res = await bench.call('GET', path, { token: officer });
    const elapsed = performance.now() - t;
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return elapsed;
  };
  // The money page as a signed-in finance officer's browser asks for it: time to first byte (fetch settles on the
  // response headers), then the HTML read to the end so the next request starts clean.
  const { SESSION_COOKIE } = await import('../../shared/web/session');
  const financeSession = `${SESSION_COOKIE}=${lead}`;
  const page = async (path: string) => {
    const t = performance.now();
    const res = await fetch(`${bench.url}${path}`, { headers: { cookie: financeSession, accept: 'text/html' }, redirect: 'manual' });
    const elapsed = performance.now() - t;
    const html = await res.text();
    if (res.status !== 200 || !html.includes('</html>')) throw new Error(`GET ${path}: ${res.status} ${html.slice(0, 300)}`);
    return elapsed;
  };
  const hasPages = routeList.some((r) => r.method === 'GET' && r.path === '/challenges/{id}/money');
  const query = (id: string, condition: string, values: Record<string, string>) => async () => {
    const t = performance.now();
    await documents.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: `PK = :pk AND ${condition}`, ExpressionAttributeValues: { ':pk': `CHALLENGE#${id}`, ...values }, ConsistentRead: true }),
    );
    return performance.now() - t;
  };
  const hasAccount = routeList.some((r) => r.method === 'GET' && r.path === '/v1/challenges/{id}/members/{council}/account');
  // A later page of the lead's account, two rows from a cursor: in the short ledger right after its first row (its
  // pledge), in the long one half-way along (after the seeded copy in the middle), so both pages hold two rows.
  const { encodeCursor } = await import('../../shared/store/cursor');
  const laterCursor = new Map<string, string>();
  if (hasAccount) {
    const first = await bench.call('GET', `/v1/challenges/${small}/members/${LEAD}/account?limit=1`, { token: officer });
    if (first.status !== 200 || !first.body.items?.[0]) throw new Error(`account: ${first.status} ${JSON.stringify(first.body).slice(0, 300)}`);
    laterCursor.set(small, encodeCursor({ id: first.body.items[0].entry.id as string })!);
    laterCursor.set(large, encodeCursor({ id: copies[copies.length >> 1]!.id })!);
  }
  const reads: Array<{ read: string; at: (id: string) => () => Promise<number>; pairs: number }> = [
    { read: 'GET statement', at: (id) => () => get(`/v1/challenges/${id}/statement`), pairs },
    { read: 'GET challenge', at: (id) => () => get(`/v1/challenges/${id}`), pairs },
    { read: 'GET members', at: (id) => () => get(`/v1/challenges/${id}/members`), pairs },
    ...(hasAccount
      ? [
          { read: 'GET members/{council}/account (first page, 3 rows)', at: (id: string) => () => get(`/v1/challenges/${id}/members/${LEAD}/account?limit=3`), pairs },
          {
            read: 'GET members/{council}/account (later page, 2 rows)',
            at: (id: string) => () => get(`/v1/challenges/${id}/members/${LEAD}/account?limit=2&cursor=${laterCursor.get(id)}`),
            pairs,
          },
        ]
      : []),
    ...(hasPages ? [{ read: 'money page, time to first byte (web, signed in as the lead’s finance)', at: (id: string) => () => page(`/challenges/${id}/money`), pairs: Math.ceil(pairs / 2) }] : []),
    { read: "  state Query, SK BETWEEN 'S#A' AND 'S#~' (the store's)", at: (id) => query(id, 'SK BETWEEN :a AND :b', { ':a': 'S#A', ':b': 'S#~' }), pairs },
    { read: "  state Query, begins_with(SK, 'S#') (before)", at: (id) => query(id, 'begins_with(SK, :p)', { ':p': 'S#' }), pairs },
  ];

  const rows: ReadRow[] = [];
  for (const { read, at, pairs: n } of reads) {
    const [a, b] = [at(small), at(large)];
    await a();
    await b();
    const smallMs: number[] = [];
    const largeMs: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) {
        smallMs.push(await a());
        largeMs.push(await b());
      } else {
        largeMs.push(await b());
        smallMs.push(await a());
      }
    }
    rows.push({ read, smallMs: median(smallMs), largeMs: median(largeMs), ratio: blockRatio(smallMs, largeMs) });
  }
  log(
    table(
      ['read (through the local hub)', `${real.length} entries`, `${entries} entries`, 'ratio of medians (blocks min–max)'],
      rows.map((r) => [r.read, `${r.smallMs.toFixed(1)} ms`, `${r.largeMs.toFixed(1)} ms`, ratioText(r.ratio)]),
    ).replace(/^/gm, '  '),
  );
  const api = rows.filter((r) => r.read.startsWith('GET'));
  const money = rows.find((r) => r.read.startsWith('money page'));
  if (money) log(`  money page (issue 10): time to first byte ${money.smallMs.toFixed(1)} ms at ${real.length} entries, ${money.largeMs.toFixed(1)} ms at ${entries} (${ratioText(money.ratio)})`);
  log(`  goal ≤ 1.1×: worst ${Math.max(...api.map((r) => r.ratio.median)).toFixed(2)}× (${api.sort((x, y) => y.ratio.median - x.ratio.median)[0]!.read})${hasAccount ? '' : '; the account route is not there yet'}`);
  return rows;
}
