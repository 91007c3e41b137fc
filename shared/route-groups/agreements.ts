import { defineRoutes } from '../http/route-spec';
import { CHALLENGE_WRITE_CODES } from '../problem-codes';
import { agreementListQuery, agreementProposal, agreementRejection, agreementVersionParams, shareAgreement } from '../schemas/agreement';
import { challengeIdParams } from '../schemas/challenge';
import { pageOf } from '../schemas/system';

export const agreementRoutes = defineRoutes({
  proposeShareAgreement: {
    method: 'POST', path: '/v1/challenges/{id}/share-agreements', fn: 'agreements', auth: true, group: 'officer', tag: 'Share agreements',
    summary: 'Propose cost and risk shares for the funding members (lead officer); supersedes a pending proposal and counts as the lead’s approval',
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed'],
    request: { params: challengeIdParams, body: agreementProposal },
    responses: { 201: { description: 'The new version: pending, or active at once when the lead is the only funding member', schema: shareAgreement } },
  },
  listShareAgreements: {
    method: 'GET', path: '/v1/challenges/{id}/share-agreements', fn: 'agreements', auth: true, tag: 'Share agreements',
    summary: 'Every version, oldest first (active members)',
    request: { params: challengeIdParams, query: agreementListQuery },
    responses: { 200: { description: 'A page of versions', schema: pageOf(shareAgreement, 'ShareAgreementPage') } },
  },
  getCurrentShareAgreement: {
    method: 'GET', path: '/v1/challenges/{id}/share-agreements/current', fn: 'agreements', auth: true, tag: 'Share agreements',
    summary: 'The active version (active members); 404 when none is active',
    request: { params: challengeIdParams },
    responses: { 200: { description: 'The active version', schema: shareAgreement } },
  },
  approveShareAgreement: {
    method: 'POST', path: '/v1/challenges/{id}/share-agreements/{version}/approve', fn: 'agreements', auth: true, group: 'officer', tag: 'Share agreements',
    summary: 'Approve a pending version (an officer of a funding member it names); the last approval activates it',
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'agreement_not_pending', 'agreement_outdated'],
    request: { params: agreementVersionParams },
    responses: { 200: { description: 'The version, now approved by the caller’s council (and active if it was the last)', schema: shareAgreement } },
  },
  rejectShareAgreement: {
    method: 'POST', path: '/v1/challenges/{id}/share-agreements/{version}/reject', fn: 'agreements', auth: true, group: 'officer', tag: 'Share agreements',
    summary: 'Reject a pending version (an officer of a funding member it names), with an optional reason',
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'agreement_not_pending', 'proposer_cannot_reject'],
    request: { params: agreementVersionParams, body: agreementRejection, bodyOptional: true },
    responses: { 200: { description: 'The rejected version', schema: shareAgreement } },
  },
});
