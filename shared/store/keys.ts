/**
 * Single-table key layout: every key the code writes or queries is built here.
 *
 *   PK                     SK                     what
 *   COUNCIL#<code>         COUNCIL                a council; GSI1 COUNCILS / <code> lists them
 *   CHALLENGE#<id>         S#CHALLENGE            the challenge (seq = last event number);
 *                                                 GSI2 PUBLIC / <id> while it is public;
 *                                                 `totals` = the pool's running totals,
 *                                                 `lastEntryId` = the newest ledger entry
 *   CHALLENGE#<id>         S#MEMBER#<code>        a membership record; GSI1 COUNCIL#<code> / CHALLENGE#<id>;
 *                                                 carries the member's running money figures
 *   CHALLENGE#<id>         S#AGREEMENT#<v>        a share agreement version (v zero-padded)
 *   CHALLENGE#<id>         EVENT#<seq>            an outbox event (seq zero-padded, gapless)
 *   CHALLENGE#<id>         ENTRY#<ulid>           an immutable ledger entry; ids rise in commit order
 *   CHALLENGE#<id>         ENTRY#<ulid>#REVERSED  marks cost <ulid> as reversed (written once, with
 *                                                 the reversing entry); sorts right after the cost
 *   SUBSCRIPTION#<id>      S#SUBSCRIPTION         a webhook subscription (holds its secrets);
 *                                                 GSI1 SUBSCRIPTIONS#<code> / <id> lists a council's
 *                                                 (not COUNCIL#<code>: that partition holds memberships)
 *   SUBSCRIPTION#<id>      DELIVERY#<at>#<eventId>#<attempt>
 *                                                 one webhook delivery attempt (attempt zero-padded);
 *                                                 expires through `expiresAt` after 30 days
 *   IDEMPOTENCY            hub#<hash>             Powertools idempotency records (TTL)
 *   WRITE#<writeId>        WRITE                  a write marker: put (attribute_not_exists) in the same
 *                                                 transaction as the change it marks, holding its answer;
 *                                                 expires through `expiresAt` after 48 h
 *
 * Everything a write decides on sits under `S#`, so one Query reads the state.
 */
import type { KeyRange } from './ranges';
import { INDEX } from './table';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export const STATE_PREFIX = 'S#';
export const EVENT_PREFIX = 'EVENT#';
export const ENTRY_PREFIX = 'ENTRY#';
export const DELIVERY_PREFIX = 'DELIVERY#';

export const keys = {
  council: (code: string) => ({ PK: `COUNCIL#${code}`, SK: 'COUNCIL' }),
  councilListing: (code: string) => ({ GSI1PK: 'COUNCILS', GSI1SK: code }),
  councilsPartition: 'COUNCILS',

  challengePartition: (id: string) => `CHALLENGE#${id}`,
  challenge: (id: string) => ({ PK: `CHALLENGE#${id}`, SK: `${STATE_PREFIX}CHALLENGE` }),
  publicChallenge: (id: string) => ({ GSI2PK: 'PUBLIC', GSI2SK: id }),
  publicPartition: 'PUBLIC',

  member: (id: string, council: string) => ({ PK: `CHALLENGE#${id}`, SK: `${STATE_PREFIX}MEMBER#${council}` }),
  councilMembership: (council: string, id: string) => ({ GSI1PK: `COUNCIL#${council}`, GSI1SK: `CHALLENGE#${id}` }),
  membershipsPartition: (council: string) => `COUNCIL#${council}`,

  agreement: (id: string, version: number) => ({ PK: `CHALLENGE#${id}`, SK: `${STATE_PREFIX}AGREEMENT#${pad(version, 6)}` }),

  event: (id: string, seq: number) => ({ PK: `CHALLENGE#${id}`, SK: `${EVENT_PREFIX}${pad(seq, 10)}` }),
  eventSk: (seq: number) => `${EVENT_PREFIX}${pad(seq, 10)}`,

  entry: (id: string, entryId: string) => ({ PK: `CHALLENGE#${id}`, SK: `${ENTRY_PREFIX}${entryId}` }),
  /** Sorts directly after the cost it marks, so one Query (begins_with the entry's SK) reads both. */
  reversalMarker: (id: string, costId: string) => ({ PK: `CHALLENGE#${id}`, SK: `${ENTRY_PREFIX}${costId}#REVERSED` }),

  /** Sorts every event key of a challenge between these two, for BETWEEN ranges. */
  lastEventSk: `${EVENT_PREFIX}${pad(9_999_999_999, 10)}`,
  /** The first and last possible entry keys: a ledger read is a BETWEEN range, never begins_with. */
  firstEntrySk: `${ENTRY_PREFIX}0`,
  lastEntrySk: `${ENTRY_PREFIX}~`,
  /** The state items (S#...): read as a range, flat however long the ledger grows. */
  firstStateSk: `${STATE_PREFIX}A`,
  lastStateSk: `${STATE_PREFIX}~`,

  /** The least key above id `id` (ids are [0-9A-Z], and '0' is the least of them): `> id` as the start of a BETWEEN. */
  idAfter: (id: string) => `${id}0`,
  /** Sorts after every id. */
  lastId: '~',

  councilMembershipSk: (id: string) => `CHALLENGE#${id}`,
  councilMembershipFirst: 'CHALLENGE#0',
  councilMembershipLast: 'CHALLENGE#~',

  writeMarker: (writeId: string) => ({ PK: `WRITE#${writeId}`, SK: 'WRITE' }),

  subscription: (id: string) => ({ PK: `SUBSCRIPTION#${id}`, SK: `${STATE_PREFIX}SUBSCRIPTION` }),
  /** GSI1: a council's subscriptions, by id (ULIDs, so in creation order). The fan-out queries it per audience council. */
  councilSubscription: (council: string, id: string) => ({ GSI1PK: `SUBSCRIPTIONS#${council}`, GSI1SK: id }),
  subscriptionsPartition: (council: string) => `SUBSCRIPTIONS#${council}`,
  subscriptionPartition: (id: string) => `SUBSCRIPTION#${id}`,
  /** ISO times sort as text, so a subscription's attempts read newest or oldest first from one Query. */
  delivery: (id: string, at: string, eventId: string, attempt: number) => ({
    PK: `SUBSCRIPTION#${id}`,
    SK: `${DELIVERY_PREFIX}${at}#${eventId}#${pad(attempt, 2)}`,
  }),
} as const;

