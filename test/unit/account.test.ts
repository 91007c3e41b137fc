import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountPage,
  accountRefusal,
  asOfRefusal,
  consortiumAt,
  figuresAt,
  pageReadSizes,
  partOf,
  type RecordedEntry,
  storedAccountPage,
} from '../../shared/domain/account';
import { applyEntry, figuresAfter, type MemberFigures, recomputeFigures, type StoredEntry } from '../../shared/domain/ledger';
import { ACCOUNT_CSV_COLUMNS, accountCsv } from '../../shared/domain/statement';
import { isRefusal, type Refusal } from '../../shared/domain/transition';
import { sampleEvents } from '../../events/sample-events';
import type { HubEvent } from '../../shared/schemas/events';

const [A, B, C] = ['E08000025', 'E08000026', 'E09000033'] as const;

/** An async source over `items` that counts how many of them the reader pulled. */
function countedSource<T>(items: readonly T[]) {
  const source = {
    pulled: 0,
    async *read() {
      for (const item of items) {
        source.pulled++;
        yield item;
      }
    },
  };
  return source;
}
const by = { council: A, sub: 'finance-a' };
const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
/** Ids rising with n, as the ledger mints them. */
const id = (n: number) => `01J${String(n).padStart(23, '0')}`;

let n = 0;
const entry = (e: Partial<StoredEntry> & Pick<StoredEntry, 'type' | 'amountPence'>): StoredEntry => {
  n++;
  return { id: id(n), recordedBy: by, recordedAt: at(n), ...e };
};

function ok<T>(value: T | Refusal): T {
  if (isRefusal(value)) throw new Error(`refused: ${value.detail}`);
  return value;
}

describe('partOf: which entries touch a council', () => {
  const cost = entry({ type: 'cost', amountPence: 10, allocations: [{ council: A, costPence: 7, riskPence: 0 }, { council: B, costPence: 0, riskPence: 0 }, { council: C, costPence: 0, riskPence: 3 }] });
  it('its own pledges, commitments and receipts, with no part', () => {
    expect(partOf(entry({ type: 'pledge', council: A, amountPence: 0, previousPence: 5 }), A)).toEqual({ costPence: 0, riskPence: 0 });
    expect(partOf(entry({ type: 'receipt', council: B, amountPence: 5 }), A)).toBeUndefined();
  });
  it('a cost or reversal only where its allocation is not zero', () => {
    expect(partOf(cost, A)).toEqual({ costPence: 7, riskPence: 0 });
    expect(partOf(cost, B)).toBeUndefined();
    expect(partOf(cost, C)).toEqual({ costPence: 0, riskPence: 3 });
    expect(partOf(cost, 'E06000026')).toBeUndefined();
  });
});

