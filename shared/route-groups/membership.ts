import * as z from '../schemas/zod';
import { withMeta } from '../schemas/zod';
import { defineRoutes } from '../http/route-spec';
import { CHALLENGE_WRITE_CODES } from '../problem-codes';
import {
  challengeIdParams,
  invitationInput,
  joinRequestInput,
  leadTransferInput,
  member,
  memberParams,
  membership,
  challenge,
} from '../schemas/challenge';
import { councilCodeParams } from '../schemas/council';
import { pageQuery } from '../http/paging';
import { pageOf } from '../schemas/system';

export const membershipRoutes = defineRoutes({
  listMembers: {
    method: 'GET', path: '/v1/challenges/{id}/members', fn: 'membership', auth: true, tag: 'Membership',
    summary: 'The membership records of a challenge',
    request: { params: challengeIdParams },
    responses: { 200: { description: 'Members by council code', schema: withMeta(z.object({ items: z.array(member) }), { id: 'MemberList' }) } },
  },
  inviteCouncil: {
    method: 'POST', path: '/v1/challenges/{id}/invitations', fn: 'membership', auth: true, group: 'officer', tag: 'Membership',
    summary: 'Invite a registered council as partner or observer (lead officer)',
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'membership_locked', 'already_member', 'already_invited', 'already_requested', 'council_not_registered'],
    request: { params: challengeIdParams, body: invitationInput },
    responses: { 201: { description: 'The invitation, with Location', schema: member, headers: ['location'] } },
  },
  requestToJoin: {
    method: 'POST', path: '/v1/challenges/{id}/join-requests', fn: 'membership', auth: true, group: 'officer', tag: 'Membership',
    summary: "Ask to join a public challenge for the caller's council",
    refuses: [...CHALLENGE_WRITE_CODES, 'not_public', 'challenge_closed', 'membership_locked', 'already_member', 'already_invited', 'already_requested'],
    request: { params: challengeIdParams, body: joinRequestInput },
    responses: { 201: { description: 'The request, with Location', schema: member, headers: ['location'] } },
  },
  acceptMember: {
    method: 'POST', path: '/v1/challenges/{id}/members/{council}/accept', fn: 'membership', auth: true, group: 'officer', tag: 'Membership',
    summary: "Accept an invitation (the invitee's officer) or approve a request (the lead's officer)",
    refuses: [...CHALLENGE_WRITE_CODES, 'nothing_pending', 'challenge_closed', 'membership_locked', 'consortium_full'],
    request: { params: memberParams },
    responses: { 200: { description: 'The now active member', schema: member } },
  },
  declineMember: {
    method: 'POST', path: '/v1/challenges/{id}/members/{council}/decline', fn: 'membership', auth: true, group: 'officer', tag: 'Membership',
    summary: "Decline an invitation (the invitee's officer) or reject a request (the lead's officer)",
    refuses: [...CHALLENGE_WRITE_CODES, 'nothing_pending', 'challenge_closed'],
    request: { params: memberParams },
    responses: { 200: { description: 'The declined record', schema: member } },
  },
  withdrawMember: {
    method: 'POST', path: '/v1/challenges/{id}/members/{council}/withdraw', fn: 'membership', auth: true, group: 'officer', tag: 'Membership',
    summary: 'Withdraw from the consortium (that council’s officer; not the lead)',
    refuses: [...CHALLENGE_WRITE_CODES, 'not_active_member', 'lead_cannot_withdraw', 'challenge_closed', 'membership_locked'],
    request: { params: memberParams },
    responses: { 200: { description: 'The withdrawn record', schema: member } },
  },
  transferLead: {
    method: 'POST', path: '/v1/challenges/{id}/lead', fn: 'membership', auth: true, group: 'officer', tag: 'Membership',
    summary: 'Pass the lead to an active partner; the old lead becomes a partner (lead officer)',
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'already_lead', 'not_active_partner'],
    request: { params: challengeIdParams, body: leadTransferInput },
    responses: { 200: { description: 'The challenge with its new lead, and its new ETag', schema: challenge, headers: ['etag'] } },
  },
  listCouncilChallenges: {
    method: 'GET', path: '/v1/councils/{code}/challenges', fn: 'membership', auth: true, tag: 'Councils',
    summary: "A council's memberships with each challenge's summary (that council's users or hub-admin)",
    request: { params: councilCodeParams, query: pageQuery },
    responses: { 200: { description: 'A page of memberships', schema: pageOf(membership, 'MembershipPage') } },
  },
});
