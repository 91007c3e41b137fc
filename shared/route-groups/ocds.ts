import { defineRoutes } from '../http/route-spec';
import { challengeIdParams } from '../schemas/challenge';
import { ifNoneMatch, ocdsFeedQuery, ocdsReleasePackage } from '../schemas/ocds';

/** Open contracting: a joint challenge as OCDS 1.1.5 (docs/ocds.md). */
export const ocdsRoutes = defineRoutes({
  getChallengeOcds: {
    method: 'GET', path: '/v1/challenges/{id}/ocds', fn: 'ocds', auth: true, tag: 'Open contracting',
    summary:
      "The challenge as an OCDS 1.1.5 release package holding its current release (active members; a public challenge: any authenticated caller). " +
      'ETag is the release id; with If-None-Match, 304 while nothing has changed',
    request: { params: challengeIdParams, headers: ifNoneMatch },
    responses: {
      200: { description: 'The release package, with ETag', schema: ocdsReleasePackage, headers: ['etag'] },
      304: { description: 'Not modified: the release named by If-None-Match is still the current one', headers: ['etag'] },
    },
  },
  listOcdsReleases: {
    method: 'GET', path: '/v1/ocds/releases', fn: 'ocds', auth: true, tag: 'Open contracting',
    summary:
      'Releases of public challenges, one per stage change and per share agreement activation, by challenge (creation order) then seq, ' +
      'as release packages with `links.next` (pagination extension)',
    request: { query: ocdsFeedQuery },
    responses: {
      200: { description: 'A page of releases', schema: ocdsReleasePackage, headers: ['link'] },
      204: {
        description:
          'No releases in this stretch (an OCDS package needs one). With a `Link: <...>; rel="next"` header the walk goes on there; without one it has reached the end',
        headers: ['link'],
      },
    },
  },
});
