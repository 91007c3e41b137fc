/**
 * Who may move money and answer share agreements (domain.md: Callers, Money,
 * Share agreements). Each check throws the Problem the API answers with.
 */
import { refuseIf } from './access';
import { type Caller, callerCouncil, requireGroup } from './auth';
import { type ChallengeState, type MemberRecord, memberOf } from './challenge-store';
import { fundingMembers, terminalConflict } from './domain/consortium';
import { conflict, forbidden } from './errors';

export { actorOf, refuseIf } from './access';

/** Money and agreements move in any stage that is not terminal (409 challenge_closed). */
export const requireOpen = (state: ChallengeState) => refuseIf(terminalConflict(state.challenge.stage));

export function fundingMember(state: ChallengeState, council: string | undefined): MemberRecord | undefined {
  return fundingMembers(state.members).find((m) => m.council === council);
}

/** The caller is `group` of a funding member, acting for its own council. */
export function requireFundingMemberCaller(state: ChallengeState, caller: Caller, group: 'finance' | 'officer'): MemberRecord {
  requireGroup(caller, group);
  const member = fundingMember(state, callerCouncil(caller));
  if (!member) throw forbidden(`Only a funding member's ${group} (an active lead or partner) may do this.`);
  return member;
}

/** The lead council's finance: the only caller who records receipts, costs and reversals. */
export function requireLeadFinance(state: ChallengeState, caller: Caller): void {
  requireGroup(caller, 'finance');
  if (caller.council !== state.challenge.leadCouncil) throw forbidden("Only the lead council's finance may do this.");
}

/** The member money is recorded for must be a funding member now (409 not_funding_member). */
export function requireFundingMember(state: ChallengeState, council: string): MemberRecord {
  const member = fundingMember(state, council);
  if (!member) {
    const known = memberOf(state, council);
    throw conflict(
      'not_funding_member',
      known
        ? `${council} is a ${known.status} ${known.role}, not a funding member (an active lead or partner).`
        : `${council} is not a member of this challenge.`,
    );
  }
  return member;
}
