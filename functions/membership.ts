import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  challengeView,
  etagOf,
  loadVisibleChallenge,
  memberView,
  refuseIf,
  requireLeadOfficer,
  writeVisibleChallenge,
} from '../shared/access';
import { type Caller, callerCouncil, isHubAdmin } from '../shared/auth';
import { type ChallengeRecord, type ChallengeState, event, type MemberRecord, memberOf } from '../shared/challenge-store';
import { documents, withoutKeys } from '../shared/db';
import {
  capacityConflict,
  joinConflict,
  leadTransferConflict,
  membershipChangeConflict,
  respondent,
  terminalConflict,
  withdrawConflict,
} from '../shared/domain/consortium';
import { conflict, forbidden, unprocessable } from '../shared/errors';
import { decodeCursor, encodeCursor } from '../shared/http/paging';
import { json } from '../shared/http/responses';
import { operation, routeGroup } from '../shared/http/operation';
import { keys } from '../shared/keys';
import { membershipRoutes as routes } from '../shared/route-groups/membership';
import { routeKey } from '../shared/http/route-spec';
import { tableName } from '../shared/table';

const now = () => new Date().toISOString();
const memberLocation = (id: string, council: string) => ({ location: `/v1/challenges/${id}/members/${council}` });

/** Runs one membership change and answers with the member record it leaves. */
async function changeMember(id: string, caller: Caller, council: string, decide: Parameters<typeof writeVisibleChallenge>[2]) {
  const { state } = await writeVisibleChallenge(id, caller, decide);
  return memberView(memberOf(state, council)!);
}

const listMembers = operation(routes.listMembers, async ({ params, caller }) => {
  const state = await loadVisibleChallenge(params.id, caller);
  return json(200, { items: state.members.map(memberView) });
});

const inviteCouncil = operation(routes.inviteCouncil, async ({ params, body, caller }) => {
  const member = await changeMember(params.id, caller, body.council, (state) => {
    requireLeadOfficer(state, caller);
    refuseIf(membershipChangeConflict(state.challenge.stage));
    refuseIf(joinConflict(memberOf(state, body.council)));
    const at = now();
    const invited: MemberRecord = { council: body.council, role: body.role, status: 'invited', via: 'invitation', invitedAt: at, updatedAt: at };
    return {
      challenge: state.challenge,
      members: [invited],
      events: [event('MemberInvited', { council: body.council, role: body.role }, [body.council])],
      mustExist: [
        {
          key: keys.council(body.council),
          problem: unprocessable(`Council ${body.council} is not registered with the hub.`, [
            { path: 'body.council', message: 'Not a registered council.' },
          ], 'council_not_registered'),
        },
      ],
    };
  });
  return json(201, member, memberLocation(params.id, body.council));
});

const requestToJoin = operation(routes.requestToJoin, async ({ params, body, caller }) => {
  const council = callerCouncil(caller);
  const member = await changeMember(params.id, caller, council, (state) => {
    if (state.challenge.visibility !== 'public') {
      throw conflict('not_public', 'Only a public challenge takes requests to join; ask the lead for an invitation.');
    }
    refuseIf(membershipChangeConflict(state.challenge.stage));
    refuseIf(joinConflict(memberOf(state, council)));
    const at = now();
    const requested: MemberRecord = { council, role: body.role, status: 'requested', via: 'request', requestedAt: at, updatedAt: at };
    return {
      challenge: state.challenge,
      members: [requested],
      events: [event('MemberJoinRequested', { council, role: body.role }, [council])],
      mustExist: [{ key: keys.council(council), problem: forbidden(`Your council ${council} is not registered with the hub.`) }],
    };
  });
  return json(201, member, memberLocation(params.id, council));
});

/** The pending record, and a check that the caller is the one who answers it. */
function pendingFor(state: ChallengeState, council: string, caller: Caller) {
  const pending = memberOf(state, council);
  const answerer = pending ? respondent(pending, state.challenge.leadCouncil) : null;
  if (!pending || !answerer) {
    throw conflict('nothing_pending', `${council} has no pending invitation or request to answer.`);
  }
  if (caller.council !== answerer) {
    throw forbidden(
      pending.status === 'invited'
        ? `Only an officer of ${council} can answer its invitation.`
        : "Only the lead council's officer can answer a request to join.",
    );
  }
  return pending as MemberRecord & { via: 'invitation' | 'request'; role: 'partner' | 'observer' };
}

const acceptMember = operation(routes.acceptMember, async ({ params, caller }) => {
  const member = await changeMember(params.id, caller, params.council, (state) => {
    const pending = pendingFor(state, params.council, caller);
    refuseIf(membershipChangeConflict(state.challenge.stage));
    refuseIf(capacityConflict(state.members, pending));
    const at = now();
    return {
      challenge: state.challenge,
      members: [{ ...pending, status: 'active', joinedAt: at, updatedAt: at }],
      events: [event('MemberJoined', { council: pending.council, role: pending.role, via: pending.via })],
    };
  });
  return json(200, member);
});

