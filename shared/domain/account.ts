/**
 * The consortium's record, pure: a council's account (every ledger entry that
 * touched it, with its running figures after each) and the consortium as it
 * stood at a point (members, roles, the active agreement's shares, the ledger up
 * to that event). A page of an account reads the figures each entry stored when
 * it was recorded (applyEntry's, see money.ts); everything else, and an account
 * over entries that store none, is a replay through the one `applyEntry`. Records
 * are handed in oldest first; an input may be async (a store read that pages),
 * and the reader stops as soon as it has what it needs.
 */
import type { MemberRole, MemberStatus } from '../schemas/common';
import type { HubEvent } from '../schemas/events';
import { isActive, isFundingRole } from './consortium';
import {
  applyEntry,
  balancePence,
  FIGURE_FIELDS,
  type FigureField,
  figuresFromRow,
  figuresOf,
  hasMoney,
  type MemberFigures,
  outstandingPence,
  type StoredEntry,
  zeroFigures,
} from './ledger';
import { type ChallengeState, memberOf } from './records';
import type { Share } from './shares';
import { type Refusal, refuse } from './transition';

/**
 * At most this many ledger entries (or events) are replayed, or read, for one
 * answer. A statement as at a point, a council's whole account (the CSV) and an
 * account page over entries recorded before entries stored their figures are
 * replays from the ledger's first entry: O(ledger), bounded here (beyond it, 409
 * replay_too_long). A page of an account otherwise reads from its cursor only, and
 * stops at this many entries with a shorter page when the ledger seldom touches
 * the council. 10,000 entries is far beyond a consortium's manual bookkeeping and
 * reads in well under a second.
 */
export const MAX_REPLAY_ENTRIES = 10_000;
export const MAX_REPLAY_EVENTS = 20_000;

/** A ledger entry as read in order: for a cost, the entry that reversed it; and the seq of the event that recorded it. */
export interface RecordedEntry {
  entry: StoredEntry;
  reversedBy?: string;
  /** Absent on entries written before entries carried it: the event feed then says. */
  seq?: number;
}

type Source<T> = Iterable<T> | AsyncIterable<T>;

const tooLong = (what: string, max: number) =>
  refuse.conflict('replay_too_long', `This needs a replay of more than ${max} ${what}, more than the hub replays for one answer.`);

export type AccountFigures = Record<FigureField, number> & { balancePence: number; outstandingPence: number };

/** A page of an account. With `more`: `after` is the entry id the next page starts after when it is not the last row's. */
export interface AccountPage {
  rows: AccountRow[];
  more: boolean;
  after?: string;
}

export interface AccountRow {
  entry: StoredEntry;
  reversedBy?: string;
  /** The council's part of a cost or reversal (0 for its pledges, commitments, receipts). */
  costPence: number;
  riskPence: number;
  /** The council's figures once this entry is applied. */
  figures: AccountFigures;
}

/** The council's part of `entry`, or undefined when the entry does not touch it (a zero allocation does not). */
export function partOf(entry: StoredEntry, council: string): { costPence: number; riskPence: number } | undefined {
  if (entry.type === 'cost' || entry.type === 'cost_reversal') {
    const a = entry.allocations?.find((x) => x.council === council);
    return a && (a.costPence !== 0 || a.riskPence !== 0) ? { costPence: a.costPence, riskPence: a.riskPence } : undefined;
  }
  return entry.council === council ? { costPence: 0, riskPence: 0 } : undefined;
}

export function accountFigures(f: MemberFigures): AccountFigures {
  const out = {} as AccountFigures;
  for (const field of FIGURE_FIELDS) out[field] = f[field];
  return { ...out, balancePence: balancePence(f), outstandingPence: outstandingPence(f) };
}

/**
 * A page of `council`'s account: the rows for entries after `after` (an entry id;
 * ids rise in ledger order), at most `limit` (none: every row), with the running
 * figures replayed from the ledger's first entry. Entries that do not touch the
 * council cannot move its figures, so only those that do are applied.
 */
