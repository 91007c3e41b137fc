/** Challenges: create, read, list, change fields and stage; and the pull feed of events. */
import { isActiveMember, leadOfficer } from '../shared/access';
import { activeMember } from '../shared/access';
import { changeStage, createChallenge, etagOf, updateChallenge } from '../shared/domain/challenge';
import type { ChallengeRecord } from '../shared/domain/records';
import { Problem } from '../shared/errors';
import { visibleState } from '../shared/http/challenge-reads';
import { challengeWrite } from '../shared/http/challenge-write';
import { routeGroup } from '../shared/http/operation';
import { refuseWith } from '../shared/http/problem-details';
import { json } from '../shared/http/responses';
import { challengeRoutes } from '../shared/route-groups/challenges';
import { challengeListCursor, listEvents, listVisibleChallenges } from '../shared/store/challenges';
import { challengeView } from '../shared/views';

const withEtag = (c: Omit<ChallengeRecord, 'seq'>, status = 200, headers: Record<string, string> = {}) =>
  json(status, challengeView(c, true), { etag: etagOf(c), ...headers });

export const handler = routeGroup(challengeRoutes, {
  createChallenge: challengeWrite({
    decide: (_, { body }, ctx) => createChallenge(body, ctx),
    respond: ({ after: { challenge } }) => withEtag(challenge, 201, { location: `/v1/challenges/${challenge.id}` }),
  }),

  getChallenge: async ({ params, caller }) => {
    const state = await visibleState(params.id, caller);
    return json(200, challengeView(state.challenge, isActiveMember(state, caller.council)), { etag: etagOf(state.challenge) });
  },

  patchChallenge: async (input) => {
    const ifMatch = input.headers['if-match'];
    if (!ifMatch) throw new Problem(428, 'PATCH needs an If-Match header with the ETag from GET /v1/challenges/{id}.');
    return challengeWrite<typeof challengeRoutes.patchChallenge>({
      challengeId: ({ params }) => params.id,
      decide: (state, { body, caller }, ctx) => leadOfficer(state, caller) ?? updateChallenge(state, body, ifMatch, ctx),
      respond: ({ after }) => withEtag(after.challenge),
    })(input);
  },

  changeStage: challengeWrite({
    challengeId: ({ params }) => params.id,
    decide: (state, { body, caller }, ctx) => leadOfficer(state, caller) ?? changeStage(state, body.to, body.reason, ctx),
    respond: ({ after }) => withEtag(after.challenge),
  }),

  /**
   * Public challenges and those the caller's council has a membership record in,
   * in id (creation) order; filters apply within each page, so a page may hold
   * fewer than `limit` items.
   */
  listChallenges: async ({ query, caller }) => {
    const page = await listVisibleChallenges(caller.council, { limit: query.limit, cursor: query.cursor, publicOnes: query.visibility !== 'consortium' });
    const items = page.items
      .filter((c) => (!query.stage || c.stage === query.stage) && (!query.visibility || c.visibility === query.visibility))
      .filter((c) => !query.theme || c.themes.includes(query.theme))
      .map((c) => challengeView(c, false));
    const nextCursor = page.more ? challengeListCursor(page.items.at(-1)) : undefined;
    return json(200, { items, ...(nextCursor ? { nextCursor } : {}) });
  },

  /**
   * The pull feed is the challenge's audit trail: every event, from seq 1, gapless,
   * to any active member (observers included), also those from before it joined, so
   * its system can prove it holds everything (the ledger already shows it the same
   * history). Not filtered by `audience`: that governs push (EventBridge, webhooks)
   * only. `next` is the last seq returned; passing it back as `after` continues.
   */
  listEvents: async ({ params, query, caller }) => {
    const state = await visibleState(params.id, caller);
    refuseWith(activeMember(state, caller));
    const events = await listEvents(params.id, query.after, query.limit);
    return json(200, { items: events, next: events.at(-1)?.seq ?? query.after });
  },
});
