/**
 * The consortium's rules (domain.md: Challenge, Stages, Membership), pure.
 * Each check returns the conflict it finds, or null; handlers turn a conflict
 * into a 409 with its `code`.
 */
import { type MemberRole, type MemberStatus, type Stage, stage } from '../schemas/common';
import type { Conflict } from './ledger';

/** The stages in their forward order: every stage but `cancelled`, which any open stage may jump to. */
export const FORWARD_STAGES: readonly Stage[] = stage.options.filter((s) => s !== 'cancelled');
export const MAX_FUNDING_MEMBERS = 50;

export interface MemberView {
  council: string;
  role: MemberRole;
  status: MemberStatus;
}

export interface ChallengeView {
  stage: Stage;
  statement: string;
  howMightWe: string;
  targetBudgetPence?: number | undefined;
}

export const isTerminal = (stage: Stage) => stage === 'closed' || stage === 'cancelled';

/** From `procurement` on, who is in the consortium is fixed. */
export const isMembershipLocked = (stage: Stage) =>
  FORWARD_STAGES.indexOf(stage) >= FORWARD_STAGES.indexOf('procurement') || stage === 'cancelled';

export const isFundingRole = (role: MemberRole) => role === 'lead' || role === 'partner';
export const isActive = (m: MemberView) => m.status === 'active';
export const fundingMembers = <M extends MemberView>(members: readonly M[]) =>
  members.filter((m) => isActive(m) && isFundingRole(m.role));
export const activeCouncils = (members: readonly MemberView[]) => members.filter(isActive).map((m) => m.council).sort();

export function terminalConflict(stage: Stage): Conflict | null {
  return isTerminal(stage)
    ? { code: 'challenge_closed', detail: `The challenge is ${stage}: nothing but reads is possible.` }
    : null;
}

export function membershipChangeConflict(stage: Stage): Conflict | null {
  return (
    terminalConflict(stage) ??
    (isMembershipLocked(stage)
      ? { code: 'membership_locked', detail: `Membership is locked from procurement on; the challenge is in ${stage}.` }
      : null)
  );
}

/** What a stage move needs to know beyond the challenge itself (money is a later concern). */
export interface StageContext {
  /** True when an active share agreement covers exactly the current funding members. */
  agreementCoversFundingMembers: boolean;
  committedPence: number;
}

/** One step forward at a time, or to `cancelled`; each guard names what is missing. */
export function stageMoveConflict(challenge: ChallengeView, to: Stage, context: StageContext): Conflict | null {
  const terminal = terminalConflict(challenge.stage);
  if (terminal) return terminal;
  if (to !== 'cancelled') {
    const next = FORWARD_STAGES[FORWARD_STAGES.indexOf(challenge.stage) + 1];
    if (to !== next) {
      return {
        code: 'invalid_stage_transition',
        detail: `A challenge in ${challenge.stage} can move only to ${next} or cancelled, not ${to}.`,
      };
    }
  }
  if (to === 'forming') {
    const missing = [
      ...(challenge.statement.trim() === '' ? ['statement'] : []),
      ...(challenge.howMightWe.trim() === '' ? ['howMightWe'] : []),
    ];
    if (missing.length) {
      return { code: 'stage_guard', detail: `Moving into forming needs a non-empty ${missing.join(' and ')}.` };
    }
  }
  if (to === 'procurement') {
    if (!context.agreementCoversFundingMembers) {
      return {
        code: 'stage_guard',
        detail: 'Moving into procurement needs an active share agreement covering exactly the current funding members.',
      };
    }
    if (challenge.targetBudgetPence !== undefined && context.committedPence < challenge.targetBudgetPence) {
      return {
        code: 'stage_guard',
        detail: `Moving into procurement needs committed funds of at least the target budget: ${context.committedPence} of ${challenge.targetBudgetPence} pence committed.`,
      };
    }
  }
  return null;
}

/** A council may be invited or ask to join unless it is already in, or on its way in. */
export function joinConflict(existing: MemberView | undefined): Conflict | null {
  if (!existing) return null;
  switch (existing.status) {
    case 'active':
      return { code: 'already_member', detail: `${existing.council} is already an active member.` };
    case 'invited':
      return { code: 'already_invited', detail: `${existing.council} already has a pending invitation.` };
    case 'requested':
      return { code: 'already_requested', detail: `${existing.council} already has a pending request to join.` };
    default:
      return null; // declined or withdrawn councils may be invited again or ask again
  }
}

/** Accepting a partner must leave room under the funding-member cap. */
export function capacityConflict(members: readonly MemberView[], joining: MemberView): Conflict | null {
  if (!isFundingRole(joining.role)) return null;
  const funding = fundingMembers(members).length;
  return funding >= MAX_FUNDING_MEMBERS
    ? { code: 'consortium_full', detail: `A consortium holds at most ${MAX_FUNDING_MEMBERS} funding members.` }
    : null;
}

/**
 * Who answers a pending membership: the invited council for an invitation,
 * the lead for a request. Returns the council that must act.
 */
export function respondent(pending: MemberView, leadCouncil: string): string | null {
  if (pending.status === 'invited') return pending.council;
  if (pending.status === 'requested') return leadCouncil;
  return null;
}

export function withdrawConflict(member: MemberView | undefined): Conflict | null {
  if (!member || member.status !== 'active') {
    return { code: 'not_active_member', detail: 'Only an active member can withdraw.' };
  }
  if (member.role === 'lead') {
    return { code: 'lead_cannot_withdraw', detail: 'The lead cannot withdraw; transfer the lead to an active partner first.' };
  }
  return null;
}

export function leadTransferConflict(target: MemberView | undefined, leadCouncil: string): Conflict | null {
  if (target?.council === leadCouncil) return { code: 'already_lead', detail: `${leadCouncil} is already the lead.` };
  if (!target || target.status !== 'active' || target.role !== 'partner') {
    return { code: 'not_active_partner', detail: 'The lead can pass only to an active partner.' };
  }
  return null;
}
