import type { ChallengeState } from './challenge-store';
import { fundingMembers, type StageContext } from './domain/consortium';
import { KIND } from './keys';
import type { Share } from './domain/shares';

export type AgreementStatus = 'pending' | 'active' | 'superseded' | 'rejected';

export interface AgreementRecord {
  version: number;
  status: AgreementStatus;
  basis: string;
  shares: Share[];
  approvals: string[];
  [more: string]: unknown;
}

export function agreementsOf(state: ChallengeState): AgreementRecord[] {
  return [...state.others.values()]
    .filter((item) => item.kind === KIND.agreement)
    .map((item) => item as unknown as AgreementRecord)
    .sort((a, b) => a.version - b.version);
}

export const activeAgreement = (state: ChallengeState) => agreementsOf(state).find((a) => a.status === 'active');

/** The active agreement names exactly the current funding members (domain.md). */
export function agreementCoversFundingMembers(state: ChallengeState): boolean {
  const agreement = activeAgreement(state);
  if (!agreement) return false;
  const funding = fundingMembers(state.members).map((m) => m.council).sort();
  const covered = agreement.shares.map((s) => s.council).sort();
  return funding.length === covered.length && funding.every((c, i) => c === covered[i]);
}

export function stageContext(state: ChallengeState): StageContext {
  const committedPence = state.members.reduce((sum, m) => sum + ((m as { committedPence?: number }).committedPence ?? 0), 0);
  return { agreementCoversFundingMembers: agreementCoversFundingMembers(state), committedPence };
}
