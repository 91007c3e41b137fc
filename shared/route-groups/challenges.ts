import * as z from '../schemas/zod';
import { described, withMeta } from '../schemas/zod';
import { defineRoutes } from '../http/route-spec';
import { CHALLENGE_WRITE_CODES } from '../problem-codes';
import {
  challenge,
  challengeCreateInput,
  challengeIdParams,
  challengeListQuery,
  challengePatchInput,
  eventFeedQuery,
  stageChangeInput,
} from '../schemas/challenge';
import { hubEvent } from '../schemas/events';
import { pageOf } from '../schemas/system';

/** Optional in the document because the hub answers its absence (428), not because it may be left out. */
const ifMatch = z.object({ 'if-match': described(z.optional(z.string()), 'Required: the ETag from GET /v1/challenges/{id} (or `*`); without it, 428') });

export const challengeRoutes = defineRoutes({
  createChallenge: {
    method: 'POST', path: '/v1/challenges', fn: 'challenges', auth: true, group: 'officer', tag: 'Challenges',
    summary: "Create a challenge; the caller's council becomes its lead",
    refuses: [...CHALLENGE_WRITE_CODES],
    request: { body: challengeCreateInput },
    responses: { 201: { description: 'Created (stage draft), with Location and ETag', schema: challenge, headers: ['etag', 'location'] } },
  },
  listChallenges: {
    method: 'GET', path: '/v1/challenges', fn: 'challenges', auth: true, tag: 'Challenges',
    summary: 'Challenges the caller may see: public ones and those its council has a membership record in',
    request: { query: challengeListQuery },
    responses: { 200: { description: 'A page of challenges, newest last', schema: pageOf(challenge, 'ChallengePage') } },
  },
  getChallenge: {
    method: 'GET', path: '/v1/challenges/{id}', fn: 'challenges', auth: true, tag: 'Challenges',
    summary: 'Read a challenge (statement for active members only), with ETag',
    request: { params: challengeIdParams },
    responses: { 200: { description: 'The challenge', schema: challenge, headers: ['etag'] } },
  },
  patchChallenge: {
    method: 'PATCH', path: '/v1/challenges/{id}', fn: 'challenges', auth: true, group: 'officer', tag: 'Challenges',
    summary: "Change the challenge's fields (lead officer, If-Match required)",
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed'],
    request: { params: challengeIdParams, body: challengePatchInput, headers: ifMatch },
    responses: { 200: { description: 'The updated challenge, with its new ETag', schema: challenge, headers: ['etag'] } },
  },
  changeStage: {
    method: 'POST', path: '/v1/challenges/{id}/stage', fn: 'challenges', auth: true, group: 'officer', tag: 'Challenges',
    summary: 'Move the challenge one stage forward, or to cancelled (lead officer)',
    refuses: [...CHALLENGE_WRITE_CODES, 'challenge_closed', 'invalid_stage_transition', 'stage_guard'],
    request: { params: challengeIdParams, body: stageChangeInput },
    responses: { 200: { description: 'The challenge in its new stage', schema: challenge, headers: ['etag'] } },
  },
  listEvents: {
    method: 'GET', path: '/v1/challenges/{id}/events', fn: 'challenges', auth: true, tag: 'Events',
    summary:
      "The challenge's audit trail (active members, observers included): every event from seq 1, gapless, oldest first, " +
      'including those from before the caller joined; not filtered by `audience` (that governs push delivery only)',
    request: { params: challengeIdParams, query: eventFeedQuery },
    responses: {
      200: {
        description: '`next` is the last seq returned (`after` when none): pass it as `after` for the following page',
        schema: withMeta(z.object({ items: z.array(hubEvent), next: z.int() }), { id: 'EventFeedPage' }),
      },
    },
  },
});