export async function accountPage(
  entries: Source<RecordedEntry>,
  council: string,
  options: { after?: string | undefined; limit?: number | undefined; max?: number } = {},
): Promise<AccountPage | Refusal> {
  const { after, limit, max = MAX_REPLAY_ENTRIES } = options;
  const figures = new Map<string, MemberFigures>([[council, zeroFigures(council)]]);
  const rows: AccountRow[] = [];
  let read = 0;
  for await (const { entry, reversedBy } of entries) {
    if (++read > max) return tooLong('ledger entries', max);
    const part = partOf(entry, council);
    if (!part) continue;
    if (after !== undefined && entry.id <= after) {
      applyEntry(figures, entry);
      continue;
    }
    // One more row than the page holds says there is a next page; it is not applied or shown.
    if (limit !== undefined && rows.length === limit) return { rows, more: true };
    applyEntry(figures, entry);
    rows.push({ entry, ...(reversedBy ? { reversedBy } : {}), ...part, figures: accountFigures(figures.get(council)!) });
  }
  return { rows, more: false };
}

/**
 * A page of `council`'s account from the figures its entries store: `entries` are
 * the ledger from right after the cursor (the store's key range from there), each
 * row's figures the entry's own, so the page costs the same wherever it is. At
 * most `limit` rows; undefined when an entry the page would show stores no figures
 * for the council (recorded before entries carried them): the caller then replays
 * (accountPage). At most `max` entries are read: where the ledger seldom touches
 * the council the page stops there, shorter (even empty), and continues after the
 * last entry read.
 */
export async function storedAccountPage(
  entries: Source<RecordedEntry>,
  council: string,
  options: { limit: number; max?: number; progress?: PageReadProgress },
): Promise<AccountPage | undefined> {
  const { limit, max = MAX_REPLAY_ENTRIES, progress = { entries: 0, rows: 0 } } = options;
  const rows: AccountRow[] = [];
  let lastRead: string | undefined;
  for await (const { entry, reversedBy } of entries) {
    if (progress.entries === max) return { rows, more: true, after: lastRead! };
    progress.entries++;
    lastRead = entry.id;
    const part = partOf(entry, council);
    if (!part) continue;
    // One more row than the page holds says there is a next page.
    if (rows.length === limit) return { rows, more: true };
    const figures = figuresFromRow(council, entry.figuresAfter?.[council]);
    if (!figures) return undefined;
    rows.push({ entry, ...(reversedBy ? { reversedBy } : {}), ...part, figures: accountFigures(figures) });
    progress.rows = rows.length;
  }
  return { rows, more: false };
}

/** How far a page's read has come: the entries read and the rows they gave (storedAccountPage counts them). */
export interface PageReadProgress {
  entries: number;
  rows: number;
}

/**
 * Items per Query for a page of `limit` rows (and the one past it that says there is more):
 * `first`, then what the rows still wanted take at the rate rows have come so far, plus two
 * (the item that completes the last entry, a reversal marker); twice the last while none has
 * come. So a sparse stretch (each council's pledge and commitment in turn) followed by a dense
 * one (costs touch every member) is not read twice as far as the page needs; a guess that
 * falls short costs one more Query, sized again.
 */
export function pageReadSizes(limit: number, first: number, progress: Readonly<PageReadProgress>): () => number {
  let last = 0;
  return () => {
    const wanted = limit + 1 - progress.rows;
    last = last === 0 ? first : progress.rows === 0 ? 2 * last : Math.ceil((wanted * progress.entries) / progress.rows) + 2;
    return last;
  };
}

export interface MemberAt {
  council: string;
  role: MemberRole;
  status: MemberStatus;
}

/** The consortium as it stood once event `seq` had happened. */
export interface ConsortiumAt {
  /** The last event included (0: before the challenge existed). */
  seq: number;
  /** Every council with a membership record then, by code. */
  members: Map<string, MemberAt>;
  /** The share agreement active then. */
  agreement?: { version: number; shares: Share[] };
  /** The seq of each money event's entry, for entries that do not carry their own. */
  entrySeqs: Map<string, number>;
}

/**
 * Replays the events from seq 1 up to `until`: a seq, or a time (the last event
 * stamped at or before it; stamps are taken after the state they change is
 * read, so they rise with seq).
 */
