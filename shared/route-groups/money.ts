import * as z from '../schemas/zod';
import { withMeta } from '../schemas/zod';
import { defineRoutes } from '../http/route-spec';
import { CHALLENGE_WRITE_CODES } from '../problem-codes';
import { challengeIdParams } from '../schemas/challenge';
import {
  account,
  accountParams,
  accountQuery,
  commitmentInput,
  costBatchInput,
  costInput,
  entryParams,
  ledgerEntry,
  ledgerQuery,
  pledgeInput,
  pledgeParams,
  receiptInput,
  reversalInput,
  statement,
  statementQuery,
} from '../schemas/money';
import { pageOf } from '../schemas/system';


export const moneyRoutes = defineRoutes({
  setPledge: {
    method: 'PUT', path: '/v1/challenges/{id}/pledges/{council}', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Set a funding member's pledged total (that council's finance); never below what it has committed",
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'below_commitment', 'amount_too_large'],
    request: { params: pledgeParams, body: pledgeInput },
    responses: { 200: { description: 'The pledge entry (the existing one when the amount is unchanged)', schema: ledgerEntry } },
  },
  recordCommitment: {
    method: 'POST', path: '/v1/challenges/{id}/commitments', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Commit funds for the caller's council (a funding member's finance); total committed never exceeds the pledge",
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'exceeds_pledge', 'amount_too_large'],
    request: { params: challengeIdParams, body: commitmentInput },
    responses: { 201: { description: 'The commitment entry', schema: ledgerEntry } },
  },
  recordReceipt: {
    method: 'POST', path: '/v1/challenges/{id}/receipts', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Record money received from a funding member (lead's finance); never beyond its commitment",
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'not_funding_member', 'exceeds_commitment', 'amount_too_large'],
    request: { params: challengeIdParams, body: receiptInput },
    responses: { 201: { description: 'The receipt entry', schema: ledgerEntry } },
  },
  recordCost: {
    method: 'POST', path: '/v1/challenges/{id}/costs', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Record spend (lead's finance): within the headroom split by cost shares, any overrun by risk shares; needs an active agreement covering the funding members",
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'agreement_required', 'amount_too_large'],
    request: { params: challengeIdParams, body: costInput },
    responses: { 201: { description: 'The cost entry with its allocations', schema: ledgerEntry } },
  },
  recordCosts: {
    method: 'POST', path: '/v1/challenges/{id}/costs:batch', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary:
      "Record many costs at once (lead's finance), all or none, in one transaction: each split exactly as a single cost, in order; " +
      'at most 48 per request, fewer for a large consortium ((98 - members) / 2; 422 batch_too_large names the limit)',
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'agreement_required', 'amount_too_large', 'batch_too_large'],
    request: { params: challengeIdParams, body: costBatchInput },
    responses: { 201: { description: 'The cost entries, in order', schema: withMeta(z.object({ items: z.array(ledgerEntry) }), { id: 'CostBatch' }) } },
  },
  reverseCost: {
    method: 'POST', path: '/v1/challenges/{id}/costs/{entryId}/reverse', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Reverse a cost once (lead's finance): a new entry with the negated amount and exactly the negated allocations",
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'not_reversible', 'already_reversed', 'amount_too_large'],
    request: { params: entryParams, body: reversalInput },
    responses: { 201: { description: 'The reversing entry', schema: ledgerEntry } },
  },
  listLedger: {
    method: 'GET', path: '/v1/challenges/{id}/ledger', fn: 'money', auth: true, tag: 'Money',
    summary: 'The ledger, oldest first (active members)',
    request: { params: challengeIdParams, query: ledgerQuery },
    responses: { 200: { description: 'A page of entries', schema: pageOf(ledgerEntry, 'LedgerPage') } },
  },
  getStatement: {
    method: 'GET', path: '/v1/challenges/{id}/statement', fn: 'money', auth: true, tag: 'Money',
    summary:
      'Statement of account (active members). Without parameters: from the running figures, one read whatever the ledger\'s length. ' +
      'With `asOfSeq` or `asOf`: as it stood then, replayed from the events (members, roles, the active agreement) and the ledger entries recorded by that event. ' +
      'With `Accept: text/csv`: the same rows as CSV (UTF-8 with BOM, CRLF, header line, one row per member, a final Total row; integer pence)',
    refuses: ['replay_too_long', 'export_too_large'],
    request: { params: challengeIdParams, query: statementQuery },
    responses: { 200: { description: 'The statement (JSON; or text/csv on request)', schema: statement, csv: true, headers: ['vary'] } },
  },
  getMemberAccount: {
    method: 'GET', path: '/v1/challenges/{id}/members/{council}/account', fn: 'money', auth: true, tag: 'Money',
    summary:
      "A council's account (active members): every ledger entry that touched it (its pledges, commitments, receipts; costs and reversals that allocate it a part), " +
      'oldest first, each with its part and its running figures after it (stored with each entry, so a page reads from its cursor on); the last row equals its statement row. ' +
      'Paged; a page reads at most 10,000 ledger entries, so for a council few entries touch it may hold fewer rows than `limit` (follow `nextCursor`). The council must be a funding member ' +
      'or hold money in the challenge (404 otherwise). With `Accept: text/csv`: the whole account as CSV (not paged; UTF-8 with BOM, CRLF, header line ' +
      'entryId,recordedAt,type,reference,description,supplier,category,reason,reversesId,reversedBy,amountPence,costPence,riskPence,pledgedPence,' +
      'committedPence,receivedPence,allocatedCostPence,allocatedRiskPence,balancePence,outstandingPence; integer pence)',
    refuses: ['replay_too_long', 'export_too_large'],
    request: { params: accountParams, query: accountQuery },
    responses: { 200: { description: 'A page of the account (JSON; or the whole account as text/csv on request)', schema: account, csv: true, headers: ['vary'] } },
  },
});
