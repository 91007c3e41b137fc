// The life of a share agreement (domain.md, Share agreements), pure: what a proposal,
// an approval or a rejection does to the versions, and the events it causes, in order.
//
//   pending ──all named councils approved──▶ active ──a later one activates──▶ superseded
//      │ └──a newer proposal──▶ superseded
//      └──one rejection──▶ rejected
//
// The proposal counts as the proposer's (the lead's) approval, so a one-member
// consortium's proposal is active at once.

import type { ProblemCode } from '../problem-codes';
import type { Conflict as RuleConflict } from './ledger';

/** A rule's refusal, or a version that is absent (404) or does not name the caller's council (403). */
type Conflict = RuleConflict<ProblemCode> | RuleConflict<'not_found'> | RuleConflict<'not_party'>;
import type { Share, ShareBasis } from './shares';

export type AgreementStatus = 'pending' | 'active' | 'superseded' | 'rejected';

export interface Agreement {
  version: number;
  status: AgreementStatus;
  basis: ShareBasis;
  /** One line per council the agreement covers, by council code. */
  shares: Share[];
  /** Councils whose officers approved, by code (the proposer's council first counts). */
  approvals: string[];
  proposedBy: { council: string; sub: string };
  proposedAt: string;
  updatedAt: string;
  /** The pending version this proposal replaced. */
  replaces?: number;
  activatedAt?: string;
  /** The active version this one replaced when it became active. */
  supersedes?: number;
  /** The version that superseded this one (a newer proposal, or a newer activation). */
  supersededBy?: number;
  supersededAt?: string;
  rejectedBy?: string;
  rejectedAt?: string;
  reason?: string;
}

export type AgreementEvent =
  | { type: 'ShareAgreementProposed'; data: { version: number; basis: ShareBasis; shares: Share[]; supersedes?: number } }
  | { type: 'ShareAgreementApproved'; data: { version: number; council: string } }
  | { type: 'ShareAgreementActivated'; data: { version: number; supersedes?: number } }
  | { type: 'ShareAgreementRejected'; data: { version: number; council: string; reason?: string } };

export interface Transition {
  /** The versions that changed (new or updated), the subject of the action first. */
  changed: Agreement[];
  events: AgreementEvent[];
}

const sortedCodes = (codes: Iterable<string>) => [...new Set(codes)].sort();
const councilsOf = (a: Pick<Agreement, 'shares'>) => sortedCodes(a.shares.map((s) => s.council));

/** True when `agreement` names exactly `councils` (the current funding members). */
export function coversExactly(agreement: Pick<Agreement, 'shares'>, councils: readonly string[]): boolean {
  const named = councilsOf(agreement);
  const wanted = sortedCodes(councils);
  return named.length === wanted.length && named.every((c, i) => c === wanted[i]);
}

/** Councils named in a pending agreement that have not approved it yet. */
export function awaitingApproval(agreement: Agreement): string[] {
  if (agreement.status !== 'pending') return [];
  return councilsOf(agreement).filter((c) => !agreement.approvals.includes(c));
}

/** Marks `pending` active when every named council approved, superseding the active one. */
function activateIfApproved(pending: Agreement, all: readonly Agreement[], now: string): Transition {
  if (awaitingApproval(pending).length > 0) return { changed: [pending], events: [] };
  const previous = all.find((a) => a.status === 'active' && a.version !== pending.version);
  const activated: Agreement = {
    ...pending,
    status: 'active',
    activatedAt: now,
    updatedAt: now,
    ...(previous ? { supersedes: previous.version } : {}),
  };
  const changed = [activated];
  if (previous) changed.push({ ...previous, status: 'superseded', supersededBy: pending.version, supersededAt: now, updatedAt: now });
  return {
    changed,
    events: [{ type: 'ShareAgreementActivated', data: { version: pending.version, ...(previous ? { supersedes: previous.version } : {}) } }],
  };
}

/**
 * A new version with `shares` (already computed or checked, see computeShares),
 * proposed by the lead: a still-pending version is superseded, and the proposal is
 * the proposer's approval (active at once when the proposer is the only council named).
 */
