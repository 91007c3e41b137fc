/**
 * Share agreements within a challenge's state, pure: which version is active,
 * whether it still covers the funding members, and the propose / approve /
 * reject transitions built on the lifecycle (agreement-lifecycle.ts).
 */
import { type Agreement, approve, coversExactly, isConflict, propose, reject, type Transition as Lifecycle } from './agreement-lifecycle';
import { fundingMembers, type StageContext } from './consortium';
import { figuresOf, poolTotals } from './ledger';
import type { ChallengeState, Context, MemberRecord } from './records';
import { computeShares, type Share, type ShareBasis } from './shares';
import { type Decision, event, refuse, UNCHANGED } from './transition';

export const activeAgreement = (state: Pick<ChallengeState, 'agreements'>) => state.agreements.find((a) => a.status === 'active');

export const fundingCouncils = (state: Pick<ChallengeState, 'members'>) => fundingMembers(state.members).map((m) => m.council).sort();

export function fundingMember(state: Pick<ChallengeState, 'members'>, council: string | undefined): MemberRecord | undefined {
  return fundingMembers(state.members).find((m) => m.council === council);
}

/** The active agreement names exactly the current funding members (domain.md). */
export function agreementCoversFundingMembers(state: ChallengeState): boolean {
  const agreement = activeAgreement(state);
  return agreement !== undefined && coversExactly(agreement, fundingCouncils(state));
}

/** What a stage move needs beyond the challenge: the agreement, and committed funds (all members, withdrawn ones too). */
export function stageContext(state: ChallengeState): StageContext {
  return {
    agreementCoversFundingMembers: agreementCoversFundingMembers(state),
    committedPence: poolTotals(state.members.map(figuresOf)).committedPence,
  };
}

const fromLifecycle = (t: Lifecycle) => ({ agreements: t.changed, events: t.events.map((e) => event(e.type, e.data as never)) });

function fromLifecycleResult(result: ReturnType<typeof approve>): Decision {
  if (result === 'unchanged') return UNCHANGED;
  if (isConflict(result)) {
    if (result.code === 'not_found') return refuse.notFound(result.detail);
    if (result.code === 'not_party') return refuse.forbidden(result.detail);
    return refuse.conflict(result.code, result.detail);
  }
  return fromLifecycle(result);
}

/**
 * The lead proposes shares on `basis` over today's funding members (populations
 * come from the council register, read by the caller for that basis only).
 */
export function proposeAgreement(
  state: ChallengeState,
  input: { basis: ShareBasis; shares?: Share[] | undefined },
  populations: ReadonlyMap<string, number | undefined>,
  ctx: Context,
): Decision {
  const funding = fundingMembers(state.members);
  const computed = computeShares(
    input.basis,
    funding.map((m) => ({ council: m.council, population: populations.get(m.council), pledgedPence: m.pledgedPence ?? 0 })),
    input.shares,
  );
  if (!computed.ok) {
    return refuse.invalid(
      `The shares for a ${input.basis} agreement are not valid.`,
      computed.errors.map((e) => ({ path: `body.${e.path}`, message: e.message })),
    );
  }
  return fromLifecycle(propose(state.agreements, { basis: input.basis, shares: computed.shares, proposedBy: ctx.actor, now: ctx.now }));
}

export const approveAgreement = (state: ChallengeState, version: number, council: string, ctx: Context): Decision =>
  fromLifecycleResult(approve(state.agreements, version, council, fundingCouncils(state), ctx.now));

export const rejectAgreement = (state: ChallengeState, version: number, council: string, reason: string | undefined, ctx: Context): Decision =>
  fromLifecycleResult(reject(state.agreements, version, council, reason, ctx.now));

export type { Agreement };
