/**
 * Money transitions (domain.md, Money), pure. Each builds one immutable ledger
 * entry and moves the members' figures through the one `applyEntry` that the
 * invariant checker replays, so what runs is what the tests prove; the entry keeps
 * the figures that applyEntry left for the councils it touched (an account's rows).
 */
import { decodeTime } from 'ulid';
import { activeAgreement, agreementCoversFundingMembers, fundingMember } from './agreements';
import {
  applyEntry,
  commitmentConflict,
  FIGURE_FIELDS,
  figuresAfter,
  figuresAreExact,
  figuresOf,
  type MemberFigures,
  pledgeConflict,
  poolTotals,
  receiptConflict,
  reverseAllocations,
  splitCost,
  type StoredEntry,
} from './ledger';
import { type ChallengeState, type Context, memberOf, type MemberRecord } from './records';
import { asRefusal, type Decision, event, isRefusal, type PendingEvent, Refusal, refuse, type Transition, UNCHANGED } from './transition';

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

/**
 * A new entry's common fields. Its id is minted above the challenge's last one even
 * if this clock is behind the one that wrote it: ledger order (by id) is then commit
 * order, which matters because pledges replay as "last one wins".
 */
function newEntry(state: ChallengeState, ctx: Context) {
  const last = state.challenge.lastEntryId;
  const atMs = Math.max(Date.parse(ctx.now), last ? decodeTime(last) + 1 : 0);
  return { id: ctx.newId(atMs), recordedBy: ctx.actor, recordedAt: ctx.now };
}

const amountTooLarge = () =>
  refuse.invalid(
    'The amount would take a running total beyond what can be counted exactly.',
    [{ path: 'body.amountPence', message: 'Too large for this ledger.' }],
    'amount_too_large',
  );

/**
 * The transition that records `entry`: every member's figures replayed through
 * applyEntry, the members whose figures moved written back, the entry (carrying
 * the figures after it of every council it touches, from the same applyEntry) and
 * its events.
 */
function entryTransition(state: ChallengeState, entry: StoredEntry, events: PendingEvent[], extra: Partial<Transition> = {}): Decision {
  const figures = new Map<string, MemberFigures>(state.members.map((m) => [m.council, figuresOf(m)]));
  applyEntry(figures, entry);
  if (figures.size > state.members.length) throw new Error(`Entry ${entry.id} names a council with no membership record`);
  if (!figuresAreExact(figures.values())) return amountTooLarge();
  const overlay = new Map((extra.members ?? []).map((m) => [m.council, m]));
  const members = state.members.flatMap((member) => {
    const before = figuresOf(member);
    const { council: _council, ...after } = figures.get(member.council)!;
    const moved = FIGURE_FIELDS.some((field) => after[field] !== before[field]);
    const base = overlay.get(member.council);
    return moved || base ? [{ ...(base ?? member), ...after }] : [];
  });
  return { ...extra, members, entries: [{ ...entry, figuresAfter: figuresAfter(entry, figures) }], events };
}

export function setPledge(state: ChallengeState, member: MemberRecord, amountPence: number, ctx: Context): Decision {
  const f = figuresOf(member);
  // Setting the amount it already is records nothing: PUT is idempotent.
  if (f.pledgedPence === amountPence && member.pledgeEntryId) return UNCHANGED;
  const refused = asRefusal(pledgeConflict(f, amountPence));
  if (refused) return refused;
  const entry: StoredEntry = { ...newEntry(state, ctx), type: 'pledge', council: member.council, amountPence, previousPence: f.pledgedPence };
  return entryTransition(
    state,
    entry,
    [event('PledgeSet', { council: member.council, amountPence, previousPence: f.pledgedPence, entryId: entry.id })],
    { members: [{ ...member, pledgeEntryId: entry.id }] },
  );
}

export function recordCommitment(state: ChallengeState, member: MemberRecord, input: { amountPence: number; reference?: string | undefined }, ctx: Context): Decision {
  const refused = asRefusal(commitmentConflict(figuresOf(member), input.amountPence));
  if (refused) return refused;
  const details = { amountPence: input.amountPence, ...optional('reference', input.reference) };
  const entry: StoredEntry = { ...newEntry(state, ctx), type: 'commitment', council: member.council, ...details };
  return entryTransition(state, entry, [event('CommitmentRecorded', { council: member.council, entryId: entry.id, ...details })]);
}

/** The member money is recorded for must be a funding member now (409 not_funding_member). */
function requireFundingMember(state: ChallengeState, council: string): MemberRecord | Refusal {
  const member = fundingMember(state, council);
  if (member) return member;
  const known = memberOf(state, council);
  return refuse.conflict(
    'not_funding_member',
    known
      ? `${council} is a ${known.status} ${known.role}, not a funding member (an active lead or partner).`
      : `${council} is not a member of this challenge.`,
  );
}