export function propose(
  all: readonly Agreement[],
  input: { basis: ShareBasis; shares: Share[]; proposedBy: { council: string; sub: string }; now: string },
): Transition {
  const version = all.reduce((max, a) => Math.max(max, a.version), 0) + 1;
  const pending = all.find((a) => a.status === 'pending');
  const proposed: Agreement = {
    version,
    status: 'pending',
    basis: input.basis,
    shares: input.shares,
    approvals: [input.proposedBy.council],
    proposedBy: input.proposedBy,
    proposedAt: input.now,
    updatedAt: input.now,
    ...(pending ? { replaces: pending.version } : {}),
  };
  const superseded: Agreement[] = pending
    ? [{ ...pending, status: 'superseded', supersededBy: version, supersededAt: input.now, updatedAt: input.now }]
    : [];
  const proposedEvent: AgreementEvent = {
    type: 'ShareAgreementProposed',
    data: { version, basis: input.basis, shares: input.shares, ...(pending ? { supersedes: pending.version } : {}) },
  };
  const activation = activateIfApproved(proposed, all, input.now);
  return { changed: [...activation.changed, ...superseded], events: [proposedEvent, ...activation.events] };
}

/** Why `council` may not answer `agreement` now, or null. */
function answerConflict(agreement: Agreement, council: string): Conflict | null {
  if (agreement.status !== 'pending') {
    return { code: 'agreement_not_pending', detail: `Share agreement version ${agreement.version} is ${agreement.status}; only a pending one can be approved or rejected.` };
  }
  if (!councilsOf(agreement).includes(council)) {
    return { code: 'not_party', detail: `${council} is not named in share agreement version ${agreement.version}.` };
  }
  return null;
}

/**
 * `council` approves: recorded once (approving again changes nothing), and the
 * last approval activates it. `fundingCouncils` are the current funding members:
 * an agreement that no longer names exactly them can never be used for costs, so
 * it is refused (agreement_outdated) rather than activated.
 */
export function approve(
  all: readonly Agreement[],
  version: number,
  council: string,
  fundingCouncils: readonly string[],
  now: string,
): Transition | Conflict | 'unchanged' {
  const agreement = all.find((a) => a.version === version);
  if (!agreement) return { code: 'not_found', detail: `There is no share agreement version ${version}.` };
  const refused = answerConflict(agreement, council);
  if (refused) return refused;
  if (agreement.approvals.includes(council)) return 'unchanged';
  if (!coversExactly(agreement, fundingCouncils)) {
    return {
      code: 'agreement_outdated',
      detail: `The funding members have changed since version ${version} was proposed; the lead must propose a new agreement.`,
    };
  }
  const approved: Agreement = { ...agreement, approvals: sortedCodes([...agreement.approvals, council]), updatedAt: now };
  const activation = activateIfApproved(approved, all, now);
  return {
    changed: activation.changed,
    events: [{ type: 'ShareAgreementApproved', data: { version, council } }, ...activation.events],
  };
}

/**
 * One rejection ends a pending agreement. The proposing council cannot reject its
 * own proposal: proposing was its approval, and the answer belongs to the other
 * funding members (to withdraw a proposal, the lead proposes a new version).
 */
export function reject(
  all: readonly Agreement[],
  version: number,
  council: string,
  reason: string | undefined,
  now: string,
): Transition | Conflict {
  const agreement = all.find((a) => a.version === version);
  if (!agreement) return { code: 'not_found', detail: `There is no share agreement version ${version}.` };
  const refused = answerConflict(agreement, council);
  if (refused) return refused;
  if (council === agreement.proposedBy.council) {
    return {
      code: 'proposer_cannot_reject',
      detail: `${council} proposed share agreement version ${version}, which counts as its approval; only the other funding members may reject it.`,
    };
  }
  const rejected: Agreement = {
    ...agreement,
    status: 'rejected',
    rejectedBy: council,
    rejectedAt: now,
    updatedAt: now,
    ...(reason ? { reason } : {}),
  };
  return {
    changed: [rejected],
    events: [{ type: 'ShareAgreementRejected', data: { version, council, ...(reason ? { reason } : {}) } }],
  };
}

export const isConflict = (x: unknown): x is Conflict =>
  typeof x === 'object' && x !== null && 'code' in x && 'detail' in x && !('changed' in x);
