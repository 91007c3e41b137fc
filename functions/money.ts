/** Pooled money: pledges, commitments, receipts, costs and reversals; the ledger and the statement. */
import { fundingMemberCaller, leadFinance, open } from '../shared/access';
import { setPledge, recordCommitment, recordCost, recordReceipt, reverseCost } from '../shared/domain/money';
import { memberOf } from '../shared/domain/records';
import { isRefusal, refuse } from '../shared/domain/transition';
import { statementCsv } from '../shared/domain/statement';
import { memberState } from '../shared/http/challenge-reads';
import { challengeWrite, type Written } from '../shared/http/challenge-write';
import { negotiate } from '../shared/http/negotiation';
import { routeGroup } from '../shared/http/operation';
import { json, text } from '../shared/http/responses';
import { moneyRoutes } from '../shared/route-groups/money';
import { getCouncils } from '../shared/store/councils';
import { ledgerPage, readEntry } from '../shared/store/ledger';
import { entryView, statementMembers, statementView } from '../shared/views';

const byId = ({ params }: { params: { id: string } }) => params.id;
/** The 201 body of every money POST: the entry it recorded. */
const recorded = (status: number) => ({ settled }: Written) => json(status, entryView(settled!.transition.entry!));

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

  reverseCost: challengeWrite({
    challengeId: byId,
    async decide(state, { params, body, caller }, ctx) {
      const refused = leadFinance(state, caller) ?? open(state);
      // Read on every attempt: a reversal that won a race shows up as the cost's marker.
      return refused ?? reverseCost(state, await readEntry(params.id, params.entryId), params.entryId, body.reason, ctx);
    },
    respond: recorded(201),
  }),

  listLedger: async ({ params, query, caller }) => {
    // Both reads at once; the page is only returned once the caller is known to be an active member.
    const [state, page] = await Promise.allSettled([memberState(params.id, caller), ledgerPage(params.id, query.limit, query.cursor)]);
    if (state.status === 'rejected') throw state.reason;
    if (page.status === 'rejected') throw page.reason;
    const { items, nextCursor } = page.value;
    return json(200, { items: items.map((f) => entryView(f.entry, f.reversedBy)), ...(nextCursor ? { nextCursor } : {}) });
  },

  /** Built from the running figures: one Query and one BatchGet of names, whatever the ledger's length. */
  getStatement: async ({ params, caller, headers }) => {
    const state = await memberState(params.id, caller);
    const councils = statementMembers(state).map((m) => m.council);
    const names = councils.length ? await getCouncils(councils, ['name']) : new Map();
    const statement = statementView(state, new Map([...names].map(([code, c]) => [code, c.name as string])));
    if (negotiate(headers.accept, ['application/json', 'text/csv']) === 'text/csv') {
      return text(200, statementCsv(statement), 'text/csv; charset=utf-8; header=present', {
        'content-disposition': `attachment; filename="statement-${statement.challengeId}-seq${statement.asOfSeq}.csv"`,
        vary: 'Accept',
      });
    }
    return json(200, statement, { vary: 'Accept' });
  },
});
