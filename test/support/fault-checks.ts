/**
 * Black-box checks for the fault suites: everything here is read through the
 * hub's HTTP API (events feed, ledger, statement, members, agreements), never from
 * the table, so the checks hold whatever the write path looks like inside.
 *
 * - `ChallengeWatcher` follows one challenge as an active member that never
 *   leaves (so every event's audience includes it and its feed is the whole
 *   feed) and, on each `refresh()`, returns what changed since the last one and
 *   the invariants that no longer hold.
 * - `judge()` compares one logical write (its final answer after the client's
 *   retries) with what changed: exactly one effect for an acknowledged write, none
 *   for a refused one, at most one for one whose outcome stayed unknown (a batch's
 *   effect is one entry and one event per cost, all or none).
 */
import { applyEntry, checkInvariants } from '../../shared/domain/ledger';
import type { Outcome } from './fault-client';

type Json = any;
export type Get = (path: string) => Promise<{ status: number; body: Json }>;

export interface ObservedState {
  /** Last event seq read. */
  seq: number;
  events: Json[];
  entries: Json[];
  statement: Json;
  members: Array<{ council: string; role: string; status: string }>;
  agreements: Json[];
}

export interface Delta {
  events: Json[];
  entries: Json[];
  /** Ledger entry ids before this refresh. */
  before: Set<string>;
}

const MONEY_EVENTS: Record<string, string> = {
  pledge: 'PledgeSet',
  commitment: 'CommitmentRecorded',
  receipt: 'ReceiptRecorded',
  cost: 'CostRecorded',
  cost_reversal: 'CostReversed',
};
const FIGURES = ['pledgedPence', 'committedPence', 'receivedPence', 'allocatedCostPence', 'allocatedRiskPence'] as const;

