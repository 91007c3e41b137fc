import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { requireActiveMember, visibleState, writeVisibleChallenge } from '../shared/access';
import { activeAgreement, agreementCoversFundingMembers } from '../shared/agreements';
import type { Caller } from '../shared/auth';
import { type ChallengeState, event, loadChallenge, type MemberRecord, memberOf } from '../shared/challenge-store';
import { documents } from '../shared/db';
import { fundingMembers } from '../shared/domain/consortium';
import {
  commitmentConflict,
  pledgeConflict,
  receiptConflict,
  reverseAllocations,
  splitCost,
} from '../shared/domain/ledger';
import { buildStatement, statementCsv } from '../shared/domain/statement';
import { conflict, forbidden, notFound } from '../shared/errors';
import { negotiate } from '../shared/http/negotiation';
import { json, text } from '../shared/http/responses';
import { operation, routeGroup } from '../shared/http/operation';
import { keys } from '../shared/keys';
import {
  entryView,
  figuresOf,
  hasMoney,
  ledgerChange,
  ledgerPage,
  nextEntryId,
  poolTotalsOf,
  readEntry,
  reversalMarkerItem,
  type StoredEntry,
  withFigures,
} from '../shared/ledger';
import {
  actorOf,
  refuseIf,
  requireFundingMember,
  requireFundingMemberCaller,
  requireLeadFinance,
  requireOpen,
} from '../shared/money-access';
import { routeKey } from '../shared/http/route-spec';
import { moneyRoutes as routes } from '../shared/route-groups/money';
import { tableName } from '../shared/table';

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

/** A new entry's common fields: an id above the challenge's last one, who recorded it and when. */
function newEntry(state: ChallengeState, caller: Caller) {
  return { id: nextEntryId(state.challenge), recordedBy: actorOf(caller), recordedAt: new Date().toISOString() };
}

/** Runs one money write and answers with the entry it recorded. */
async function recordEntry(id: string, caller: Caller, decide: (state: ChallengeState) => ReturnType<typeof ledgerChange> | Promise<ReturnType<typeof ledgerChange>>) {
  const { state } = await writeVisibleChallenge(id, caller, decide);
  return state;
}

const setPledge = operation(routes.setPledge, async ({ params, body, caller }) => {
  let entry: StoredEntry | undefined;
  let unchangedEntryId: string | undefined;
  await writeVisibleChallenge(params.id, caller, (state) => {
    if (caller.council !== params.council) throw forbidden(`Only ${params.council}'s finance may set its pledge.`);
    const member = requireFundingMemberCaller(state, caller, 'finance');
    requireOpen(state);
    const f = figuresOf(member);
    // Setting the amount it already is records nothing: PUT is idempotent.
    if (f.pledgedPence === body.amountPence && member.pledgeEntryId) {
      unchangedEntryId = member.pledgeEntryId;
      return 'unchanged';
    }
    refuseIf(pledgeConflict(f, body.amountPence));
    entry = { ...newEntry(state, caller), type: 'pledge', council: member.council, amountPence: body.amountPence, previousPence: f.pledgedPence };
    return ledgerChange(
      state,
      entry,
      [{ ...withFigures(member, { ...f, pledgedPence: body.amountPence }), pledgeEntryId: entry.id }],
      [event('PledgeSet', { council: member.council, amountPence: body.amountPence, previousPence: f.pledgedPence, entryId: entry.id })],
    );
  });
  if (unchangedEntryId !== undefined) {
    const found = await readEntry(params.id, unchangedEntryId);
    return json(200, entryView(found!.entry));
  }
  return json(200, entryView(entry!));
});