export function recordReceipt(state: ChallengeState, input: { council: string; amountPence: number; reference?: string | undefined }, ctx: Context): Decision {
  const member = requireFundingMember(state, input.council);
  if (isRefusal(member)) return member;
  const refused = asRefusal(receiptConflict(figuresOf(member), input.amountPence));
  if (refused) return refused;
  const details = { amountPence: input.amountPence, ...optional('reference', input.reference) };
  const entry: StoredEntry = { ...newEntry(state, ctx), type: 'receipt', council: member.council, ...details };
  return entryTransition(state, entry, [event('ReceiptRecorded', { council: member.council, entryId: entry.id, ...details })]);
}

export interface CostInput {
  amountPence: number;
  description: string;
  supplier?: string | undefined;
  category?: string | undefined;
  reference?: string | undefined;
}

/** Within the headroom (committed minus net spend) by cost shares, beyond it by risk shares. */
export function recordCost(state: ChallengeState, input: CostInput, ctx: Context): Decision {
  const agreement = activeAgreement(state);
  if (!agreement || !agreementCoversFundingMembers(state)) {
    return refuse.conflict(
      'agreement_required',
      agreement
        ? `The funding members have changed since share agreement version ${agreement.version}; a new agreement must be active before costs are recorded.`
        : 'No share agreement is active; one covering the funding members must be active before costs are recorded.',
    );
  }
  const totals = poolTotals(state.members.map(figuresOf));
  const allocations = splitCost(input.amountPence, totals.committedPence - totals.spentPence, agreement.shares);
  const details = {
    description: input.description,
    ...optional('supplier', input.supplier),
    ...optional('category', input.category),
    ...optional('reference', input.reference),
  };
  const entry: StoredEntry = { ...newEntry(state, ctx), type: 'cost', amountPence: input.amountPence, allocations, ...details, agreementVersion: agreement.version };
  return entryTransition(state, entry, [event('CostRecorded', { entryId: entry.id, amountPence: input.amountPence, ...details, allocations })]);
}

/** A cost is reversed once, by an entry carrying exactly its negated allocations. */
export function reverseCost(state: ChallengeState, original: { entry: StoredEntry; reversedBy?: string } | undefined, entryId: string, reason: string, ctx: Context): Decision {
  if (!original) return refuse.notFound(`There is no ledger entry ${entryId} in this challenge.`);
  const cost = original.entry;
  if (cost.type !== 'cost') return refuse.conflict('not_reversible', `Entry ${cost.id} is a ${cost.type}; only a cost can be reversed.`);
  if (original.reversedBy) return refuse.conflict('already_reversed', `Cost ${cost.id} was already reversed by entry ${original.reversedBy}.`);
  const allocations = reverseAllocations(cost.allocations ?? []);
  const amountPence = 0 - cost.amountPence;
  const entry: StoredEntry = { ...newEntry(state, ctx), type: 'cost_reversal', amountPence, allocations, reversesId: cost.id, reason };
  return entryTransition(state, entry, [event('CostReversed', { entryId: entry.id, reversesId: cost.id, amountPence, reason, allocations })], {
    reverses: { costId: cost.id, reversalId: entry.id },
  });
}

/** A refusal of the batch's cost `i`, naming it (field paths under body.costs.<i>). */
const inBatch = (r: Refusal, i: number) =>
  new Refusal(r.kind, `Cost ${i + 1}: ${r.detail}`, r.code, r.errors?.map((e) => ({ ...e, path: e.path.replace(/^body\./, `body.costs.${i}.`) })));

/** Items one TransactWriteItems may hold (DynamoDB's limit). */
const TRANSACTION_ITEMS = 100;
/** Besides a batch's entries and events: the challenge item and the write marker. */
const FIXED_ITEMS = 2;

/** How many costs fit one transaction for a consortium whose `members` figures may all move. */
export const costsPerTransaction = (members: number) => Math.floor((TRANSACTION_ITEMS - FIXED_ITEMS - members) / 2);

/**
 * Many costs, all or nothing, in one transaction: each split exactly as a single one
 * would be, in order (a later cost sees the headroom the earlier ones used), one
 * entry and one CostRecorded each. A refused cost refuses the batch, naming it.
 */
export function recordCosts(state: ChallengeState, inputs: readonly CostInput[], ctx: Context): Decision {
  const fits = costsPerTransaction(state.members.length);
  if (inputs.length > fits) {
    return refuse.invalid(
      `A batch for this consortium holds at most ${fits} costs (one transaction of ${TRANSACTION_ITEMS} items); send the rest in another batch.`,
      [{ path: 'body.costs', message: `At most ${fits} costs for ${state.members.length} members.` }],
      'batch_too_large',
    );
  }
  let working = state;
  const entries: StoredEntry[] = [];
  const events: PendingEvent[] = [];
  const members = new Map<string, MemberRecord>();
  for (const [i, input] of inputs.entries()) {
    const decision = recordCost(working, input, ctx);
    if (isRefusal(decision)) return inBatch(decision, i);
    if (!('events' in decision)) continue;
    entries.push(...(decision.entries ?? []));
    events.push(...decision.events);
    for (const m of decision.members ?? []) members.set(m.council, m);
    working = {
      ...working,
      challenge: { ...working.challenge, lastEntryId: entries.at(-1)!.id },
      members: working.members.map((m) => members.get(m.council) ?? m),
    };
  }
  return { members: [...members.values()], entries, events };
}
