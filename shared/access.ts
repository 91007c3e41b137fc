/**
 * Who may do what (domain.md: Callers, Visibility, Membership, Money): caller ×
 * state → a Refusal, or null when allowed. Pure; checks compose with `??`.
 * - a public challenge's summary and member list: every authenticated caller;
 * - a consortium challenge: only councils with a membership record (any status);
 *   to everyone else it does not exist (404, not 403);
 * - ledger, statement, agreements, accounts, events: active members only.
 */
import type { Caller, Group } from './auth';
import { fundingMember } from './domain/agreements';
import { isActive, terminalConflict } from './domain/consortium';
import { type ChallengeState, memberOf, type MemberRecord } from './domain/records';
import { asRefusal, type Refusal, refuse } from './domain/transition';

export const canSee = (state: ChallengeState, caller: Caller) =>
  state.challenge.visibility === 'public' || memberOf(state, caller.council) !== undefined;

export const isActiveMember = (state: ChallengeState, council: string | undefined) => {
  const member = memberOf(state, council);
  return member !== undefined && isActive(member);
};

export function visible(state: ChallengeState | undefined, caller: Caller, id: string): Refusal | null {
  return state && canSee(state, caller) ? null : refuse.notFound(`No challenge ${id} is visible to you.`);
}

export const activeMember = (state: ChallengeState, caller: Caller): Refusal | null =>
  isActiveMember(state, caller.council) ? null : refuse.forbidden('Only active members of this challenge may do this.');

export const inGroup = (caller: Caller, group: Group): Refusal | null =>
  caller.groups.has(group) ? null : refuse.forbidden(`This action needs the '${group}' group.`);

export const namesCouncil = (caller: Caller): Refusal | null =>
  caller.council ? null : refuse.forbidden('The token names no council (custom:council).');

/** The lead council's officer: the only caller who shapes the challenge and its consortium. */
export const leadOfficer = (state: ChallengeState, caller: Caller): Refusal | null =>
  inGroup(caller, 'officer') ?? (caller.council === state.challenge.leadCouncil ? null : refuse.forbidden("Only the lead council's officer may do this."));

/** The lead council's finance: the only caller who records receipts, costs and reversals. */
export const leadFinance = (state: ChallengeState, caller: Caller): Refusal | null =>
  inGroup(caller, 'finance') ?? (caller.council === state.challenge.leadCouncil ? null : refuse.forbidden("Only the lead council's finance may do this."));

/** The caller is `group` of a funding member, acting for its own council: its record, or why not. */
export function fundingMemberCaller(state: ChallengeState, caller: Caller, group: 'finance' | 'officer'): MemberRecord | Refusal {
  const refused = inGroup(caller, group) ?? namesCouncil(caller);
  if (refused) return refused;
  return fundingMember(state, caller.council) ?? refuse.forbidden(`Only a funding member's ${group} (an active lead or partner) may do this.`);
}

/** Agreements and money move in any stage that is not terminal (409 challenge_closed). */
export const open = (state: ChallengeState): Refusal | null => asRefusal(terminalConflict(state.challenge.stage));

/** Only a council's own users (or a hub-admin) list its memberships. */
export const ownCouncilOrAdmin = (caller: Caller, council: string): Refusal | null =>
  caller.council === council || caller.groups.has('hub-admin') ? null : refuse.forbidden(`Only users of ${council} or a hub-admin may list its memberships.`);