describe('accountPage: running figures replayed through applyEntry', () => {
  const ledger: RecordedEntry[] = [
    { entry: entry({ type: 'pledge', council: A, amountPence: 1_000, previousPence: 0 }), seq: 5 },
    { entry: entry({ type: 'pledge', council: B, amountPence: 500, previousPence: 0 }), seq: 6 },
    { entry: entry({ type: 'commitment', council: A, amountPence: 800 }), seq: 7 },
    { entry: entry({ type: 'receipt', council: A, amountPence: 300 }), seq: 8 },
    { entry: entry({ type: 'cost', amountPence: 900, allocations: [{ council: A, costPence: 600, riskPence: 0 }, { council: B, costPence: 200, riskPence: 100 }] }), reversedBy: id(99), seq: 9 },
    { entry: entry({ type: 'commitment', council: B, amountPence: 100 }), seq: 10 },
    { entry: entry({ type: 'cost_reversal', amountPence: -900, reversesId: id(5), allocations: [{ council: A, costPence: -600, riskPence: 0 }, { council: B, costPence: -200, riskPence: -100 }] }), seq: 11 },
  ];

  it("lists the council's entries oldest first with its part and figures after each", async () => {
    const { rows, more } = ok(await accountPage(ledger, A));
    expect(more).toBe(false);
    expect(rows.map((r) => [r.entry.type, r.costPence, r.riskPence, r.figures.pledgedPence, r.figures.committedPence, r.figures.receivedPence, r.figures.allocatedCostPence, r.figures.balancePence, r.figures.outstandingPence])).toEqual([
      ['pledge', 0, 0, 1_000, 0, 0, 0, 0, 0],
      ['commitment', 0, 0, 1_000, 800, 0, 0, 0, 800],
      ['receipt', 0, 0, 1_000, 800, 300, 0, 300, 500],
      ['cost', 600, 0, 1_000, 800, 300, 600, -300, 500],
      ['cost_reversal', -600, 0, 1_000, 800, 300, 0, 300, 500],
    ]);
    expect(rows[3]!.reversedBy).toBe(id(99));
  });

  it('pages continue where the last stopped, with the figures carried over', async () => {
    const all = ok(await accountPage(ledger, B)).rows;
    const first = ok(await accountPage(ledger, B, { limit: 2 }));
    expect(first.more).toBe(true);
    const second = ok(await accountPage(ledger, B, { limit: 2, after: first.rows.at(-1)!.entry.id }));
    expect(second.more).toBe(false);
    expect([...first.rows, ...second.rows]).toEqual(all);
    // Exactly a page's worth left: no next page.
    expect(ok(await accountPage(ledger, B, { limit: all.length })).more).toBe(false);
  });

  it('reads async sources and stops once it has one row past the page', async () => {
    const source = countedSource(ledger);
    const page = ok(await accountPage(source.read(), A, { limit: 1 }));
    expect(page.rows).toHaveLength(1);
    expect(source.pulled).toBe(3); // A's pledge, B's pledge (skipped), A's commitment (the look past the page)
  });

  it('refuses a replay longer than its bound', async () => {
    const refused = await accountPage(ledger, A, { max: 3 });
    expect(isRefusal(refused) && refused.code).toBe('replay_too_long');
  });

  it('ends at the figures a recomputation of the whole ledger gives, for random ledgers and pages', async () => {
    const councils = [A, B, C];
    const op = fc.oneof(
      fc.record({ type: fc.constant('pledge' as const), m: fc.nat(2), amount: fc.nat(10_000) }),
      fc.record({ type: fc.constant('commitment' as const), m: fc.nat(2), amount: fc.integer({ min: 1, max: 5_000 }) }),
      fc.record({ type: fc.constant('receipt' as const), m: fc.nat(2), amount: fc.integer({ min: 1, max: 5_000 }) }),
      fc.record({ type: fc.constant('cost' as const), parts: fc.array(fc.tuple(fc.nat(500), fc.nat(500)), { minLength: 3, maxLength: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), async (ops, limit) => {
        const entries: RecordedEntry[] = ops.map((o, i) => {
          const base = { id: id(10_000 + i), recordedBy: by, recordedAt: at(i) };
          if (o.type === 'cost') {
            const allocations = o.parts.map(([c, r], k) => ({ council: councils[k]!, costPence: c, riskPence: r }));
            return { entry: { ...base, type: 'cost', amountPence: allocations.reduce((s, a) => s + a.costPence + a.riskPence, 0), allocations }, seq: i + 1 };
          }
          return { entry: { ...base, type: o.type, council: councils[o.m]!, amountPence: o.amount }, seq: i + 1 };
        });
        const replayed = recomputeFigures(entries.map((e) => e.entry), councils);
        for (const council of councils) {
          const whole = ok(await accountPage(entries, council)).rows;
          const paged = [];
          let after: string | undefined;
          for (;;) {
            const page = ok(await accountPage(entries, council, { limit, after }));
            paged.push(...page.rows);
            if (!page.more) break;
            after = page.rows.at(-1)!.entry.id;
          }
          expect(paged).toEqual(whole);
          const f = replayed.get(council)!;
          const last = whole.at(-1)?.figures;
          if (last) expect(last).toMatchObject({ pledgedPence: f.pledgedPence, committedPence: f.committedPence, receivedPence: f.receivedPence, allocatedCostPence: f.allocatedCostPence, allocatedRiskPence: f.allocatedRiskPence });
          else expect(Object.values(f).filter((v) => typeof v === 'number').every((v) => v === 0)).toBe(true);
        }
        // The ledger as it stood at each seq is the replay of the entries up to it.
        for (let k = 0; k <= entries.length; k++) {
          const figures = ok(await figuresAt(entries, { seq: k, entrySeqs: new Map() }));
          const expected = recomputeFigures(entries.slice(0, k).map((e) => e.entry), []);
          expect(figures).toEqual(expected);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('figuresAt falls back to the event feed for entries written before they carried their seq', async () => {
    const legacy = ledger.map(({ entry: e }) => ({ entry: e }));
    const entrySeqs = new Map(ledger.map((r) => [r.entry.id, r.seq!]));
    const figures = ok(await figuresAt(legacy, { seq: 8, entrySeqs }));
    expect(figures.get(A)).toMatchObject({ pledgedPence: 1_000, committedPence: 800, receivedPence: 300 });
    expect(figures.get(B)).toMatchObject({ pledgedPence: 500, committedPence: 0 });
  });
});

describe('storedAccountPage: the figures each entry stored, read from the cursor; a replay where they are missing', () => {
  const pledges: RecordedEntry[] = [
    { entry: entry({ type: 'pledge', council: A, amountPence: 1_000, previousPence: 0 }) },
    { entry: entry({ type: 'pledge', council: B, amountPence: 500, previousPence: 0 }) },
    { entry: entry({ type: 'commitment', council: A, amountPence: 800 }) },
    { entry: entry({ type: 'receipt', council: A, amountPence: 300 }) },
    { entry: entry({ type: 'cost', amountPence: 900, allocations: [{ council: A, costPence: 600, riskPence: 0 }, { council: B, costPence: 200, riskPence: 100 }] }), reversedBy: id(999) },
    { entry: entry({ type: 'commitment', council: B, amountPence: 100 }) },
    { entry: entry({ type: 'cost', amountPence: 50, allocations: [{ council: A, costPence: 0, riskPence: 0 }, { council: B, costPence: 50, riskPence: 0 }] }) },
    { entry: entry({ type: 'receipt', council: A, amountPence: 100 }) },
  ];
  /** Each entry with the figures after it, as the transition stores them (applyEntry, then figuresAfter). */
  const stored = (ledger: readonly RecordedEntry[]): RecordedEntry[] => {
    const figures = new Map<string, MemberFigures>();
    return ledger.map((r) => {
      applyEntry(figures, r.entry);
      return { ...r, entry: { ...r.entry, figuresAfter: figuresAfter(r.entry, figures) } };
    });
  };
  const ledger = stored(pledges);
  const after = (cursor: string | undefined) => (cursor === undefined ? ledger : ledger.filter((r) => r.entry.id > cursor));

  it('gives the rows the replay gives, page by page, reading only from the cursor', async () => {
    for (const council of [A, B]) {
      const replayed = ok(await accountPage(ledger, council)).rows;
      for (const limit of [1, 2, 3, 10]) {
        const rows = [];
        let cursor: string | undefined;
        for (;;) {
          const page = (await storedAccountPage(after(cursor), council, { limit }))!;
          expect(page.rows.length).toBeLessThanOrEqual(limit);
          expect(page).toEqual(ok(await accountPage(ledger, council, { limit, after: cursor })));
          rows.push(...page.rows);
          if (!page.more) break;
          cursor = page.rows.at(-1)!.entry.id;
        }
        expect(rows).toEqual(replayed);
      }
    }
    // A's part of the second cost is zero: not a row of its account.
    expect(ok(await accountPage(ledger, A)).rows.map((r) => r.entry.id)).not.toContain(ledger[6]!.entry.id);
  });

  it('stops at one row past the page, and at its read bound with a shorter page that continues after the last entry read', async () => {
    const source = countedSource(ledger);
    expect((await storedAccountPage(source.read(), A, { limit: 1 }))!.rows).toHaveLength(1);
    expect(source.pulled).toBe(3); // A's pledge, B's pledge (skipped), A's commitment (the look past the page)
    // B is touched by entries 2, 5, 6 and 7: a bound of 3 entries read gives its first row only, continuing after entry 3.
    const short = (await storedAccountPage(ledger, B, { limit: 10, max: 3 }))!;
    expect(short).toEqual({ rows: [expect.objectContaining({ entry: ledger[1]!.entry })], more: true, after: ledger[2]!.entry.id });
    // Nothing of B's in the entries read: an empty page that still goes on.
    expect(await storedAccountPage(after(ledger[1]!.entry.id), B, { limit: 10, max: 2 })).toEqual({ rows: [], more: true, after: ledger[3]!.entry.id });
  });

  it('is undefined (replay instead) when an entry the page shows has no stored figures for the council, as entries recorded before they carried them', async () => {
    const legacy = (k: number, drop?: string) => ledger.map((r, i) => {
      if (i !== k) return r;
      const { figuresAfter: stored, ...entry } = r.entry;
      if (drop === undefined) return { ...r, entry };
      const { [drop]: _gone, ...rest } = stored!;
      return { ...r, entry: { ...entry, figuresAfter: rest } };
    });
    expect(await storedAccountPage(legacy(2), A, { limit: 10 })).toBeUndefined();
    expect(await storedAccountPage(legacy(4, B), B, { limit: 10 })).toBeUndefined();
    expect(await storedAccountPage(ledger.map((r) => ({ ...r, entry: { ...r.entry, figuresAfter: { [A]: [1, 2, 3] } } })), A, { limit: 10 })).toBeUndefined();
    // Entries the page does not show need none: another council's, A's beyond the page (its look past it), or before the cursor.
    expect(await storedAccountPage(legacy(1), A, { limit: 10 })).toBeDefined();
    expect(await storedAccountPage(legacy(4, B), A, { limit: 10 })).toBeDefined();
    expect((await storedAccountPage(legacy(2), A, { limit: 1 }))!.more).toBe(true);
    expect(await storedAccountPage(legacy(2).filter((r) => r.entry.id > ledger[2]!.entry.id), A, { limit: 10 })).toBeDefined();
    // And the replay of such a ledger gives exactly what the stored figures give.
    for (const council of [A, B]) {
      expect(ok(await accountPage(legacy(2), council)).rows.map((r) => r.figures)).toEqual(ok(await accountPage(ledger, council)).rows.map((r) => r.figures));
    }
  });
});

describe('pageReadSizes: how many items each Query of an account page asks for', () => {
  /**
   * The store's read of `ledger` (one item per entry), Query by Query as ledgerAfter makes them:
   * each of `sizes()` items, asked just before it; an entry reaches the reader once the item after
   * it is read (a reversal marker could follow it), as the store's `recorded` hands them on.
   */
  function queried(ledger: readonly RecordedEntry[], sizes: () => number) {
    const read = { queries: 0, items: 0 };
    async function* entries() {
      let pending: RecordedEntry | undefined;
      while (read.items < ledger.length) {
        read.queries++;
        const page = ledger.slice(read.items, read.items + sizes());
        read.items += page.length;
        for (const r of page) {
          if (pending) yield pending;
          pending = r;
        }
      }
      if (pending) yield pending;
    }
    return { read, entries: entries() };
  }
  /** Five councils' pledges and commitments in turn, A's first (A touches entries 1 and 2 of 10), then `costs` costs shared by all five. */
  const councils = [A, B, C, 'E06000001', 'E06000002'];
  const consortium = (costs: number): RecordedEntry[] => {
    const ledger = councils.flatMap((c) => [entry({ type: 'pledge', council: c, amountPence: 1_000, previousPence: 0 }), entry({ type: 'commitment', council: c, amountPence: 1_000 })]);
    for (let k = 0; k < costs; k++) ledger.push(entry({ type: 'cost', amountPence: 500, allocations: councils.map((c) => ({ council: c, costPence: 100, riskPence: 0 })) }));
    const figures = new Map<string, MemberFigures>();
    return ledger.map((e) => {
      applyEntry(figures, e);
      return { entry: { ...e, figuresAfter: figuresAfter(e, figures) } };
    });
  };
  const firstPageOf3 = async (ledger: readonly RecordedEntry[]) => {
    const progress = { entries: 0, rows: 0 };
    const store = queried(ledger, pageReadSizes(3, 6, progress));
    const page = (await storedAccountPage(store.entries, A, { limit: 3, progress }))!;
    return { rows: page.rows.length, more: page.more, ...store.read, progress };
  };

  it('asks first for the first size, then for the rows still wanted at the rate they came (plus two), doubling while none has', () => {
    const progress = { entries: 0, rows: 0 };
    const sizes = pageReadSizes(3, 6, progress);
    expect(sizes()).toBe(6);
    Object.assign(progress, { entries: 5, rows: 2 });
    expect(sizes()).toBe(7); // 2 more rows wanted (the page's third, the one past it) at 2.5 entries a row, + 2
    const none = { entries: 0, rows: 0 };
    const sparse = pageReadSizes(3, 6, none);
    sparse();
    none.entries = 5;
    expect([sparse(), sparse()]).toEqual([12, 24]);
  });

  it('reads a long ledger only a little further than a short one for the same first page (one past its rows, and the item completing it)', async () => {
    const short = await firstPageOf3(consortium(1)); // 11 entries: A's whole account is 3 rows
    const long = await firstPageOf3(consortium(200));
    expect(short).toMatchObject({ rows: 3, more: false, queries: 2, items: 11 });
    // A's rows are entries 1, 2 and 11; the 12th says there is more, the 13th completes it. Doubling read 18.
    expect(long).toMatchObject({ rows: 3, more: true, queries: 2, items: 13 });
    expect(long.progress).toEqual({ entries: 12, rows: 3 });
  });

  it('gives the pages the replay gives whatever the sizes, for random ledgers and limits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 12 }), async (costs, limit, first) => {
        const ledger = consortium(costs);
        const progress = { entries: 0, rows: 0 };
        const store = queried(ledger, pageReadSizes(limit, first, progress));
        expect(await storedAccountPage(store.entries, B, { limit, progress })).toEqual(ok(await accountPage(ledger, B, { limit })));
      }),
      { numRuns: 60 },
    );
  });
});

describe('consortiumAt: members, roles and the active agreement replayed from the events', () => {
  const challengeId = '01J0000000000000000000000A';
  let seq = 0;
  const ev = (type: string, data: unknown, council = A): HubEvent =>
    ({ id: id(500 + ++seq), type, version: 1, challengeId, seq, occurredAt: at(seq), actor: { council, sub: 's' }, audience: [A], data }) as HubEvent;
  const shares = (a: number, b: number) => [{ council: A, costBps: a, riskBps: a }, { council: B, costBps: b, riskBps: b }];
  const created = sampleEvents.ChallengeCreated;
  const events: HubEvent[] = [
    ev('ChallengeCreated', { challenge: { ...created.data.challenge, leadCouncil: A } }), // 1
    ev('MemberInvited', { council: B, role: 'partner' }), // 2
    ev('MemberInvited', { council: C, role: 'observer' }), // 3
    ev('MemberJoined', { council: B, role: 'partner', via: 'invitation' }), // 4
    ev('MemberDeclined', { council: C, role: 'observer', via: 'invitation' }), // 5
    ev('ShareAgreementProposed', { version: 1, basis: 'custom', shares: shares(6000, 4000) }), // 6
    ev('ShareAgreementApproved', { version: 1, council: B }), // 7
    ev('ShareAgreementActivated', { version: 1 }), // 8
    ev('PledgeSet', { council: A, amountPence: 10, previousPence: 0, entryId: id(1) }), // 9
    ev('ShareAgreementProposed', { version: 2, basis: 'equal', shares: shares(5000, 5000) }), // 10
    ev('LeadTransferred', { from: A, to: B }), // 11
    ev('ShareAgreementActivated', { version: 2, supersedes: 1 }), // 12
    ev('MemberWithdrew', { council: A, role: 'partner' }), // 13
  ];
  const membersAt = async (until: { seq: number } | { time: string }) => {
    const c = ok(await consortiumAt(events, until));
    return { seq: c.seq, members: [...c.members.values()].map((m) => `${m.council}:${m.role}:${m.status}`).sort(), version: c.agreement?.version, shares: c.agreement?.shares };
  };

  it('follows every membership change and activation', async () => {
    expect(await membersAt({ seq: 0 })).toEqual({ seq: 0, members: [], version: undefined, shares: undefined });
    expect(await membersAt({ seq: 3 })).toMatchObject({ members: [`${A}:lead:active`, `${B}:partner:invited`, `${C}:observer:invited`] });
    expect(await membersAt({ seq: 7 })).toMatchObject({ members: [`${A}:lead:active`, `${B}:partner:active`, `${C}:observer:declined`], version: undefined });
    expect(await membersAt({ seq: 8 })).toMatchObject({ version: 1, shares: shares(6000, 4000) });
    expect(await membersAt({ seq: 11 })).toMatchObject({ members: [`${A}:partner:active`, `${B}:lead:active`, `${C}:observer:declined`], version: 1 });
    expect(await membersAt({ seq: 13 })).toMatchObject({ members: [`${A}:partner:withdrawn`, `${B}:lead:active`, `${C}:observer:declined`], version: 2, shares: shares(5000, 5000) });
    expect(ok(await consortiumAt(events, { seq: 9 })).entrySeqs).toEqual(new Map([[id(1), 9]]));
  });

  it('a time maps to the last event stamped at or before it', async () => {
    expect((await membersAt({ time: at(8) })).seq).toBe(8);
    expect((await membersAt({ time: new Date(Date.parse(at(9)) - 1).toISOString() })).seq).toBe(8);
    expect((await membersAt({ time: '2025-12-31T23:59:59Z' })).seq).toBe(0);
    // Without milliseconds: compared as instants, not as text.
    expect((await membersAt({ time: at(8).replace('.000Z', 'Z') })).seq).toBe(8);
  });

  it('refuses a replay longer than its bound', async () => {
    const refused = await consortiumAt(events, { seq: 13 }, 5);
    expect(isRefusal(refused) && refused.code).toBe('replay_too_long');
  });
});

describe('refusals: whose account, which point', () => {
  const member = (council: string, role: 'lead' | 'partner' | 'observer', status: 'active' | 'withdrawn' | 'invited', money = 0) =>
    ({ council, role, status, via: 'invitation' as const, updatedAt: at(0), ...(money ? { receivedPence: money } : {}) });
  const state = { members: [member(A, 'lead', 'active'), member(B, 'partner', 'withdrawn', 5), member(C, 'observer', 'active'), member('E06000026', 'partner', 'withdrawn')] };

  it('a funding member or a holder of money has an account; anyone else is 404', () => {
    expect(accountRefusal(state, A)).toBeNull();
    expect(accountRefusal(state, B)).toBeNull();
    expect(accountRefusal(state, C)?.kind).toBe('not_found');
    expect(accountRefusal(state, 'E06000026')?.kind).toBe('not_found');
    expect(accountRefusal(state, 'E07000001')?.kind).toBe('not_found');
  });

  it('a seq beyond the last event, or a time to come, is 422 naming the parameter', () => {
    const now = at(100);
    expect(asOfRefusal(12, { seq: 12 }, now)).toBeNull();
    expect(asOfRefusal(12, { seq: 0 }, now)).toBeNull();
    expect(asOfRefusal(12, { seq: 13 }, now)?.errors).toEqual([{ path: 'query.asOfSeq', message: 'At most 12, the current seq.' }]);
    expect(asOfRefusal(12, { time: now }, now)).toBeNull();
    expect(asOfRefusal(12, { time: at(101) }, now)?.errors?.[0]?.path).toBe('query.asOf');
  });
});

describe('accountCsv: the statement CSV conventions', () => {
  it('BOM, header line, CRLF, guarded text, integer pence, one row per entry', async () => {
    const ledger: RecordedEntry[] = [
      { entry: entry({ type: 'commitment', council: A, amountPence: 500, reference: '=HYPERLINK("x")' }) },
      { entry: entry({ type: 'cost', amountPence: 120, description: 'Survey, phase 1', supplier: '+Acme', allocations: [{ council: A, costPence: 100, riskPence: 20 }] }) },
    ];
    const csv = accountCsv(ok(await accountPage(ledger, A)).rows);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n').slice(0, -1);
    expect(lines[0]).toBe(ACCOUNT_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(`${ledger[0]!.entry.id},${ledger[0]!.entry.recordedAt},commitment,"'=HYPERLINK(""x"")",,,,,,,500,0,0,0,500,0,0,0,0,500`);
    expect(lines[2]).toBe(`${ledger[1]!.entry.id},${ledger[1]!.entry.recordedAt},cost,,"Survey, phase 1",'+Acme,,,,,120,100,20,0,500,0,100,20,-120,500`);
    expect(csv).not.toContain('\n\n');
  });
});
