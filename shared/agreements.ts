import type { ChallengeState } from './challenge-store';
import { type Agreement, awaitingApproval, coversExactly } from './domain/agreement-lifecycle';
import { fundingMembers, type StageContext } from './domain/consortium';
import { keys, KIND } from './keys';
import { poolTotalsOf } from './ledger';

export type { AgreementStatus } from './domain/agreement-lifecycle';
/** A share agreement version as stored (an `S#AGREEMENT#<v>` state item, keys stripped on read). */
export type AgreementRecord = Agreement;

export function agreementsOf(state: ChallengeState): AgreementRecord[] {
  return [...state.others.values()]
    .filter((item) => item.kind === KIND.agreement)
    .map((item) => {
      const { PK: _pk, SK: _sk, kind: _kind, challengeId: _c, ...agreement } = item;
      return agreement as unknown as AgreementRecord;
    })
    .sort((a, b) => a.version - b.version);
}

export const activeAgreement = (state: ChallengeState) => agreementsOf(state).find((a) => a.status === 'active');

export const fundingCouncils = (state: ChallengeState) => fundingMembers(state.members).map((m) => m.council).sort();

/** The active agreement names exactly the current funding members (domain.md). */
export function agreementCoversFundingMembers(state: ChallengeState): boolean {
  const agreement = activeAgreement(state);
  return agreement !== undefined && coversExactly(agreement, fundingCouncils(state));
}

/** Committed funds are the pool's running total, kept on the challenge item with every ledger entry. */
export function stageContext(state: ChallengeState): StageContext {
  return {
    agreementCoversFundingMembers: agreementCoversFundingMembers(state),
    committedPence: poolTotalsOf(state.challenge).committedPence,
  };
}

/** The item a changed version is written as, in the same transaction as its events. */
export const agreementItem = (challengeId: string, agreement: AgreementRecord) => ({
  key: keys.agreement(challengeId, agreement.version),
  item: { kind: KIND.agreement, challengeId, ...agreement },
});

const VIEW_FIELDS = [
  'version', 'status', 'basis', 'shares', 'approvals', 'awaiting', 'coversFundingMembers', 'proposedBy', 'proposedAt', 'replaces',
  'activatedAt', 'supersedes', 'supersededBy', 'supersededAt', 'rejectedBy', 'rejectedAt', 'reason', 'updatedAt',
] as const;

/**
 * A version as the API shows it (fields in a fixed order: DynamoDB keeps none),
 * with who is still to approve and whether it fits today's funding members.
 */
export function agreementView(agreement: AgreementRecord, state: ChallengeState) {
  const view: Record<string, unknown> = {
    ...agreement,
    shares: agreement.shares.map((s) => ({ council: s.council, costBps: s.costBps, riskBps: s.riskBps })),
    proposedBy: { council: agreement.proposedBy.council, sub: agreement.proposedBy.sub },
    ...(agreement.status === 'pending' ? { awaiting: awaitingApproval(agreement) } : {}),
    coversFundingMembers: coversExactly(agreement, fundingCouncils(state)),
  };
  return Object.fromEntries(VIEW_FIELDS.filter((f) => view[f] !== undefined).map((f) => [f, view[f]]));
}