const recordCommitment = operation(routes.recordCommitment, async ({ params, body, caller }) => {
  let entry: StoredEntry | undefined;
  await recordEntry(params.id, caller, (state) => {
    const member = requireFundingMemberCaller(state, caller, 'finance');
    requireOpen(state);
    const f = figuresOf(member);
    refuseIf(commitmentConflict(f, body.amountPence));
    entry = { ...newEntry(state, caller), type: 'commitment', council: member.council, amountPence: body.amountPence, ...optional('reference', body.reference) };
    return ledgerChange(
      state,
      entry,
      [withFigures(member, { ...f, committedPence: f.committedPence + body.amountPence })],
      [event('CommitmentRecorded', { council: member.council, amountPence: body.amountPence, entryId: entry.id, ...optional('reference', body.reference) })],
    );
  });
  return json(201, entryView(entry!));
});

const recordReceipt = operation(routes.recordReceipt, async ({ params, body, caller }) => {
  let entry: StoredEntry | undefined;
  await recordEntry(params.id, caller, (state) => {
    requireLeadFinance(state, caller);
    requireOpen(state);
    const member = requireFundingMember(state, body.council);
    const f = figuresOf(member);
    refuseIf(receiptConflict(f, body.amountPence));
    entry = { ...newEntry(state, caller), type: 'receipt', council: member.council, amountPence: body.amountPence, ...optional('reference', body.reference) };
    return ledgerChange(
      state,
      entry,
      [withFigures(member, { ...f, receivedPence: f.receivedPence + body.amountPence })],
      [event('ReceiptRecorded', { council: member.council, amountPence: body.amountPence, entryId: entry.id, ...optional('reference', body.reference) })],
    );
  });
  return json(201, entryView(entry!));
});

/** Adds (or, for a reversal, subtracts) each allocation to its member's figures. */
function allocate(state: ChallengeState, allocations: ReadonlyArray<{ council: string; costPence: number; riskPence: number }>): MemberRecord[] {
  return allocations
    .filter((a) => a.costPence !== 0 || a.riskPence !== 0)
    .map((a) => {
      const member = memberOf(state, a.council);
      if (!member) throw new Error(`Allocation to ${a.council}, which has no membership record`);
      const f = figuresOf(member);
      return withFigures(member, {
        ...f,
        allocatedCostPence: f.allocatedCostPence + a.costPence,
        allocatedRiskPence: f.allocatedRiskPence + a.riskPence,
      });
    });
}

const recordCost = operation(routes.recordCost, async ({ params, body, caller }) => {
  let entry: StoredEntry | undefined;
  await recordEntry(params.id, caller, (state) => {
    requireLeadFinance(state, caller);
    requireOpen(state);
    const agreement = activeAgreement(state);
    if (!agreement || !agreementCoversFundingMembers(state)) {
      throw conflict(
        'agreement_required',
        agreement
          ? `The funding members have changed since share agreement version ${agreement.version}; a new agreement must be active before costs are recorded.`
          : 'No share agreement is active; one covering the funding members must be active before costs are recorded.',
      );
    }
    const totals = poolTotalsOf(state.challenge);
    const allocations = splitCost(body.amountPence, totals.committedPence - totals.spentPence, agreement.shares);
    const details = {
      description: body.description,
      ...optional('supplier', body.supplier),
      ...optional('category', body.category),
      ...optional('reference', body.reference),
    };
    entry = { ...newEntry(state, caller), type: 'cost', amountPence: body.amountPence, allocations, ...details, agreementVersion: agreement.version };
    return ledgerChange(state, entry, allocate(state, allocations), [
      event('CostRecorded', { entryId: entry.id, amountPence: body.amountPence, ...details, allocations }),
    ]);
  });
  return json(201, entryView(entry!));
});

