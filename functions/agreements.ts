/** Share agreements: propose (lead officer), approve or reject (funding members' officers), read. */
import { fundingMemberCaller, leadOfficer, open } from '../shared/access';
import { approveAgreement, fundingCouncils, proposeAgreement, rejectAgreement } from '../shared/domain/agreements';
import type { ChallengeState } from '../shared/domain/records';
import { isRefusal } from '../shared/domain/transition';
import { notFound, unprocessable } from '../shared/errors';
import { memberState } from '../shared/http/challenge-reads';
import { challengeWrite } from '../shared/http/challenge-write';
import { jsonBody, routeGroup } from '../shared/http/operation';
import { json } from '../shared/http/responses';
import { agreementRoutes } from '../shared/route-groups/agreements';
import { agreementRejection } from '../shared/schemas/agreement';
import { getCouncils } from '../shared/store/councils';
import { decodeCursor, encodeCursor, position } from '../shared/store/cursor';
import { agreementView } from '../shared/views';

function versionView(state: ChallengeState, version: number) {
  const agreement = state.agreements.find((a) => a.version === version);
  if (!agreement) throw notFound(`There is no share agreement version ${version}.`);
  return json(200, agreementView(agreement, state));
}

/** The reject route takes an optional body, `{"reason": "..."}`; no body is no reason. */
function rejectionReason(event: Parameters<typeof jsonBody>[0]): string | undefined {
  const parsed = agreementRejection.optional().safeParse(jsonBody(event, { optional: true }));
  if (!parsed.success) {
    throw unprocessable('The request is not valid.', parsed.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message })));
  }
  return parsed.data?.reason;
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

  rejectShareAgreement: async (input) => {
    const reason = rejectionReason(input.event);
    return challengeWrite<typeof agreementRoutes.rejectShareAgreement>({
      challengeId: ({ params }) => params.id,
      decide: (state, { params, caller }, ctx) => {
        const member = answering(state, caller);
        return isRefusal(member) ? member : rejectAgreement(state, params.version, member.council, reason, ctx);
      },
      respond: ({ after }, { params }) => versionView(after, params.version),
    })(input);
  },

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
