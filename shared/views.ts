/**
 * Records → the API's shapes: challenge, member, ledger entry, agreement,
 * statement (today's, or as it stood at a point), a council's account,
 * subscription. Fields in a fixed order (DynamoDB keeps none), only what the
 * contract names, nothing a caller is not entitled to.
 */
import { awaitingApproval, coversExactly } from './domain/agreement-lifecycle';
import { activeAgreement, fundingCouncils } from './domain/agreements';
import { challengeSnapshot } from './domain/challenge';
import { isFundingRole } from './domain/consortium';
import type { AccountRow, ConsortiumAt } from './domain/account';
import { figuresOf, hasMoney, type MemberFigures, poolTotals, type StoredEntry, zeroFigures } from './domain/ledger';
import type { Agreement } from './domain/agreement-lifecycle';
import type { ChallengeRecord, ChallengeState, MemberRecord } from './domain/records';
import type { Share } from './domain/shares';
import { buildStatement, type Statement } from './domain/statement';
import { replayRunning } from './fanout/replay-rules';
import { secretHint } from './fanout/signing';
import type { MemberRole, MemberStatus } from './schemas/common';
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

interface StatementInput {
  challengeId: string;
  asOfSeq: number;
  /** Every council with a membership record, with its figures. */
  members: ReadonlyArray<{ council: string; role: MemberRole; status: MemberStatus; figures: MemberFigures }>;
  agreement?: { version: number; shares: readonly Share[] } | undefined;
}

const isFunding = (m: { role: MemberRole; status: MemberStatus }) => m.status === 'active' && isFundingRole(m.role);

/** The members the statement has a row for: every funding member, and any other the ledger still holds money for. */
const rowMembers = <M extends StatementInput['members'][number]>(members: readonly M[]) =>
  members.filter((m) => isFunding(m) || hasMoney(m.figures));

/** One statement, however its records were found (today's running figures, or a replay up to a point). */
function statementOf(input: StatementInput, names: ReadonlyMap<string, string>): Statement {
  return buildStatement({
    challengeId: input.challengeId,
    asOfSeq: input.asOfSeq,
    agreement: input.agreement,
    totals: poolTotals(input.members.map((m) => m.figures)),
    members: rowMembers(input.members).map((m) => ({
      council: m.council,
      name: names.get(m.council) ?? m.council,
      role: m.role,
      status: isFunding(m) ? 'active' : m.status,
      figures: m.figures,
    })),
  });
}

const withFigures = (state: ChallengeState) => state.members.map((m) => ({ council: m.council, role: m.role, status: m.status, figures: figuresOf(m) }));

/**
 * The statement of account. Rows: every funding member, and any former member the
 * ledger still holds money for (e.g. withdrew after paying in), so member balances
 * always sum to pool cash; totals over every member record.
 */
export function statementView(state: ChallengeState, names: ReadonlyMap<string, string>): Statement {
  return statementOf({ challengeId: state.challenge.id, asOfSeq: state.challenge.seq, agreement: activeAgreement(state), members: withFigures(state) }, names);
}

/** The members the statement has a row for. */
export function statementMembers(state: ChallengeState): MemberRecord[] {
  const rows = new Set(rowMembers(withFigures(state)).map((m) => m.council));
  return state.members.filter((m) => rows.has(m.council));
}

/**
 * The statement's input as it stood at `at.seq`: the members and agreement from
 * the event replay, the figures from the ledger replay up to the same event.
 */
export function statementInputAt(challengeId: string, at: ConsortiumAt, figures: ReadonlyMap<string, MemberFigures>): StatementInput {
  for (const council of figures.keys()) {
    if (!at.members.has(council)) throw new Error(`Ledger entries at seq ${at.seq} name ${council}, which had no membership record then`);
  }
  const members = [...at.members.values()]
    .sort((a, b) => (a.council < b.council ? -1 : 1))
    .map((m) => ({ ...m, figures: figures.get(m.council) ?? zeroFigures(m.council) }));
  return { challengeId, asOfSeq: at.seq, agreement: at.agreement, members };
}

/** The councils a statement built from `input` has rows for (whose names it needs). */
export const statementCouncils = (input: StatementInput) => rowMembers(input.members).map((m) => m.council);

export const statementAtView = (input: StatementInput, names: ReadonlyMap<string, string>) => statementOf(input, names);

/** A council's account: each row the entry as the ledger shows it, the council's part, and its figures after it. */
export function accountView(input: { challengeId: string; council: string; name: string; rows: readonly AccountRow[]; nextCursor?: string | undefined }) {
  return {
    challengeId: input.challengeId,
    council: input.council,
    name: input.name,
    items: input.rows.map((r) => ({ entry: entryView(r.entry, r.reversedBy), costPence: r.costPence, riskPence: r.riskPence, figures: { ...r.figures } })),
    ...(input.nextCursor ? { nextCursor: input.nextCursor } : {}),
  };
}

/** The subscription as the API shows it: never a secret, only a hint of the current one. */
export function subscriptionView(record: SubscriptionRecord): SubscriptionView {
  const { secret, previousSecret: _previous, previousSecretExpiresAt, replay, ...rest } = record;
  const overlapping = previousSecretExpiresAt !== undefined && Date.parse(previousSecretExpiresAt) > Date.now();
  return {
    ...(rest as Omit<SubscriptionView, 'secretHint'>),
    secretHint: secretHint(secret),
    ...(overlapping ? { previousSecretExpiresAt } : {}),
    // A finished or expired replay is history (its attempts are in the delivery log).
    ...(replayRunning(replay, Date.now()) ? { replay } : {}),
  };
}

