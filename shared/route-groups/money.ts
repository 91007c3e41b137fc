import { defineRoutes } from '../http/route-spec';
import { challengeIdParams } from '../schemas/challenge';
import {
  commitmentInput,
  costInput,
  entryParams,
  ledgerEntry,
  ledgerQuery,
  pledgeInput,
  pledgeParams,
  receiptInput,
  reversalInput,
  statement,
} from '../schemas/money';
import { pageOf } from '../schemas/system';

export const moneyRoutes = defineRoutes({
  setPledge: {
    method: 'PUT', path: '/v1/challenges/{id}/pledges/{council}', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Set a funding member's pledged total (that council's finance); never below what it has committed",
    request: { params: pledgeParams, body: pledgeInput },
    responses: { 200: { description: 'The pledge entry (the existing one when the amount is unchanged)', schema: ledgerEntry } },
  },
  recordCommitment: {
    method: 'POST', path: '/v1/challenges/{id}/commitments', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Commit funds for the caller's council (a funding member's finance); total committed never exceeds the pledge",
    request: { params: challengeIdParams, body: commitmentInput },
    responses: { 201: { description: 'The commitment entry', schema: ledgerEntry } },
  },
  recordReceipt: {
    method: 'POST', path: '/v1/challenges/{id}/receipts', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Record money received from a funding member (lead's finance); never beyond its commitment",
    request: { params: challengeIdParams, body: receiptInput },
    responses: { 201: { description: 'The receipt entry', schema: ledgerEntry } },
  },
  recordCost: {
    method: 'POST', path: '/v1/challenges/{id}/costs', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Record spend (lead's finance): within the headroom split by cost shares, any overrun by risk shares; needs an active agreement covering the funding members",
    request: { params: challengeIdParams, body: costInput },
    responses: { 201: { description: 'The cost entry with its allocations', schema: ledgerEntry } },
  },
  reverseCost: {
    method: 'POST', path: '/v1/challenges/{id}/costs/{entryId}/reverse', fn: 'money', auth: true, group: 'finance', tag: 'Money',
    summary: "Reverse a cost once (lead's finance): a new entry with the negated amount and exactly the negated allocations",
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
      'Statement of account from the running figures (active members). With `Accept: text/csv`: the same rows as CSV ' +
      '(UTF-8 with BOM, CRLF, header line, one row per member, a final Total row; integer pence)',
    request: { params: challengeIdParams },
    responses: { 200: { description: 'The statement (JSON; or text/csv on request)', schema: statement } },
  },
});
