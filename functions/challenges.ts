import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  challengeSnapshot,
  challengeView,
  etagOf,
  isActiveMember,
  loadVisibleChallenge,
  requireActiveMember,
  requireLeadOfficer,
  refuseIf,
  writeVisibleChallenge,
} from '../shared/access';
import { stageContext } from '../shared/agreements';
import { callerCouncil } from '../shared/auth';
import { type ChallengeRecord, event, newId, writeChallenge } from '../shared/challenge-store';
import { documents, withoutKeys } from '../shared/db';
import { stageMoveConflict, terminalConflict } from '../shared/domain/consortium';
import { forbidden, Problem } from '../shared/errors';
import { json } from '../shared/http/responses';
import { operation, routeGroup } from '../shared/http/operation';
import { keys } from '../shared/keys';
import { challengeRoutes as routes } from '../shared/route-groups/challenges';
import { routeKey } from '../shared/http/route-spec';
import type { ChallengePatch } from '../shared/schemas/challenge';
import type { HubEvent } from '../shared/schemas/events';
import { tableName } from '../shared/table';

const withEtag = (c: ChallengeRecord, status = 200, headers: Record<string, string> = {}) =>
  json(status, challengeView(c, true), { etag: etagOf(c), ...headers });

const createChallenge = operation(routes.createChallenge, async ({ body, caller }) => {
  const lead = callerCouncil(caller);
  const id = newId();
  const now = new Date().toISOString();
  const challenge: Omit<ChallengeRecord, 'seq'> = {
    id, ...body, leadCouncil: lead, stage: 'draft', version: 1, createdAt: now, updatedAt: now,
  };
  const { state } = await writeChallenge(
    id,
    { council: lead, sub: caller.sub },
    () => ({
      challenge,
      members: [{ council: lead, role: 'lead', status: 'active', via: 'creation', joinedAt: now, updatedAt: now }],
      events: [event('ChallengeCreated', { challenge: challengeSnapshot({ ...challenge, seq: 1 }) })],
      mustExist: [{ key: keys.council(lead), problem: forbidden(`Your council ${lead} is not registered with the hub.`) }],
    }),
    { create: true },
  );
  return withEtag(state.challenge, 201, { location: `/v1/challenges/${id}` });
});

const getChallenge = operation(routes.getChallenge, async ({ params, caller }) => {
  const state = await loadVisibleChallenge(params.id, caller);
  return json(200, challengeView(state.challenge, isActiveMember(state, caller.council)), { etag: etagOf(state.challenge) });
});

/** An If-Match value matches the current ETag, weak or strong, or `*`. */
function ifMatchHolds(header: string, etag: string): boolean {
  return header.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag);
}

const patchChallenge = operation(routes.patchChallenge, async ({ params, body, caller, headers }) => {
  const ifMatch = headers['if-match'];
  if (!ifMatch) throw new Problem(428, 'PATCH needs an If-Match header with the ETag from GET /v1/challenges/{id}.');
  const { state } = await writeVisibleChallenge(params.id, caller, (read) => {
    const { challenge } = read;
    requireLeadOfficer(read, caller);
    refuseIf(terminalConflict(challenge.stage));
    if (!ifMatchHolds(ifMatch, etagOf(challenge))) {
      throw new Problem(412, `The challenge has changed since you read it: its ETag is now ${etagOf(challenge)}.`);
    }
    const changes = (Object.keys(body) as (keyof ChallengePatch)[]).filter(
      (field) => JSON.stringify(body[field] ?? undefined) !== JSON.stringify(challenge[field]),
    );
    if (changes.length === 0) return 'unchanged';
    const updated = { ...challenge, ...body, version: challenge.version + 1, updatedAt: new Date().toISOString() };
    if (body.targetBudgetPence === null) delete updated.targetBudgetPence;
    const next = updated as ChallengeRecord;
    return { challenge: next, events: [event('ChallengeUpdated', { changes, challenge: challengeSnapshot(next) })] };
  });
  return withEtag(state.challenge);
});

