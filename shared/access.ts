import { type Caller, callerCouncil, requireGroup } from './auth';
import {
  type Change,
  type ChallengeRecord,
  type ChallengeState,
  loadChallenge,
  type MemberRecord,
  memberOf,
  writeChallenge,
} from './challenge-store';
import { isActive } from './domain/consortium';
import type { Conflict } from './domain/ledger';
import { conflict, forbidden, notFound } from './errors';
import { type ChallengeSnapshot, challengeSnapshot as snapshotSchema } from './schemas/events';

/**
 * Who may see what of a challenge (domain.md, Visibility):
 * - a public challenge's summary and member list: every authenticated caller;
 * - a consortium challenge: only councils with a membership record (any status);
 *   to everyone else it does not exist (404, not 403);
 * - statement, ledger, agreements, statement of account, events: active members only.
 */
export async function loadVisibleChallenge(id: string, caller: Caller): Promise<ChallengeState> {
  const state = await loadChallenge(id);
  if (!state || !canSee(state, caller)) throw notFound(`No challenge ${id} is visible to you.`);
  return state;
}

export function canSee(state: ChallengeState, caller: Caller): boolean {
  return state.challenge.visibility === 'public' || memberOf(state, caller.council) !== undefined;
}

export function isActiveMember(state: ChallengeState, council: string | undefined): boolean {
  const member = memberOf(state, council);
  return member !== undefined && isActive(member);
}

export function requireActiveMember(state: ChallengeState, caller: Caller): void {
  if (!isActiveMember(state, caller.council)) throw forbidden('Only active members of this challenge may do this.');
}

/** The lead council's officer: the only caller who shapes the challenge and its consortium. */
export function requireLeadOfficer(state: ChallengeState, caller: Caller): void {
  requireGroup(caller, 'officer');
  if (caller.council !== state.challenge.leadCouncil) throw forbidden("Only the lead council's officer may do this.");
}

/** The challenge as the API shows it; the statement only to active members. */
export function challengeView(challenge: ChallengeRecord, withStatement: boolean) {
  const { seq: _seq, statement, ...rest } = challenge;
  return {
    ...pick(rest),
    ...(withStatement ? { statement } : {}),
  };
}

/** The challenge's own fields, as the event catalogue's snapshot names them (statement handled apart). */
const VIEW_FIELDS = Object.keys(snapshotSchema.shape).filter((f) => f !== 'statement') as Array<
  Exclude<keyof ChallengeSnapshot, 'statement'>
>;

function pick(c: Omit<ChallengeRecord, 'seq' | 'statement'>) {
  return Object.fromEntries(VIEW_FIELDS.filter((f) => c[f] !== undefined).map((f) => [f, c[f]]));
}

export const etagOf = (challenge: ChallengeRecord) => `"${challenge.version}"`;

/** For writes: the state read inside the transaction loop must exist and be visible. */
export function visibleState(state: ChallengeState | undefined, caller: Caller, id: string): ChallengeState {
  if (!state || !canSee(state, caller)) throw notFound(`No challenge ${id} is visible to you.`);
  return state;
}

/** The event's copy of the challenge: exactly the catalogue's snapshot fields. */
export const challengeSnapshot = (challenge: ChallengeRecord) => challengeView(challenge, true) as ChallengeSnapshot;

export function memberView(m: MemberRecord) {
  const { council, role, status, via, invitedAt, requestedAt, joinedAt, leftAt, updatedAt } = m;
  return Object.fromEntries(
    Object.entries({ council, role, status, via, invitedAt, requestedAt, joinedAt, leftAt, updatedAt }).filter(([, v]) => v !== undefined),
  );
}

/** Who an event records as having acted: the caller's council and user. */
export const actorOf = (caller: Caller) => ({ council: callerCouncil(caller), sub: caller.sub });

/** A rule's conflict, if any, is the caller's 409. */
export const refuseIf = (found: Conflict | null) => {
  if (found) throw conflict(found.code, found.detail);
};

/**
 * A write to a challenge the caller can see: `decide` runs on the state read inside
 * the outbox's retry loop (so again after a conflict), and 404s a challenge the
 * caller may not see before any other rule is looked at.
 */
export function writeVisibleChallenge(
  id: string,
  caller: Caller,
  decide: (state: ChallengeState) => Change | 'unchanged' | Promise<Change | 'unchanged'>,
) {
  return writeChallenge(id, actorOf(caller), (read) => decide(visibleState(read, caller, id)));
}
