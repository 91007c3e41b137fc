import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { requireActiveMember, requireLeadOfficer, visibleState, writeVisibleChallenge } from '../shared/access';
import { agreementItem, agreementsOf, agreementView, fundingCouncils } from '../shared/agreements';
import type { Caller } from '../shared/auth';
import { type Change, type ChallengeState, event, loadChallenge, type PendingEvent } from '../shared/challenge-store';
import { documents } from '../shared/db';
import { type AgreementEvent, approve, isConflict, propose, reject, type Transition } from '../shared/domain/agreement-lifecycle';
import { fundingMembers } from '../shared/domain/consortium';
import { computeShares } from '../shared/domain/shares';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../shared/errors';
import { json } from '../shared/http/responses';
import { operation, routeGroup } from '../shared/http/operation';
import { keys } from '../shared/keys';
import { actorOf, requireFundingMemberCaller, requireOpen } from '../shared/money-access';
import { routeKey } from '../shared/http/route-spec';
import { agreementRoutes as routes } from '../shared/route-groups/agreements';
import { agreementRejection } from '../shared/schemas/agreement';
import { tableName } from '../shared/table';

const now = () => new Date().toISOString();
const pendingEvents = (events: AgreementEvent[]) => events.map((e) => event(e.type, e.data as never) as PendingEvent);

/** The change a lifecycle transition makes: the versions it touched and its events, nothing else. */
const changeOf = (state: ChallengeState, t: Transition): Change => ({
  challenge: state.challenge,
  items: t.changed.map((a) => agreementItem(state.challenge.id, a)),
  events: pendingEvents(t.events),
});

async function readableState(id: string, caller: Caller): Promise<ChallengeState> {
  const state = visibleState(await loadChallenge(id, true), caller, id);
  requireActiveMember(state, caller);
  return state;
}

function versionView(state: ChallengeState, version: number) {
  const agreement = agreementsOf(state).find((a) => a.version === version);
  if (!agreement) throw notFound(`There is no share agreement version ${version}.`);
  return agreementView(agreement, state);
}

/** Populations for a population split: one BatchGet of the council items (only for that basis). */
async function populations(councils: string[]): Promise<Map<string, number | undefined>> {
  const table = tableName();
  const found = new Map<string, number | undefined>();
  let keysLeft = councils.map((c) => keys.council(c));
  while (keysLeft.length > 0) {
    const got = await documents.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keysLeft, ProjectionExpression: 'code, population' } } }));
    for (const item of got.Responses?.[table] ?? []) found.set(item.code as string, item.population as number | undefined);
    keysLeft = (got.UnprocessedKeys?.[table]?.Keys ?? []) as typeof keysLeft;
  }
  return found;
}

const proposeShareAgreement = operation(routes.proposeShareAgreement, async ({ params, body, caller }) => {
  let version = 0;
  const { state } = await writeVisibleChallenge(params.id, caller, async (state) => {
    requireLeadOfficer(state, caller);
    requireOpen(state);
    const funding = fundingMembers(state.members);
    const people = body.basis === 'population' ? await populations(funding.map((m) => m.council)) : undefined;
    const computed = computeShares(
      body.basis,
      funding.map((m) => ({ council: m.council, population: people?.get(m.council), pledgedPence: m.pledgedPence ?? 0 })),
      body.shares,
    );
    if (!computed.ok) {
      throw unprocessable(
        `The shares for a ${body.basis} agreement are not valid.`,
        computed.errors.map((e) => ({ path: `body.${e.path}`, message: e.message })),
      );
    }
    const transition = propose(agreementsOf(state), { basis: body.basis, shares: computed.shares, proposedBy: actorOf(caller), now: now() });
    version = transition.changed[0]!.version;
    return changeOf(state, transition);
  });
  return json(201, versionView(state, version));
});

/** Approve and reject: an officer of a funding member the version names, while the challenge is open. */
function answer(decide: (state: ChallengeState, council: string, version: number) => ReturnType<typeof approve>) {
  return async (id: string, version: number, caller: Caller) => {
    const { state } = await writeVisibleChallenge(id, caller, (state) => {
      const member = requireFundingMemberCaller(state, caller, 'officer');
      requireOpen(state);
      const result = decide(state, member.council, version);
      if (result === 'unchanged') return 'unchanged';
      if (isConflict(result)) {
        if (result.code === 'not_found') throw notFound(result.detail);
        if (result.code === 'not_party') throw forbidden(result.detail);
        throw conflict(result.code, result.detail);
      }
      return changeOf(state, result);
    });
    return json(200, versionView(state, version));
  };
}

const approveVersion = answer((state, council, version) => approve(agreementsOf(state), version, council, fundingCouncils(state), now()));

const approveShareAgreement = operation(routes.approveShareAgreement, ({ params, caller }) => approveVersion(params.id, params.version, caller));

/** The reject route takes an optional body, `{"reason": "..."}`; no body is no reason. */
function rejectionReason(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest('The request body must be a JSON document.');
  }
  const result = agreementRejection.safeParse(parsed);
  if (!result.success) {
    throw unprocessable('The request is not valid.', result.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message })));
  }
  return result.data.reason;
}

const rejectShareAgreement = operation(routes.rejectShareAgreement, ({ params, caller, event: request }) => {
  const reason = rejectionReason(request.body);
  return answer((state, council, version) => reject(agreementsOf(state), version, council, reason, now()))(params.id, params.version, caller);
});

const listShareAgreements = operation(routes.listShareAgreements, async ({ params, query, caller }) => {
  const state = await readableState(params.id, caller);
  let after = 0;
  if (query.cursor !== undefined) {
    if (!/^\d{1,6}$/.test(query.cursor)) throw unprocessable('The cursor is not valid.', [{ path: 'query.cursor', message: 'Not a cursor this list issued.' }]);
    after = Number(query.cursor);
  }
  const versions = agreementsOf(state).filter((a) => a.version > after);
  const page = versions.slice(0, query.limit);
  const more = versions.length > page.length;
  return json(200, {
    items: page.map((a) => agreementView(a, state)),
    ...(more ? { nextCursor: String(page.at(-1)!.version) } : {}),
  });
});

const getCurrentShareAgreement = operation(routes.getCurrentShareAgreement, async ({ params, caller }) => {
  const state = await readableState(params.id, caller);
  const active = agreementsOf(state).find((a) => a.status === 'active');
  if (!active) throw notFound('No share agreement is active for this challenge.');
  return json(200, agreementView(active, state));
});

export const handler = routeGroup({
  [routeKey(routes.proposeShareAgreement)]: proposeShareAgreement,
  [routeKey(routes.listShareAgreements)]: listShareAgreements,
  [routeKey(routes.getCurrentShareAgreement)]: getCurrentShareAgreement,
  [routeKey(routes.approveShareAgreement)]: approveShareAgreement,
  [routeKey(routes.rejectShareAgreement)]: rejectShareAgreement,
});