/**
 * The key ranges the store reads (shared/store/ranges.ts), each a partition and, where it
 * holds more than one kind of item, a BETWEEN on the sort key; never begins_with.
 */
export const ranges = {
  /** A challenge's state items (`S#...`): flat however long its ledger grows. */
  state: (id: string): KeyRange => ({ pk: keys.challengePartition(id), sk: { from: keys.firstStateSk, to: keys.lastStateSk } }),
  /** A challenge's ledger entries (and reversal markers), from sort key `from` on. */
  ledger: (id: string, from: string = keys.firstEntrySk): KeyRange => ({ pk: keys.challengePartition(id), sk: { from, to: keys.lastEntrySk } }),
  /** One entry and its reversal marker (which sorts right after it). */
  entry: (id: string, entryId: string): KeyRange => ({ pk: keys.challengePartition(id), sk: { from: keys.entry(id, entryId).SK, to: keys.reversalMarker(id, entryId).SK } }),
  /** A challenge's events `fromSeq..toSeq` (to its last when `toSeq` is absent). */
  events: (id: string, fromSeq: number, toSeq?: number): KeyRange => ({
    pk: keys.challengePartition(id),
    sk: { from: keys.eventSk(fromSeq), to: toSeq === undefined ? keys.lastEventSk : keys.eventSk(toSeq) },
  }),
  /** A council's membership records (GSI1 `COUNCIL#<code>`), in challenge id order, from sort key `from` on. */
  councilMemberships: (council: string, from: string = keys.councilMembershipFirst): KeyRange => ({
    index: INDEX.byCouncil,
    pk: keys.membershipsPartition(council),
    sk: { from, to: keys.councilMembershipLast },
  }),
  /** Public challenges (GSI2 `PUBLIC`), in id order, from id `from` on. */
  publicChallenges: (from: string): KeyRange => ({ index: INDEX.byListing, pk: keys.publicPartition, sk: { from, to: keys.lastId } }),
  /** The council register (GSI1 `COUNCILS`), in code order. */
  councils: { index: INDEX.byCouncil, pk: keys.councilsPartition } satisfies KeyRange,
  /** A council's webhook subscriptions (GSI1 `SUBSCRIPTIONS#<code>`), in id order. */
  councilSubscriptions: (council: string): KeyRange => ({ index: INDEX.byCouncil, pk: keys.subscriptionsPartition(council) }),
  /** A subscription's delivery attempts, in time order. */
  deliveries: (subscriptionId: string): KeyRange => ({ pk: keys.subscriptionPartition(subscriptionId), sk: { from: `${DELIVERY_PREFIX}0`, to: `${DELIVERY_PREFIX}~` } }),
};

/** Idempotency records (Powertools) live in the same table under their own partition. */
export const idempotencyPartition = 'IDEMPOTENCY';

/** The `kind` attribute tells item types apart (and lets the stream filter pick events). */
export const KIND = {
  council: 'council',
  challenge: 'challenge',
  member: 'member',
  agreement: 'agreement',
  event: 'event',
  entry: 'entry',
  reversalMarker: 'reversal-marker',
  subscription: 'subscription',
  delivery: 'delivery',
  writeMarker: 'write-marker',
} as const;
