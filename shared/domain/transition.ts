/**
 * What every write decides, as data: a Transition (the records it changes and the
 * events it causes), a Refusal (why not, typed), or Unchanged (nothing to do).
 * `settle` folds a transition into the state and numbers its events: the store
 * writes exactly what it returns, in one transaction.
 */
import type { ProblemCode } from '../problem-codes';
import { type EventData, type EventType, eventSchemas, type HubEvent } from '../schemas/events';
import type { Agreement } from './agreement-lifecycle';
import { activeCouncils } from './consortium';
import type { StoredEntry } from './ledger';
import type { ChallengeRecord, ChallengeState, Context, MemberRecord } from './records';

export interface PendingEvent<T extends EventType = EventType> {
  type: T;
  data: EventData<T>;
  /** Councils the event is about that are not active members (an invitee, a leaver). */
  about?: string[];
}

export const event = <T extends EventType>(type: T, data: EventData<T>, about?: string[]): PendingEvent =>
  ({ type, data, ...(about ? { about } : {}) }) as PendingEvent;

export interface Transition {
  /** The challenge's fields after the change (seq is numbered by settle); absent: unchanged. */
  challenge?: Omit<ChallengeRecord, 'seq'>;
  /** Member records that change or are new. */
  members?: MemberRecord[];
  /** Agreement versions that change or are new. */
  agreements?: Agreement[];
  /** New, immutable ledger entries, in ledger order (one, or a batch of costs). */
  entries?: StoredEntry[];
  /** A cost this change reverses: marked once, in the same transaction. */
  reverses?: { costId: string; reversalId: string };
  /** Councils that must be registered for the change to hold, checked in the same transaction. */
  registeredCouncils?: Array<{ council: string; refusal: Refusal }>;
  events: PendingEvent[];
}

export type RefusalKind = 'forbidden' | 'not_found' | 'conflict' | 'invalid' | 'precondition_failed';

/** A rule said no. Returned (not thrown) by access checks and transitions; the HTTP layer maps `kind` to a status. */
export class Refusal {
  constructor(
    readonly kind: RefusalKind,
    readonly detail: string,
    readonly code?: ProblemCode,
    readonly errors?: ReadonlyArray<{ path: string; message: string }>,
  ) {}
}

export const refuse = {
  forbidden: (detail: string) => new Refusal('forbidden', detail),
  notFound: (detail: string) => new Refusal('not_found', detail),
  conflict: (code: ProblemCode, detail: string) => new Refusal('conflict', detail, code),
  invalid: (detail: string, errors: ReadonlyArray<{ path: string; message: string }>, code?: ProblemCode) =>
    new Refusal('invalid', detail, code, errors),
};

/** A rule's `{code, detail}` conflict (or null), as a Refusal. */
export const asRefusal = (found: { code: ProblemCode; detail: string } | null): Refusal | null =>
  found ? refuse.conflict(found.code, found.detail) : null;

export const UNCHANGED = { unchanged: true } as const;
export type Unchanged = typeof UNCHANGED;

export type Decision = Transition | Refusal | Unchanged;

export const isRefusal = (d: unknown): d is Refusal => d instanceof Refusal;
export const isUnchanged = (d: unknown): d is Unchanged => d === UNCHANGED;

export interface Settled {
  /** The state as it is once the change lands. */
  after: ChallengeState;
  transition: Transition;
  /** The transition's events, numbered on from the state's seq, each validated against the catalogue. */
  events: HubEvent[];
}

function mergeBy<T>(before: readonly T[], changed: readonly T[] | undefined, key: (t: T) => string | number): T[] {
  if (!changed?.length) return [...before];
  const replaced = new Map(changed.map((c) => [key(c), c]));
  const kept = before.filter((b) => !replaced.has(key(b)));
  return [...kept, ...changed].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The state after `transition` (undefined `before`: a new challenge) and its
 * events with ids, seqs and audience. The audience is the councils active once
 * the change lands, plus the councils an event is about (events.md).
 */
export function settle(before: ChallengeState | undefined, transition: Transition, ctx: Context): Settled {
  const base = transition.challenge ?? before?.challenge;
  if (!base) throw new Error('A new challenge needs its record');
  const fromSeq = before?.challenge.seq ?? 0;
  const challenge: ChallengeRecord = {
    ...base,
    seq: fromSeq + transition.events.length,
    ...(transition.entries?.length ? { lastEntryId: transition.entries.at(-1)!.id } : {}),
  };
  const after: ChallengeState = {
    challenge,
    members: mergeBy(before?.members ?? [], transition.members, (m) => m.council),
    agreements: mergeBy(before?.agreements ?? [], transition.agreements, (a) => a.version),
  };
  const audienceNow = activeCouncils(after.members);
  const events = transition.events.map(
    (pending, i) =>
      eventSchemas[pending.type].parse({
        id: ctx.newId(),
        type: pending.type,
        version: 1,
        challengeId: challenge.id,
        seq: fromSeq + i + 1,
        occurredAt: ctx.now,
        actor: ctx.actor,
        audience: [...new Set([...audienceNow, ...(pending.about ?? [])])].sort(),
        data: pending.data,
      }) as HubEvent,
  );
  return { after, transition, events };
}
