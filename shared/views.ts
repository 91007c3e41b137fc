/**
 * Records → the API's shapes: challenge, member, ledger entry, agreement,
 * statement, subscription. Fields in a fixed order (DynamoDB keeps none), only
 * what the contract names, nothing a caller is not entitled to.
 */
import { awaitingApproval, coversExactly } from './domain/agreement-lifecycle';
import { activeAgreement, fundingCouncils } from './domain/agreements';
import { challengeSnapshot } from './domain/challenge';
import { fundingMembers } from './domain/consortium';
import { figuresOf, hasMoney, poolTotals, type StoredEntry } from './domain/ledger';
import type { Agreement } from './domain/agreement-lifecycle';
import type { ChallengeRecord, ChallengeState, MemberRecord } from './domain/records';
import { buildStatement, type Statement } from './domain/statement';
import { secretHint } from './fanout/signing';
import type { SubscriptionView } from './schemas/subscription';
import type { SubscriptionRecord } from './store/subscriptions';

const ordered = (view: Record<string, unknown>, fields: readonly string[]) =>
  Object.fromEntries(fields.filter((f) => view[f] !== undefined).map((f) => [f, view[f]]));

/** The challenge as the API shows it; the statement (problem text) only to active members. */
export function challengeView(challenge: Omit<ChallengeRecord, 'seq'>, withStatement: boolean) {
  const { statement, ...snapshot } = challengeSnapshot(challenge);
  return { ...snapshot, ...(withStatement ? { statement } : {}) };
}

const MEMBER_FIELDS = ['council', 'role', 'status', 'via', 'invitedAt', 'requestedAt', 'joinedAt', 'leftAt', 'updatedAt'] as const;
export const memberView = (m: MemberRecord) => ordered({ ...m }, MEMBER_FIELDS);

const ENTRY_FIELDS = [
  'id', 'type', 'council', 'amountPence', 'previousPence', 'allocations', 'agreementVersion', 'reversesId', 'reversed',
  'reversedBy', 'reason', 'description', 'supplier', 'category', 'reference', 'recordedBy', 'recordedAt',
] as const;

/** A ledger entry; a cost says whether, and by which entry, it was reversed (its marker item: the entry never changes). */
export function entryView(entry: StoredEntry, reversedBy?: string) {
  return ordered(
    {
      ...entry,
      ...(entry.type === 'cost' ? { reversed: reversedBy !== undefined, ...(reversedBy ? { reversedBy } : {}) } : {}),
      ...(entry.allocations ? { allocations: entry.allocations.map((a) => ({ council: a.council, costPence: a.costPence, riskPence: a.riskPence })) } : {}),
      recordedBy: { council: entry.recordedBy.council, sub: entry.recordedBy.sub },
    },
    ENTRY_FIELDS,
  );
}

const AGREEMENT_FIELDS = [
  'version', 'status', 'basis', 'shares', 'approvals', 'awaiting', 'coversFundingMembers', 'proposedBy', 'proposedAt', 'replaces',
  'activatedAt', 'supersedes', 'supersededBy', 'supersededAt', 'rejectedBy', 'rejectedAt', 'reason', 'updatedAt',
] as const;

/** A version, with who is still to approve and whether it fits today's funding members. */
export function agreementView(agreement: Agreement, state: ChallengeState) {
  return ordered(
    {
      ...agreement,
      shares: agreement.shares.map((s) => ({ council: s.council, costBps: s.costBps, riskBps: s.riskBps })),
      proposedBy: { council: agreement.proposedBy.council, sub: agreement.proposedBy.sub },
      ...(agreement.status === 'pending' ? { awaiting: awaitingApproval(agreement) } : {}),
      coversFundingMembers: coversExactly(agreement, fundingCouncils(state)),
    },
    AGREEMENT_FIELDS,
  );
}

/**
 * The statement of account. Rows: every funding member, and any former member the
 * ledger still holds money for (e.g. withdrew after paying in), so member balances
 * always sum to pool cash; totals over every member record.
 */
export function statementView(state: ChallengeState, names: ReadonlyMap<string, string>): Statement {
  const funding = new Set(fundingMembers(state.members).map((m) => m.council));
  const rows = statementMembers(state);
  return buildStatement({
    challengeId: state.challenge.id,
    asOfSeq: state.challenge.seq,
    agreement: activeAgreement(state),
    totals: poolTotals(state.members.map(figuresOf)),
    members: rows.map((m) => ({
      council: m.council,
      name: names.get(m.council) ?? m.council,
      role: m.role,
      status: funding.has(m.council) ? 'active' : m.status,
      figures: figuresOf(m),
    })),
  });
}

/** The members the statement has a row for. */
export function statementMembers(state: ChallengeState): MemberRecord[] {
  const funding = new Set(fundingMembers(state.members).map((m) => m.council));
  return state.members.filter((m) => funding.has(m.council) || hasMoney(figuresOf(m)));
}

/** The subscription as the API shows it: never a secret, only a hint of the current one. */
export function subscriptionView(record: SubscriptionRecord): SubscriptionView {
  const { secret, previousSecret: _previous, previousSecretExpiresAt, ...rest } = record;
  const overlapping = previousSecretExpiresAt !== undefined && Date.parse(previousSecretExpiresAt) > Date.now();
  return {
    ...(rest as Omit<SubscriptionView, 'secretHint'>),
    secretHint: secretHint(secret),
    ...(overlapping ? { previousSecretExpiresAt } : {}),
  };
}

