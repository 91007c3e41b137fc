import { defineRoutes, type RouteSpec } from '../http/route-spec';
import { agreementRoutes } from './agreements';
import { membershipRoutes } from './membership';
import { moneyRoutes } from './money';

/**
 * The pages (functions/web.ts): HTML for council officers, outside /v1, on a
 * cookie session the web function checks itself (so no JWT authorizer), and left
 * out of the OpenAPI document. Each form posts to the API operation's own path
 * without `/v1` (POST, as HTML forms can only GET or POST) and runs that very
 * operation in-process: `formOf(route)` is the one place the path is derived.
 * Signing in and out is `signInRoutes` (./sign-in.ts).
 */
const html = { 200: { description: 'HTML', contentType: 'text/html' } };
const seeOther = { 303: { description: 'On to the result' } };
const page = (path: string, summary: string) =>
  ({ method: 'GET', path, fn: 'web', auth: false, openApi: false, tag: 'Pages', summary, responses: html }) as const;
const download = (path: string, summary: string) =>
  ({ method: 'GET', path, fn: 'web', auth: false, openApi: false, tag: 'Pages', summary, responses: { 200: { description: 'CSV', contentType: 'text/csv' } } }) as const;

/** The page path a form for API route `api` posts to. */
export const formPathOf = (api: Pick<RouteSpec, 'path'>) => api.path.replace(/^\/v1(?=\/)/, '');
const formOf = (api: RouteSpec, summary: string) =>
  ({ method: 'POST', path: formPathOf(api), fn: 'web', auth: false, openApi: false, tag: 'Pages', summary, responses: seeOther }) as const;

export const webRoutes = defineRoutes({
  homePage: page('/', 'Your challenges'),
  webAsset: page('/assets/{path+}', 'Static assets'),

  challengePage: page('/challenges/{id}', 'Challenge'),
  sharesPage: page('/challenges/{id}/shares', 'Shares'),
  moneyPage: page('/challenges/{id}/money', 'Money'),
  ledgerPage: page('/challenges/{id}/ledger', 'Ledger'),
  activityPage: page('/challenges/{id}/activity', 'Activity'),
  statementDownload: download('/challenges/{id}/statement.csv', 'Statement CSV'),
  ledgerDownload: download('/challenges/{id}/ledger.csv', 'Ledger CSV'),
  accountDownload: download('/challenges/{id}/members/{council}/account.csv', 'Account CSV'),

  inviteForm: formOf(membershipRoutes.inviteCouncil, 'Invite a council'),
  acceptForm: formOf(membershipRoutes.acceptMember, 'Accept an invitation or a request to join'),
  declineForm: formOf(membershipRoutes.declineMember, 'Decline an invitation or a request to join'),
  approveAgreementForm: formOf(agreementRoutes.approveShareAgreement, 'Approve a share agreement'),
  rejectAgreementForm: formOf(agreementRoutes.rejectShareAgreement, 'Reject a share agreement'),
  pledgeForm: formOf(moneyRoutes.setPledge, 'Set a pledge'),
  commitmentForm: formOf(moneyRoutes.recordCommitment, 'Make a commitment'),
  receiptForm: formOf(moneyRoutes.recordReceipt, 'Record a receipt'),
  costForm: formOf(moneyRoutes.recordCost, 'Record a cost'),
  reverseForm: formOf(moneyRoutes.reverseCost, 'Reverse a cost'),
});