const declineMember = operation(routes.declineMember, async ({ params, caller }) => {
  const member = await changeMember(params.id, caller, params.council, (state) => {
    const pending = pendingFor(state, params.council, caller);
    refuseIf(terminalConflict(state.challenge.stage));
    const at = now();
    return {
      challenge: state.challenge,
      members: [{ ...pending, status: 'declined', leftAt: at, updatedAt: at }],
      events: [event('MemberDeclined', { council: pending.council, role: pending.role, via: pending.via }, [pending.council])],
    };
  });
  return json(200, member);
});

const withdrawMember = operation(routes.withdrawMember, async ({ params, caller }) => {
  const member = await changeMember(params.id, caller, params.council, (state) => {
    // After the visibility check in changeMember: an invisible challenge is 404 to everyone.
    if (caller.council !== params.council) throw forbidden(`Only an officer of ${params.council} can withdraw it.`);
    const leaving = memberOf(state, params.council);
    refuseIf(withdrawConflict(leaving));
    refuseIf(membershipChangeConflict(state.challenge.stage));
    const at = now();
    return {
      challenge: state.challenge,
      members: [{ ...leaving!, status: 'withdrawn', leftAt: at, updatedAt: at }],
      events: [event('MemberWithdrew', { council: params.council, role: leaving!.role as 'partner' | 'observer' }, [params.council])],
    };
  });
  return json(200, member);
});

const transferLead = operation(routes.transferLead, async ({ params, body, caller }) => {
  const { state } = await writeVisibleChallenge(params.id, caller, (state) => {
    requireLeadOfficer(state, caller);
    refuseIf(terminalConflict(state.challenge.stage));
    const from = state.challenge.leadCouncil;
    const target = memberOf(state, body.council);
    refuseIf(leadTransferConflict(target, from));
    const at = now();
    const oldLead = memberOf(state, from)!;
    return {
      challenge: { ...state.challenge, leadCouncil: body.council, version: state.challenge.version + 1, updatedAt: at },
      members: [
        { ...oldLead, role: 'partner', updatedAt: at },
        { ...target!, role: 'lead', updatedAt: at },
      ],
      events: [event('LeadTransferred', { from, to: body.council })],
    };
  });
  return json(200, challengeView(state.challenge, true), { etag: etagOf(state.challenge) });
});

/** A council's memberships (GSI1, never a Scan) with each challenge's summary. */
const listCouncilChallenges = operation(routes.listCouncilChallenges, async ({ params, query, caller }) => {
  if (caller.council !== params.code && !isHubAdmin(caller)) {
    throw forbidden(`Only users of ${params.code} or a hub-admin may list its memberships.`);
  }
  const table = tableName();
  const page = await documents.send(
    new QueryCommand({
      TableName: table,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :p AND begins_with(GSI1SK, :c)',
      ExpressionAttributeValues: { ':p': keys.membershipsPartition(params.code), ':c': 'CHALLENGE#' },
      Limit: query.limit,
      ExclusiveStartKey: decodeCursor(query.cursor, ['PK', 'SK', 'GSI1PK', 'GSI1SK']),
    }),
  );
  const memberships = (page.Items ?? []).map((i) => withoutKeys(i) as unknown as MemberRecord & { challengeId: string });
  const challenges = new Map<string, ChallengeRecord>();
  if (memberships.length) {
    const got = await documents.send(
      new BatchGetCommand({ RequestItems: { [table]: { Keys: memberships.map((m) => keys.challenge(m.challengeId)) } } }),
    );
    for (const item of got.Responses?.[table] ?? []) challenges.set(item.id as string, withoutKeys(item) as unknown as ChallengeRecord);
  }
  const items = memberships
    .filter((m) => challenges.has(m.challengeId))
    .map((m) => ({ challenge: challengeView(challenges.get(m.challengeId)!, false), membership: memberView(m) }));
  const nextCursor = encodeCursor(page.LastEvaluatedKey);
  return json(200, { items, ...(nextCursor ? { nextCursor } : {}) });
});

export const handler = routeGroup({
  [routeKey(routes.listMembers)]: listMembers,
  [routeKey(routes.inviteCouncil)]: inviteCouncil,
  [routeKey(routes.requestToJoin)]: requestToJoin,
  [routeKey(routes.acceptMember)]: acceptMember,
  [routeKey(routes.declineMember)]: declineMember,
  [routeKey(routes.withdrawMember)]: withdrawMember,
  [routeKey(routes.transferLead)]: transferLead,
  [routeKey(routes.listCouncilChallenges)]: listCouncilChallenges,
});
