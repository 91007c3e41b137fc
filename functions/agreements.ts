/** Share agreements: propose (lead officer), approve or reject (funding members' officers), read. */
import { fundingMemberCaller, leadOfficer, open } from '../shared/access';
import { approveAgreement, fundingCouncils, proposeAgreement, rejectAgreement } from '../shared/domain/agreements';
import type { ChallengeState } from '../shared/domain/records';
import { isRefusal } from '../shared/domain/transition';
import { notFound } from '../shared/errors';
import { memberState } from '../shared/http/challenge-reads';
import { challengeWrite } from '../shared/http/challenge-write';
import { routeGroup } from '../shared/http/operation';
import { json } from '../shared/http/responses';
import { agreementRoutes } from '../shared/route-groups/agreements';
import { getCouncils } from '../shared/store/councils';
import { decodeCursor, encodeCursor, position } from '../shared/store/cursor';
import { agreementView } from '../shared/views';

function versionView(state: ChallengeState, version: number) {
  const agreement = state.agreements.find((a) => a.version === version);
  if (!agreement) throw notFound(`There is no share agreement version ${version}.`);
  return json(200, agreementView(agreement, state));
}

const answering = (state: ChallengeState, caller: Parameters<typeof fundingMemberCaller>[1]) => {
  const member = fundingMemberCaller(state, caller, 'officer');
  return isRefusal(member) ? member : (open(state) ?? member);
};

export const handler = routeGroup(agreementRoutes, {
  proposeShareAgreement: challengeWrite({
    challengeId: ({ params }) => params.id,
    async decide(state, { body, caller }, ctx) {
      const refused = leadOfficer(state, caller) ?? open(state);
      if (refused) return refused;
      // Populations come from the council register, and only a population split needs them.
      const populations = body.basis === 'population' ? await getCouncils(fundingCouncils(state), ['population']) : new Map();
      return proposeAgreement(state, body, new Map([...populations].map(([code, c]) => [code, c.population])), ctx);
    },
    respond: ({ after, settled }) => json(201, agreementView(settled!.transition.agreements![0]!, after)),
  }),

  approveShareAgreement: challengeWrite({
    challengeId: ({ params }) => params.id,
    decide: (state, { params, caller }, ctx) => {
      const member = answering(state, caller);
      return isRefusal(member) ? member : approveAgreement(state, params.version, member.council, ctx);
    },
    respond: ({ after }, { params }) => versionView(after, params.version),
  }),

  rejectShareAgreement: challengeWrite({
    challengeId: ({ params }) => params.id,
    decide: (state, { params, body, caller }, ctx) => {
      const member = answering(state, caller);
      return isRefusal(member) ? member : rejectAgreement(state, params.version, member.council, body.reason, ctx);
    },
    respond: ({ after }, { params }) => versionView(after, params.version),
  }),

  listShareAgreements: async ({ params, query, caller }) => {
    const state = await memberState(params.id, caller);
    const after = decodeCursor(query.cursor, position.byVersion)?.version ?? 0;
    const versions = state.agreements.filter((a) => a.version > after);
    const page = versions.slice(0, query.limit);
    const nextCursor = versions.length > page.length ? encodeCursor({ version: page.at(-1)!.version }) : undefined;
    return json(200, { items: page.map((a) => agreementView(a, state)), ...(nextCursor ? { nextCursor } : {}) });
  },

  getCurrentShareAgreement: async ({ params, caller }) => {
    const state = await memberState(params.id, caller);
    const active = state.agreements.find((a) => a.status === 'active');
    if (!active) throw notFound('No share agreement is active for this challenge.');
    return json(200, agreementView(active, state));
  },
});
