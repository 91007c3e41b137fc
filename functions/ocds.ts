/** Open contracting (docs/ocds.md): a challenge as an OCDS release package, and the feed of public challenges' releases. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { activeMember } from '../shared/access';
import { config } from '../shared/config';
import { ifMatchHolds } from '../shared/domain/challenge';
import { figuresOf, poolTotals } from '../shared/domain/ledger';
import {
  challengeReleasePackage,
  feedPageUrl,
  feedReleasePackage,
  type OcdsCouncil,
  ocdsSettingsFromEnv,
  releaseIdOf,
  releasesFromHistory,
} from '../shared/domain/ocds';
import { councilsNamed, ocdsCostOf, ocdsStateOf, publishesSpend } from '../shared/domain/ocds-history';
import { visibleState } from '../shared/http/challenge-reads';
import { routeGroup } from '../shared/http/operation';
import { refuseWith } from '../shared/http/problem-details';
import { json } from '../shared/http/responses';
import { ocdsRoutes } from '../shared/route-groups/ocds';
import { getCouncils } from '../shared/store/councils';
import { feedCursor, feedPage, readCosts, readReleaseEvent } from '../shared/store/ocds';

/** A feed page's releases stay under this many bytes of JSON: a Lambda response is at most 6 MB. */
const MAX_PAGE_BYTES = 4_500_000;

/** Package URIs start with OCDS_BASE_URL when set, else with the address the request came to. */
function settingsFor(event: APIGatewayProxyEventV2) {
  const host = event.requestContext.domainName;
  const loopback = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host);
  return ocdsSettingsFromEnv(config.ocds, config.ocds.OCDS_BASE_URL ?? `${loopback ? 'http' : 'https'}://${host}`);
}

/** The council register's records for the codes a release names: one BatchGet per 100. */
async function councilsOf(codes: Iterable<string>): Promise<Map<string, OcdsCouncil>> {
  const wanted = [...new Set(codes)];
  const found = wanted.length ? await getCouncils(wanted, ['name', 'kind', 'region', 'population']) : new Map();
  return new Map([...found].map(([code, c]) => [code, { ...c, code } as OcdsCouncil]));
}

export const handler = routeGroup(ocdsRoutes, {
  /**
   * One Query of the state (a 304 needs nothing more), then at once: the release's event (its
   * date; a cancellation's `from`), the councils, and in contract stages the cost entries.
   */
  getChallengeOcds: async ({ params, caller, headers, event }) => {
    const state = await visibleState(params.id, caller, true);
    // Published to every authenticated caller when public; a consortium's only to its active members.
    if (state.challenge.visibility !== 'public') refuseWith(activeMember(state, caller));
    const { challenge } = state;
    const etag = `"${releaseIdOf(challenge.id, challenge.seq)}"`;
    const ifNoneMatch = headers['if-none-match'];
    if (ifNoneMatch && ifMatchHolds(ifNoneMatch, etag)) return { statusCode: 304, headers: { etag: `W/${etag}` } };

    const base = ocdsStateOf(state);
    const released = readReleaseEvent(challenge.id, challenge.seq);
    const costsRead = () => readCosts(challenge.id, challenge.seq);
    const spend =
      challenge.stage === 'cancelled'
        ? released.then((e) => (publishesSpend('cancelled', e?.from) ? costsRead() : undefined))
        : publishesSpend(challenge.stage) ? costsRead() : undefined;
    const [at, councils, costs] = await Promise.all([released, councilsOf(councilsNamed(base.members)), spend]);
    if (!at) throw new Error(`Challenge ${challenge.id} has no event ${challenge.seq}`);
    if (costs?.complete) {
      // The published spend is the ledger's: it must come to the running totals' net spend.
      const published = costs.costs.reduce((sum, c) => sum + c.amountPence, 0);
      const { spentPence } = poolTotals(state.members.map(figuresOf));
      if (published !== spentPence) throw new Error(`Challenge ${challenge.id}: cost entries sum to ${published}, the running totals to ${spentPence}`);
    }
    const pkg = challengeReleasePackage(
      {
        ...base,
        councils,
        costs: (costs?.costs ?? []).map(ocdsCostOf),
        asOf: { seq: challenge.seq, occurredAt: at.occurredAt },
        cancelledFrom: at.from,
        earlierCostsOmitted: costs !== undefined && !costs.complete,
      },
      settingsFor(event),
    );
    return json(200, pkg, { etag: `W/${etag}` });
  },

  /** The walk over public challenges (shared/store/ocds.ts feedPage), one BatchGet of councils, a page within 6 MB. */
  listOcdsReleases: async ({ query, event }) => {
    const settings = settingsFor(event);
    const page = await feedPage(query.after, query.limit);
    const councils = await councilsOf(page.points.flatMap((p) => councilsNamed(p.state.members)));
    const all = releasesFromHistory(page.points.map((p) => ({ event: p.event, state: { ...p.state, councils } })), settings);
    let bytes = 0;
    let kept = 0;
    while (kept < all.length && (kept === 0 || bytes + Buffer.byteLength(JSON.stringify(all[kept])) <= MAX_PAGE_BYTES)) {
      bytes += Buffer.byteLength(JSON.stringify(all[kept]));
      kept++;
    }
    const last = page.points[kept - 1]?.event;
    const nextAt = kept < all.length && last ? { id: last.challengeId, seq: last.seq } : page.next;
    const next = nextAt ? feedCursor(nextAt) : undefined;
    const limit = event.queryStringParameters?.['limit'] !== undefined ? query.limit : undefined;
    if (kept === 0) {
      // An OCDS package holds one release at least: nothing here, and a Link when the walk goes on.
      return { statusCode: 204, headers: next ? { link: `<${feedPageUrl(settings, next, limit)}>; rel="next"` } : {} };
    }
    return json(200, feedReleasePackage(all.slice(0, kept), settings, { after: query.after, next, limit }));
  },
});
