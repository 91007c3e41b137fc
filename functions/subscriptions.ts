import { monotonicFactory } from 'ulid';
import { type Caller, callerCouncil } from '../shared/auth';
import { conflict, notFound, unprocessable } from '../shared/errors';
import { newSecret, ROTATION_OVERLAP_MS } from '../shared/fanout/signing';
import {
  countCouncilSubscriptions,
  deleteSubscription,
  getSubscription,
  listCouncilSubscriptions,
  listDeliveries,
  putNewSubscription,
  rotateSecret,
  type SubscriptionRecord,
  subscriptionView,
} from '../shared/fanout/subscription-store';
import { resolvedUrlProblem } from '../shared/fanout/url-safety';
import { json } from '../shared/http/responses';
import { operation, routeGroup } from '../shared/http/operation';
import { routeKey } from '../shared/http/route-spec';
import { subscriptionRoutes as routes } from '../shared/route-groups/subscriptions';
import { MAX_SUBSCRIPTIONS_PER_COUNCIL } from '../shared/schemas/subscription';

const newId = monotonicFactory();

/** Only the local hub may call http and loopback URLs (shared/fanout/url-safety.ts). */
const localMode = process.env.HUB_LOCAL_MODE === 'true';

/** A subscription of the caller's council; another council's is as absent as a missing one (404). */
async function ownSubscription(id: string, caller: Caller): Promise<SubscriptionRecord> {
  const found = await getSubscription(id);
  if (!found || found.council !== caller.council) throw notFound(`No subscription ${id} belongs to your council.`);
  return found;
}

const createSubscription = operation(routes.createSubscription, async ({ body, caller }) => {
  const council = callerCouncil(caller);
  const problem = await resolvedUrlProblem(body.url, localMode);
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
});

const listSubscriptions = operation(routes.listSubscriptions, async ({ query, caller }) => {
  const page = await listCouncilSubscriptions(callerCouncil(caller), query.limit, query.cursor);
  return json(200, { ...page, items: page.items.map(subscriptionView) });
});

const getSubscriptionOperation = operation(routes.getSubscription, async ({ params, caller }) =>
  json(200, subscriptionView(await ownSubscription(params.id, caller))),
);

const deleteSubscriptionOperation = operation(routes.deleteSubscription, async ({ params, caller }) => {
  if (!(await deleteSubscription(params.id, callerCouncil(caller)))) throw notFound(`No subscription ${params.id} belongs to your council.`);
  return { statusCode: 204, headers: {}, body: '' };
});

const listDeliveriesOperation = operation(routes.listDeliveries, async ({ params, query, caller }) => {
  await ownSubscription(params.id, caller);
  return json(200, await listDeliveries(params.id, query.limit, query.cursor));
});

const rotateSubscriptionSecret = operation(routes.rotateSubscriptionSecret, async ({ params, caller }) => {
  const now = Date.now();
  const secret = newSecret();
  const rotated = await rotateSecret(
    params.id,
    callerCouncil(caller),
    secret,
    new Date(now).toISOString(),
    new Date(now + ROTATION_OVERLAP_MS).toISOString(),
  );
  if (!rotated) throw notFound(`No subscription ${params.id} belongs to your council.`);
  return json(200, { ...subscriptionView(rotated), secret });
});

export const handler = routeGroup({
  [routeKey(routes.createSubscription)]: createSubscription,
  [routeKey(routes.listSubscriptions)]: listSubscriptions,
  [routeKey(routes.getSubscription)]: getSubscriptionOperation,
  [routeKey(routes.deleteSubscription)]: deleteSubscriptionOperation,
  [routeKey(routes.listDeliveries)]: listDeliveriesOperation,
  [routeKey(routes.rotateSubscriptionSecret)]: rotateSubscriptionSecret,
});