export async function consortiumAt(
  events: Source<HubEvent>,
  until: { seq: number } | { time: string },
  max = MAX_REPLAY_EVENTS,
): Promise<ConsortiumAt | Refusal> {
  const at: ConsortiumAt = { seq: 0, members: new Map(), entrySeqs: new Map() };
  const proposals = new Map<number, Share[]>();
  const limitMs = 'time' in until ? Date.parse(until.time) : undefined;
  const set = (council: string, role: MemberRole, status: MemberStatus) => at.members.set(council, { council, role, status });
  let read = 0;
  for await (const e of events) {
    if ('seq' in until ? e.seq > until.seq : Date.parse(e.occurredAt) > limitMs!) break;
    if (++read > max) return tooLong('events', max);
    switch (e.type) {
      case 'ChallengeCreated':
        set(e.data.challenge.leadCouncil, 'lead', 'active');
        break;
      case 'MemberInvited':
        set(e.data.council, e.data.role, 'invited');
        break;
      case 'MemberJoinRequested':
        set(e.data.council, e.data.role, 'requested');
        break;
      case 'MemberJoined':
        set(e.data.council, e.data.role, 'active');
        break;
      case 'MemberDeclined':
        set(e.data.council, e.data.role, 'declined');
        break;
      case 'MemberWithdrew':
        set(e.data.council, e.data.role, 'withdrawn');
        break;
      case 'LeadTransferred': {
        // The old lead stays active as a partner; the new lead was an active partner.
        set(e.data.from, 'partner', at.members.get(e.data.from)?.status ?? 'active');
        set(e.data.to, 'lead', 'active');
        break;
      }
      case 'ShareAgreementProposed':
        proposals.set(e.data.version, e.data.shares.map((s) => ({ council: s.council, costBps: s.costBps, riskBps: s.riskBps })));
        break;
      case 'ShareAgreementActivated': {
        const shares = proposals.get(e.data.version);
        if (!shares) throw new Error(`ShareAgreementActivated (seq ${e.seq}) names version ${e.data.version}, never proposed`);
        at.agreement = { version: e.data.version, shares };
        break;
      }
      case 'PledgeSet':
      case 'CommitmentRecorded':
      case 'ReceiptRecorded':
      case 'CostRecorded':
      case 'CostReversed':
        at.entrySeqs.set(e.data.entryId, e.seq);
        break;
      default:
        break; // the challenge's own fields, stages, approvals and rejections do not change the statement
    }
    at.seq = e.seq;
  }
  return at;
}

/**
 * Every member's figures from the ledger entries recorded by event `at.seq` or
 * before. Entry ids and event seqs both rise in commit order, so the first entry
 * beyond it ends the read.
 */
export async function figuresAt(
  entries: Source<RecordedEntry>,
  at: Pick<ConsortiumAt, 'seq' | 'entrySeqs'>,
  max = MAX_REPLAY_ENTRIES,
): Promise<Map<string, MemberFigures> | Refusal> {
  const figures = new Map<string, MemberFigures>();
  let read = 0;
  for await (const { entry, seq } of entries) {
    const entrySeq = seq ?? at.entrySeqs.get(entry.id);
    if (entrySeq === undefined || entrySeq > at.seq) break;
    if (++read > max) return tooLong('ledger entries', max);
    applyEntry(figures, entry);
  }
  return figures;
}

/** Whose account exists: a funding member's, or any member's the ledger holds money for (the statement's rows). */
export function accountRefusal(state: Pick<ChallengeState, 'members'>, council: string): Refusal | null {
  const member = memberOf(state, council);
  const holder = member !== undefined && ((isActive(member) && isFundingRole(member.role)) || hasMoney(figuresOf(member)));
  return holder ? null : refuse.notFound(`${council} has no account in this challenge: it is not a funding member and holds no money in it.`);
}

/**
 * A point in the past, or now: a seq beyond the last event, or a time still to
 * come, is refused (422) rather than clamped, so a statement "as of" a point is
 * always final; it never changes when later events land.
 */
export function asOfRefusal(currentSeq: number, at: { seq: number } | { time: string }, now: string): Refusal | null {
  if ('seq' in at && at.seq > currentSeq) {
    return refuse.invalid(`The challenge's last event is seq ${currentSeq}.`, [{ path: 'query.asOfSeq', message: `At most ${currentSeq}, the current seq.` }]);
  }
  if ('time' in at && Date.parse(at.time) > Date.parse(now)) {
    return refuse.invalid('asOf is in the future.', [{ path: 'query.asOf', message: `At most the current time (${now}).` }]);
  }
  return null;
}