const reverseCost = operation(routes.reverseCost, async ({ params, body, caller }) => {
  let entry: StoredEntry | undefined;
  await recordEntry(params.id, caller, async (state) => {
    requireLeadFinance(state, caller);
    requireOpen(state);
    // Read on every attempt: a reversal that won a race shows up as the marker.
    const found = await readEntry(params.id, params.entryId);
    if (!found) throw notFound(`There is no ledger entry ${params.entryId} in this challenge.`);
    const original = found.entry;
    if (original.type !== 'cost') throw conflict('not_reversible', `Entry ${original.id} is a ${original.type}; only a cost can be reversed.`);
    if (found.reversedBy) throw conflict('already_reversed', `Cost ${original.id} was already reversed by entry ${found.reversedBy}.`);
    const allocations = reverseAllocations(original.allocations ?? []);
    const amountPence = 0 - original.amountPence;
    entry = { ...newEntry(state, caller), type: 'cost_reversal', amountPence, allocations, reversesId: original.id, reason: body.reason };
    return ledgerChange(
      state,
      entry,
      allocate(state, allocations),
      [event('CostReversed', { entryId: entry.id, reversesId: original.id, amountPence, reason: body.reason, allocations })],
      [reversalMarkerItem(params.id, original.id, entry.id, entry.recordedAt)],
    );
  });
  return json(201, entryView(entry!));
});

async function readableState(id: string, caller: Caller): Promise<ChallengeState> {
  const state = visibleState(await loadChallenge(id, true), caller, id);
  requireActiveMember(state, caller);
  return state;
}

const listLedger = operation(routes.listLedger, async ({ params, query, caller }) => {
  // Both reads at once; the page is only returned once the caller is known to be an active member.
  const [state, page] = await Promise.allSettled([readableState(params.id, caller), ledgerPage(params.id, query.limit, query.cursor)]);
  if (state.status === 'rejected') throw state.reason;
  if (page.status === 'rejected') throw page.reason;
  return json(200, page.value);
});

/** Council names for the statement: one BatchGet, whatever the ledger's length. */
async function councilNames(councils: string[]): Promise<Map<string, string>> {
  const table = tableName();
  const names = new Map<string, string>();
  let keysLeft = councils.map((c) => keys.council(c));
  while (keysLeft.length > 0) {
    const got = await documents.send(
      new BatchGetCommand({
        RequestItems: { [table]: { Keys: keysLeft, ProjectionExpression: 'code, #name', ExpressionAttributeNames: { '#name': 'name' } } },
      }),
    );
    for (const item of got.Responses?.[table] ?? []) names.set(item.code as string, item.name as string);
    keysLeft = (got.UnprocessedKeys?.[table]?.Keys ?? []) as typeof keysLeft;
  }
  return names;
}

/**
 * Rows: every funding member, and any former member the ledger still holds money
 * for (e.g. withdrew after paying in), so member balances always sum to pool cash.
 */
const getStatement = operation(routes.getStatement, async ({ params, caller, headers }) => {
  const state = await readableState(params.id, caller);
  const funding = new Set(fundingMembers(state.members).map((m) => m.council));
  const rows = state.members.filter((m) => funding.has(m.council) || hasMoney(figuresOf(m)));
  const names = rows.length ? await councilNames(rows.map((m) => m.council)) : new Map<string, string>();
  const agreement = activeAgreement(state);
  const statement = buildStatement({
    challengeId: state.challenge.id,
    asOfSeq: state.challenge.seq,
    agreement,
    totals: poolTotalsOf(state.challenge),
    members: rows.map((m) => ({
      council: m.council,
      name: names.get(m.council) ?? m.council,
      role: m.role,
      status: funding.has(m.council) ? 'active' : m.status,
      figures: figuresOf(m),
    })),
  });
  if (negotiate(headers.accept, ['application/json', 'text/csv']) === 'text/csv') {
    return text(200, statementCsv(statement), 'text/csv; charset=utf-8; header=present', {
      'content-disposition': `attachment; filename="statement-${statement.challengeId}-seq${statement.asOfSeq}.csv"`,
      vary: 'Accept',
    });
  }
  return json(200, statement, { vary: 'Accept' });
});

export const handler = routeGroup({
  [routeKey(routes.setPledge)]: setPledge,
  [routeKey(routes.recordCommitment)]: recordCommitment,
  [routeKey(routes.recordReceipt)]: recordReceipt,
  [routeKey(routes.recordCost)]: recordCost,
  [routeKey(routes.reverseCost)]: reverseCost,
  [routeKey(routes.listLedger)]: listLedger,
  [routeKey(routes.getStatement)]: getStatement,
});
