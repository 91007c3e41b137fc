/** The consortium: members, invitations, requests to join, answers, withdrawal, the lead; and a council's memberships. */
import { leadOfficer, ownCouncilOrAdmin } from '../shared/access';
import { etagOf } from '../shared/domain/challenge';
import { accept, decline, invite, requestToJoin, transferLead, withdraw } from '../shared/domain/membership';
import { type ChallengeState, memberOf } from '../shared/domain/records';
import { visibleState } from '../shared/http/challenge-reads';
import { challengeWrite } from '../shared/http/challenge-write';
import { routeGroup } from '../shared/http/operation';
import { refuseWith } from '../shared/http/problem-details';
import { json } from '../shared/http/responses';
import { membershipRoutes } from '../shared/route-groups/membership';
import { listCouncilChallenges } from '../shared/store/challenges';
import { challengeView, memberView } from '../shared/views';

const byId = ({ params }: { params: { id: string } }) => params.id;
const member = (state: ChallengeState, council: string) => memberView(memberOf(state, council)!);
const memberLocation = (id: string, council: string) => ({ location: `/v1/challenges/${id}/members/${council}` });

export const handler = routeGroup(membershipRoutes, {
  listMembers: async ({ params, caller }) => json(200, { items: (await visibleState(params.id, caller)).members.map(memberView) }),

  inviteCouncil: challengeWrite({
    challengeId: byId,
    decide: (state, { body, caller }, ctx) => leadOfficer(state, caller) ?? invite(state, body, ctx),
    respond: ({ after }, { params, body }) => json(201, member(after, body.council), memberLocation(params.id, body.council)),
  }),

  requestToJoin: challengeWrite({
    challengeId: byId,
    decide: (state, { body }, ctx) => requestToJoin(state, body.role, ctx),
    respond: ({ after }, { params, caller }) => json(201, member(after, caller.council!), memberLocation(params.id, caller.council!)),
  }),

  acceptMember: challengeWrite({
    challengeId: byId,
    decide: (state, { params }, ctx) => accept(state, params.council, ctx),
    respond: ({ after }, { params }) => json(200, member(after, params.council)),
  }),

  declineMember: challengeWrite({
    challengeId: byId,
    decide: (state, { params }, ctx) => decline(state, params.council, ctx),
    respond: ({ after }, { params }) => json(200, member(after, params.council)),
  }),

  withdrawMember: challengeWrite({
    challengeId: byId,
    decide: (state, { params }, ctx) => withdraw(state, params.council, ctx),
    respond: ({ after }, { params }) => json(200, member(after, params.council)),
  }),

  transferLead: challengeWrite({
    challengeId: byId,
    decide: (state, { body, caller }, ctx) => leadOfficer(state, caller) ?? transferLead(state, body.council, ctx),
    respond: ({ after }) => json(200, challengeView(after.challenge, true), { etag: etagOf(after.challenge) }),
  }),

  /** A council's memberships (GSI1, never a Scan) with each challenge's summary. */
  listCouncilChallenges: async ({ params, query, caller }) => {
    refuseWith(ownCouncilOrAdmin(caller, params.code));
    const page = await listCouncilChallenges(params.code, query.limit, query.cursor);
    return json(200, {
      items: page.items.map(({ challenge, membership }) => ({ challenge: challengeView(challenge, false), membership: memberView(membership) })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    });
  },
});
