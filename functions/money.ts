/** Pooled money: pledges, commitments, receipts, costs and reversals; the ledger, the statement (now or as at a point), each council's account. */
import { fundingMemberCaller, leadFinance, open } from '../shared/access';
import { accountRefusal } from '../shared/domain/account';
import { recordCommitment, recordCost, recordCosts, recordReceipt, reverseCost, setPledge } from '../shared/domain/money';
import { memberOf } from '../shared/domain/records';
import { isRefusal, refuse } from '../shared/domain/transition';
import { memberState } from '../shared/http/challenge-reads';
import { challengeWrite, type Written } from '../shared/http/challenge-write';
import { accountDownload, negotiatedJson, statementDownload, wantsCsv } from '../shared/http/csv-answers';
import { routeGroup } from '../shared/http/operation';
import { refuseWith } from '../shared/http/problem-details';
import { json } from '../shared/http/responses';
import { moneyRoutes } from '../shared/route-groups/money';
import { accountCursor, councilNames, must, readAccount, readStatementAt, settledAll } from '../shared/record-reads';
import { ledgerPage, readEntry } from '../shared/store/ledger';
import { accountView, entryView, statementAtView, statementCouncils, statementMembers, statementView } from '../shared/views';

const byId = ({ params }: { params: { id: string } }) => params.id;
/** The 201 body of every money POST: the entry it recorded. */
const recorded = (status: number) => ({ settled }: Written) => json(status, entryView(settled!.transition.entries![0]!));

export const handler = routeGroup(moneyRoutes, {
  setPledge: challengeWrite({
    challengeId: byId,
    decide: (state, { params, body, caller }, ctx) => {
      if (caller.council !== params.council) return refuse.forbidden(`Only ${params.council}'s finance may set its pledge.`);
      const member = fundingMemberCaller(state, caller, 'finance');
      return isRefusal(member) ? member : (open(state) ?? setPledge(state, member, body.amountPence, ctx));
    },
    // An unchanged pledge answers with the entry that set it.
    respond: async (written, { params }) => {
      if (written.settled) return recorded(200)(written);
      const found = await readEntry(params.id, memberOf(written.after, params.council)!.pledgeEntryId!);
      return json(200, entryView(found!.entry));
    },
  }),

  recordCommitment: challengeWrite({
    challengeId: byId,
    decide: (state, { body, caller }, ctx) => {
      const member = fundingMemberCaller(state, caller, 'finance');
      return isRefusal(member) ? member : (open(state) ?? recordCommitment(state, member, body, ctx));
    },
    respond: recorded(201),
  }),

  recordReceipt: challengeWrite({
    challengeId: byId,
    decide: (state, { body, caller }, ctx) => leadFinance(state, caller) ?? open(state) ?? recordReceipt(state, body, ctx),
    respond: recorded(201),
  }),

  recordCost: challengeWrite({
    challengeId: byId,
    decide: (state, { body, caller }, ctx) => leadFinance(state, caller) ?? open(state) ?? recordCost(state, body, ctx),
    respond: recorded(201),
  }),

  recordCosts: challengeWrite({
    challengeId: byId,
    decide: (state, { body, caller }, ctx) => leadFinance(state, caller) ?? open(state) ?? recordCosts(state, body.costs, ctx),
    respond: ({ settled }) => json(201, { items: settled!.transition.entries!.map((e) => entryView(e)) }),
  }),

  reverseCost: challengeWrite({
    challengeId: byId,
    // Read on every attempt (once the caller may reverse): a reversal that won a race shows up as the cost's marker.
    decide: async (state, { params, body, caller }, ctx) =>
      leadFinance(state, caller) ?? open(state) ?? reverseCost(state, await readEntry(params.id, params.entryId), params.entryId, body.reason, ctx),
    respond: recorded(201),
  }),

  listLedger: async ({ params, query, caller }) => {
    // Both reads at once; the page is only returned once the caller is known to be an active member.
    const [, { items, nextCursor }] = await settledAll([memberState(params.id, caller), ledgerPage(params.id, query.limit, query.cursor)]);
    return json(200, { items: items.map((f) => entryView(f.entry, f.reversedBy)), ...(nextCursor ? { nextCursor } : {}) });
  },

  /**
   * Without asOfSeq/asOf: built from the running figures, one Query and one BatchGet of names
   * whatever the ledger's length. With one: replayed up to that event (events, then ledger entries).
   */
  getStatement: async ({ params, query, caller, headers }) => {
    const state = await memberState(params.id, caller);
    const at = query.asOfSeq !== undefined ? { seq: query.asOfSeq } : query.asOf !== undefined ? { time: query.asOf } : undefined;
    const input = at ? await readStatementAt(state, at) : undefined;
    const names = await councilNames(input ? statementCouncils(input) : statementMembers(state).map((m) => m.council));
    const statement = input ? statementAtView(input, names) : statementView(state, names);
    return wantsCsv(headers) ? statementDownload(statement) : negotiatedJson(statement);
  },

  /**
   * A page: one range read from the cursor, the figures the entries stored (a replay for entries that store none);
   * the CSV: a replay of the whole account. State, ledger and name read at once, shown only to an active member.
   */
  getMemberAccount: async ({ params, query, caller, headers }) => {
    const whole = wantsCsv(headers);
    const [state, read, names] = await settledAll([
      memberState(params.id, caller),
      readAccount(params.id, params.council, whole ? {} : query),
      councilNames([params.council]),
    ]);
    refuseWith(accountRefusal(state, params.council));
    const page = must(read);
    if (whole) return accountDownload(params.id, params.council, page.rows);
    const name = names.get(params.council) ?? params.council;
    return negotiatedJson(accountView({ challengeId: params.id, council: params.council, name, rows: page.rows, nextCursor: accountCursor(page) }));
  },
});
