/** Webhook subscriptions of the caller's council: create (secret shown once), read, delete, rotate, delivery log. */
import { monotonicFactory } from 'ulid';
import { type Caller, callerCouncil } from '../shared/auth';
import { config } from '../shared/config';
import { conflict, notFound, unprocessable } from '../shared/errors';
import { newSecret, ROTATION_OVERLAP_MS } from '../shared/fanout/signing';
import { resolvedUrlProblem } from '../shared/fanout/url-safety';
import { routeGroup } from '../shared/http/operation';
import { json } from '../shared/http/responses';
import { subscriptionRoutes } from '../shared/route-groups/subscriptions';
import { MAX_SUBSCRIPTIONS_PER_COUNCIL } from '../shared/schemas/subscription';
import {
  countCouncilSubscriptions,
  deleteSubscription,
  getSubscription,
  listCouncilSubscriptions,
  listDeliveries,
  putNewSubscription,
  rotateSecret,
  type SubscriptionRecord,
} from '../shared/store/subscriptions';
import { subscriptionView } from '../shared/views';

const newId = monotonicFactory();
const notYours = (id: string) => notFound(`No subscription ${id} belongs to your council.`);

/** A subscription of the caller's council; another council's is as absent as a missing one (404). */
async function ownSubscription(id: string, caller: Caller): Promise<SubscriptionRecord> {
  const found = await getSubscription(id);
  if (!found || found.council !== caller.council) throw notYours(id);
  return found;
}

export const handler = routeGroup(subscriptionRoutes, {
  createSubscription: async ({ body, caller }) => {
    const council = callerCouncil(caller);
    const problem = await resolvedUrlProblem(body.url, config.allowLoopbackWebhooks);
    if (problem) throw unprocessable('The webhook URL is not allowed.', [{ path: 'body.url', message: problem }], 'url_not_allowed');
    if ((await countCouncilSubscriptions(council)) >= MAX_SUBSCRIPTIONS_PER_COUNCIL) {
      throw conflict('subscription_limit', `A council may hold at most ${MAX_SUBSCRIPTIONS_PER_COUNCIL} subscriptions; delete one first.`);
    }
    const now = new Date().toISOString();
    const record: SubscriptionRecord = {
      id: newId(),
      council,
      url: body.url,
      ...(body.eventTypes ? { eventTypes: body.eventTypes } : {}),
      ...(body.challengeIds ? { challengeIds: body.challengeIds } : {}),
      status: 'active',
      secret: newSecret(),
      createdBy: { council, sub: caller.sub },
      createdAt: now,
      updatedAt: now,
    };
    await putNewSubscription(record);
    return json(201, { ...subscriptionView(record), secret: record.secret }, { location: `/v1/subscriptions/${record.id}` });
  },

  listSubscriptions: async ({ query, caller }) => {
    const page = await listCouncilSubscriptions(callerCouncil(caller), query.limit, query.cursor);
    return json(200, { ...page, items: page.items.map(subscriptionView) });
  },

  getSubscription: async ({ params, caller }) => json(200, subscriptionView(await ownSubscription(params.id, caller))),

  deleteSubscription: async ({ params, caller }) => {
    if (!(await deleteSubscription(params.id, callerCouncil(caller)))) throw notYours(params.id);
    return { statusCode: 204, headers: {}, body: '' };
  },

  listDeliveries: async ({ params, query, caller }) => {
    await ownSubscription(params.id, caller);
    return json(200, await listDeliveries(params.id, query.limit, query.cursor));
  },

  rotateSubscriptionSecret: async ({ params, caller }) => {
    const now = Date.now();
    const secret = newSecret();
    const rotated = await rotateSecret(params.id, callerCouncil(caller), secret, new Date(now).toISOString(), new Date(now + ROTATION_OVERLAP_MS).toISOString());
    if (!rotated) throw notYours(params.id);
    return json(200, { ...subscriptionView(rotated), secret });
  },
});