const changeStage = operation(routes.changeStage, async ({ params, body, caller }) => {
  const { state } = await writeVisibleChallenge(params.id, caller, (read) => {
    const { challenge } = read;
    requireLeadOfficer(read, caller);
    const refused = stageMoveConflict(challenge, body.to, stageContext(read));
    refuseIf(refused);
    const next = { ...challenge, stage: body.to, version: challenge.version + 1, updatedAt: new Date().toISOString() };
    return {
      challenge: next,
      events: [event('ChallengeStageChanged', { from: challenge.stage, to: body.to, ...(body.reason ? { reason: body.reason } : {}) })],
    };
  });
  return withEtag(state.challenge);
});

/**
 * Public challenges and those the caller's council has a membership record in,
 * merged in id (creation) order. The cursor is the last id returned; filters
 * apply within each page, so a page may hold fewer than `limit` items.
 */
const listChallenges = operation(routes.listChallenges, async ({ query, caller }) => {
  // '0' sorts before every ULID; DynamoDB refuses an empty key value.
  const after = query.cursor ?? '0';
  const table = tableName();
  const wantPublic = query.visibility !== 'consortium';
  const [publicPage, memberPage] = await Promise.all([
    wantPublic
      ? documents.send(new QueryCommand({
          TableName: table, IndexName: 'GSI2', Limit: query.limit,
          KeyConditionExpression: 'GSI2PK = :p AND GSI2SK > :after',
          ExpressionAttributeValues: { ':p': keys.publicPartition, ':after': after },
        }))
      : undefined,
    caller.council
      ? documents.send(new QueryCommand({
          TableName: table, IndexName: 'GSI1', Limit: query.limit,
          KeyConditionExpression: 'GSI1PK = :p AND GSI1SK > :after',
          ExpressionAttributeValues: { ':p': keys.membershipsPartition(caller.council), ':after': `CHALLENGE#${query.cursor ?? ''}` },
        }))
      : undefined,
  ]);
  const loaded = new Map<string, ChallengeRecord>();
  for (const item of publicPage?.Items ?? []) loaded.set(item.id as string, withoutKeys(item) as unknown as ChallengeRecord);
  const memberIds = (memberPage?.Items ?? []).map((m) => m.challengeId as string);
  const ids = [...new Set([...loaded.keys(), ...memberIds])].sort();
  const pageIds = ids.slice(0, query.limit);
  const missing = pageIds.filter((id) => !loaded.has(id));
  if (missing.length) {
    const got = await documents.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: missing.map((id) => keys.challenge(id)) } } }));
    for (const item of got.Responses?.[table] ?? []) loaded.set(item.id as string, withoutKeys(item) as unknown as ChallengeRecord);
  }
  const more = ids.length > query.limit || publicPage?.LastEvaluatedKey !== undefined || memberPage?.LastEvaluatedKey !== undefined;
  const items = pageIds
    .map((id) => loaded.get(id))
    .filter((c): c is ChallengeRecord => c !== undefined)
    .filter((c) => (!query.stage || c.stage === query.stage) && (!query.visibility || c.visibility === query.visibility))
    .filter((c) => !query.theme || c.themes.includes(query.theme))
    .map((c) => challengeView(c, false));
  return json(200, { items, ...(more && pageIds.length ? { nextCursor: pageIds.at(-1) } : {}) });
});

/**
 * The pull feed: events in seq order for active members. A council sees the
 * events addressed to it (its `audience`); `next` is the last seq looked at,
 * so a poller passing it back as `after` never misses or repeats one.
 */
const listEvents = operation(routes.listEvents, async ({ params, query, caller }) => {
  const state = await loadVisibleChallenge(params.id, caller);
  requireActiveMember(state, caller);
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keys.challengePartition(params.id),
        ':from': keys.eventSk(query.after + 1),
        ':to': keys.eventSk(9_999_999_999),
      },
      Limit: query.limit,
    }),
  );
  const events = Items.map((i) => i.event as HubEvent);
  const council = callerCouncil(caller);
  return json(200, {
    items: events.filter((e) => e.audience.includes(council)),
    next: events.at(-1)?.seq ?? query.after,
  });
});

export const handler = routeGroup({
  [routeKey(routes.createChallenge)]: createChallenge,
  [routeKey(routes.listChallenges)]: listChallenges,
  [routeKey(routes.getChallenge)]: getChallenge,
  [routeKey(routes.patchChallenge)]: patchChallenge,
  [routeKey(routes.changeStage)]: changeStage,
  [routeKey(routes.listEvents)]: listEvents,
});