async function ok(get: Get, path: string): Promise<Json> {
  const res = await get(path);
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Every page of a `{items, nextCursor}` list. */
async function allPages(get: Get, path: string): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(get, `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export class ChallengeWatcher {
  state: ObservedState = { seq: 0, events: [], entries: [], statement: undefined, members: [], agreements: [] };
  private eventIds = new Set<string>();

  constructor(private readonly get: Get, readonly challengeId: string) {}

  /**
   * Reads what changed (faults must be off) and lists every invariant that is broken.
   * `'all'` reads everything; `'changed'` reads the feed and then only what it says
   * changed, so a refused write costs one read and an applied one two or three.
   */
  async refresh(hint: 'changed' | 'all' = 'all'): Promise<{ delta: Delta; violations: string[] }> {
    const base = `/v1/challenges/${this.challengeId}`;
    const violations: string[] = [];
    const before = new Set<string>(this.state.entries.map((e) => e.id));
    const previousEntries = this.state.entries;

    const readFeed = async () => {
      // The feed from the last seq seen: gapless, each event once.
      const fresh: Json[] = [];
      let after = this.state.seq;
      for (;;) {
        const page = await ok(this.get, `${base}/events?after=${after}&limit=100`);
        fresh.push(...page.items);
        if (page.next === after || page.items.length === 0) break;
        after = page.next;
      }
      return fresh;
    };
    const all = this.state.statement === undefined || hint === 'all';
    // The feed is the change detector: every change writes its events in the same
    // transaction (the outbox), so the rest is read only when the feed moved, and
    // then only what the new events say changed. A change without an event still
    // shows, as figures that no replay explains, at the next read (and at 'all').
    const fresh = await readFeed();
    const types = fresh.map((e) => String(e.type));
    const moved = (prefixes: string[]) => all || types.some((t) => prefixes.some((p) => t.startsWith(p)));
    const money = all || types.some((t) => Object.values(MONEY_EVENTS).includes(t));
    const [entries, statement, members, agreements] = await Promise.all([
      money ? allPages(this.get, `${base}/ledger`) : this.state.entries,
      // Figures move only with money; rows come and go with membership.
      money || moved(['Member', 'Lead']) ? ok(this.get, `${base}/statement`) : this.state.statement,
      moved(['Member', 'Lead']) ? ok(this.get, `${base}/members`).then((b) => b.items) : this.state.members,
      moved(['ShareAgreement']) ? allPages(this.get, `${base}/share-agreements`) : this.state.agreements,
    ]);

    fresh.forEach((e, i) => {
      if (e.seq !== this.state.seq + i + 1) violations.push(`feed gap: expected seq ${this.state.seq + i + 1}, got ${e.seq} (${e.type})`);
      if (this.eventIds.has(e.id)) violations.push(`event ${e.id} (seq ${e.seq}) appears twice in the feed`);
      this.eventIds.add(e.id);
    });
    const seq = fresh.at(-1)?.seq ?? this.state.seq;
    if (statement !== this.state.statement && statement.asOfSeq !== seq) violations.push(`statement asOfSeq ${statement.asOfSeq} but the feed ends at seq ${seq}`);

    // The ledger only grows: what was there is still there, in the same order.
    previousEntries.forEach((e, i) => {
      if (entries[i]?.id !== e.id) violations.push(`ledger entry ${e.id} (position ${i}) moved or vanished`);
    });
    const ids = new Set<string>();
    for (const e of entries) {
      if (ids.has(e.id)) violations.push(`ledger entry ${e.id} listed twice`);
      ids.add(e.id);
    }

    this.state = { seq, events: [...this.state.events, ...fresh], entries, statement, members, agreements };
    violations.push(...this.invariants());
    return { delta: { events: fresh, entries: entries.filter((e) => !before.has(e.id)), before }, violations };
  }

  /** The money invariants of domain.md over what the API shows. */
  invariants(): string[] {
    const { entries, statement, events } = this.state;
    const violations: string[] = [];

    // One money event per entry, and one entry per money event.
    const moneyEvents = events.filter((e) => Object.values(MONEY_EVENTS).includes(e.type));
    const byEntry = new Map<string, Json[]>();
    for (const e of moneyEvents) byEntry.set(e.data.entryId, [...(byEntry.get(e.data.entryId) ?? []), e]);
    for (const entry of entries) {
      const found = byEntry.get(entry.id) ?? [];
      if (found.length !== 1) violations.push(`entry ${entry.id} (${entry.type}) has ${found.length} events`);
      else if (found[0].type !== MONEY_EVENTS[entry.type]) violations.push(`entry ${entry.id} (${entry.type}) has a ${found[0].type} event`);
      else if (found[0].data.amountPence !== entry.amountPence) violations.push(`entry ${entry.id} amount ${entry.amountPence}, its event says ${found[0].data.amountPence}`);
    }
    const entryIds = new Set(entries.map((e) => e.id));
    for (const e of moneyEvents) if (!entryIds.has(e.data.entryId)) violations.push(`${e.type} event seq ${e.seq} names entry ${e.data.entryId}, which is not in the ledger`);

    // Allocations sum to amounts, balances to pool cash, figures to a replay (shared/domain/ledger).
    const figures = statement.members.map((m: Json) => ({
      council: m.council,
      pledgedPence: m.pledgedPence,
      committedPence: m.committedPence,
      receivedPence: m.receivedPence,
      allocatedCostPence: m.allocatedCostPence,
      allocatedRiskPence: m.allocatedRiskPence,
    }));
    violations.push(...checkInvariants({ entries, figures, totals: statement.totals }));

    // The statement's own arithmetic and totals, against a replay through applyEntry.
    const replay = new Map<string, Json>();
    for (const e of entries) applyEntry(replay, e);
    const sum = (field: (typeof FIGURES)[number]) => [...replay.values()].reduce((acc, f) => acc + (f[field] ?? 0), 0);
    const totals = statement.totals;
    const expected = {
      pledgedPence: sum('pledgedPence'),
      committedPence: sum('committedPence'),
      receivedPence: sum('receivedPence'),
      spentPence: sum('allocatedCostPence') + sum('allocatedRiskPence'),
    };
    for (const [field, value] of Object.entries(expected)) {
      if (totals[field] !== value) violations.push(`statement totals.${field} ${totals[field]}, the ledger gives ${value}`);
    }
    if (totals.poolBalancePence !== expected.receivedPence - expected.spentPence) violations.push(`statement poolBalancePence ${totals.poolBalancePence} ≠ received − spent`);
    let balances = 0;
    for (const m of statement.members) {
      const balance = m.receivedPence - m.allocatedCostPence - m.allocatedRiskPence;
      if (m.balancePence !== balance) violations.push(`${m.council} balancePence ${m.balancePence}, its figures give ${balance}`);
      if (m.outstandingPence !== m.committedPence - m.receivedPence) violations.push(`${m.council} outstandingPence ${m.outstandingPence} ≠ committed − received`);
      balances += m.balancePence;
    }
    if (balances !== totals.poolBalancePence) violations.push(`member balances sum to ${balances}, pool cash is ${totals.poolBalancePence}`);
    return violations;
  }

  // --- what the op generator needs -----------------------------------------

  get lead(): string {
    return this.state.members.find((m) => m.role === 'lead')!.council;
  }
  funding(): string[] {
    return this.state.members.filter((m) => m.status === 'active' && m.role !== 'observer').map((m) => m.council).sort();
  }
  memberStatus(council: string): string | undefined {
    return this.state.members.find((m) => m.council === council)?.status;
  }
  figures(council: string): Record<(typeof FIGURES)[number], number> {
    const row = this.state.statement?.members.find((m: Json) => m.council === council);
    return Object.fromEntries(FIGURES.map((f) => [f, row?.[f] ?? 0])) as Record<(typeof FIGURES)[number], number>;
  }
}

// --- one logical write against what changed --------------------------------

/** What one write does when it is applied: the events it causes and the entry it records. */
export interface Effect {
  /** The event type an applied write causes exactly once. */
  primary: string;
  /** Further types it may cause, at most once each (e.g. ShareAgreementActivated). */
  optional?: string[];
  /** Money: the ledger entry type it records, whose id is the answer's `id` (or the ids `answered` gives). */
  entry?: string;
  /**
   * How many `primary` events (and `entry` entries) it records when applied, all or none:
   * 1 but for a batch (one entry and one CostRecorded per cost). @default 1
   */
  times?: number;
  /** The entry ids an acknowledged answer reports. @default [body.id] */
  answered?: (body: Json) => string[];
  /** Is this event one this answer reports? e.g. `data.entryId === body.id`. */
  belongs?: (event: Json, body: Json) => boolean;
  /** The entries it recorded, oldest first, against the request: what is wrong with them, if anything. */
  entriesMatch?: (entries: Json[]) => string | undefined;
  /** A 2xx that rightly changed nothing (the same pledge again, a second approval). */
  noop?: (body: Json, delta: Delta) => boolean;
}

export type DefectKind =
  | 'duplicate' // applied more than once
  | 'partial' // an all-or-nothing write (a cost batch) applied in part
  | 'refused-but-applied' // the final answer was a refusal, yet the write happened
  | 'ack-missing' // acknowledged (2xx) but nothing (or not that) was recorded
  | 'ack-mismatch' // acknowledged with an id/version the ledger or feed does not hold
  | 'unexpected-change' // events or entries this write cannot have caused
  | 'invariant'; // a ledger, statement or feed invariant broken

export interface Defect {
  kind: DefectKind;
  detail: string;
}

const countTypes = (events: Json[]) => {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return counts;
};

export function judge(effect: Effect, outcome: Outcome, delta: Delta): Defect[] {
  const defects: Defect[] = [];
  const times = effect.times ?? 1;
  const counts = countTypes(delta.events);
  const allowed = new Set([effect.primary, ...(effect.optional ?? [])]);
  const seen = [...counts].map(([t, n]) => `${t}×${n}`).join(', ') || 'nothing';
  const foreign = delta.events.filter((e) => !allowed.has(e.type));
  if (foreign.length) defects.push({ kind: 'unexpected-change', detail: `events ${foreign.map((e) => e.type).join(', ')}` });
  const newEntries = delta.entries;
  const wrongEntries = newEntries.filter((e) => e.type !== effect.entry);
  if (wrongEntries.length) defects.push({ kind: 'unexpected-change', detail: `ledger entries ${wrongEntries.map((e) => e.type).join(', ')}` });

  const primaryCount = counts.get(effect.primary) ?? 0;
  const repeated = [...allowed].filter((t) => (counts.get(t) ?? 0) > (t === effect.primary ? times : 1));
  const ownEntries = effect.entry ? newEntries.filter((e) => e.type === effect.entry) : [];
  const entryCount = ownEntries.length;
  const what = `${seen}${effect.entry ? `; ${entryCount} ${effect.entry} entries` : ''}`;
  if (repeated.length || entryCount > times) {
    defects.push({ kind: 'duplicate', detail: `one write${times > 1 ? ` of ${times}` : ''}, ${what}` });
  } else if (times > 1 && ((primaryCount > 0 && primaryCount < times) || (entryCount > 0 && entryCount < times))) {
    defects.push({ kind: 'partial', detail: `one write of ${times}, all or none, recorded ${what}` });
  }
  if (effect.entriesMatch && entryCount > 0) {
    const wrong = effect.entriesMatch(ownEntries);
    if (wrong) defects.push({ kind: 'ack-mismatch', detail: `the entries recorded are not the ones asked for: ${wrong}` });
  }

  if (outcome.final === 'ack') {
    if (delta.events.length === 0 && newEntries.length === 0) {
      if (!effect.noop?.(outcome.body, delta)) defects.push({ kind: 'ack-missing', detail: `answered ${outcome.status} but nothing changed` });
    } else if (primaryCount === 0) {
      defects.push({ kind: 'ack-missing', detail: `answered ${outcome.status} but no ${effect.primary} (saw ${seen})` });
    } else if (effect.belongs && delta.events.filter((e) => e.type === effect.primary && effect.belongs!(e, outcome.body)).length < Math.min(times, primaryCount)) {
      defects.push({ kind: 'ack-mismatch', detail: `the ${effect.primary} recorded is not the one answered (${JSON.stringify(outcome.body?.id ?? outcome.body?.version ?? effect.answered?.(outcome.body))})` });
    }
    if (effect.entry && primaryCount > 0) {
      const answered = effect.answered ? effect.answered(outcome.body) : [outcome.body?.id];
      const missing = answered.filter((id) => !newEntries.some((e) => e.id === id));
      if (missing.length || answered.length !== times) {
        defects.push({ kind: 'ack-mismatch', detail: `answered entries ${answered.join(', ') || 'none'}, the ledger's new entries are ${newEntries.map((e) => e.id).join(', ') || 'none'}` });
      }
    }
  } else if (outcome.final === 'refused') {
    if (delta.events.length || newEntries.length) {
      defects.push({ kind: 'refused-but-applied', detail: `answered ${outcome.status} ${outcome.body?.code ?? ''} yet recorded ${seen}` });
    }
  }
  return defects;
}
