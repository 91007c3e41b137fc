/** Webhook subscriptions of the caller's council: create (secret shown once), read, delete, rotate, delivery log, replay, enable. */
import { monotonicFactory } from 'ulid';
import { callerCouncil } from '../shared/auth';
import { config } from '../shared/config';
import { requiredEnv } from '../shared/fanout/env';
import { queueAt, sqsOnFirstSend } from '../shared/fanout/queue';
import { makeReplayer } from '../shared/fanout/replay';
import type { ReplayWindow } from '../shared/fanout/replay-rules';
import { STANDARD_WEBHOOKS_SCHEDULE_MS } from '../shared/fanout/retry-schedule';
import { newSecret, ROTATION_OVERLAP_MS } from '../shared/fanout/signing';
import { limitRefusal, newSubscriptionRecord, replayRefusal, subscriptionRefusal, urlRefusal } from '../shared/fanout/subscription-rules';
import { resolvedUrlProblem } from '../shared/fanout/url-safety';
import { routeGroup } from '../shared/http/operation';
import { problemOf, refuseWith } from '../shared/http/problem-details';
import { json } from '../shared/http/responses';
import { subscriptionRoutes } from '../shared/route-groups/subscriptions';
import { MissingItemError } from '../shared/store/errors';
import {
  councilSubscription,
  countCouncilSubscriptions,
  deleteSubscription,
  enableSubscription,
  listCouncilSubscriptions,
  listDeliveries,
  putNewSubscription,
  rotateSecret,
  type SubscriptionRecord,
} from '../shared/store/subscriptions';
import { subscriptionView } from '../shared/views';

const newId = monotonicFactory();

// Replays go onto the delivery queue, as the dispatcher's deliveries do (the local hub's is in-process), retried on the deployed deliverer's schedule.
const replay = makeReplayer({ deliveries: queueAt(requiredEnv('DELIVERY_QUEUE_URL'), sqsOnFirstSend), schedule: STANDARD_WEBHOOKS_SCHEDULE_MS });

/** `requestId`: the replay request's, its correlation id in the deliveries' logs (docs/events.md). */
async function queuedReplay(subscription: SubscriptionRecord, window: ReplayWindow, requestId: string | undefined, detail?: string) {
  const outcome = await replay(subscription, window, requestId);
  if ('refused' in outcome) throw problemOf(subscriptionRefusal(outcome.refused, subscription.id, detail));
  return outcome;
}

export const handler = routeGroup(subscriptionRoutes, {
  createSubscription: async ({ body, caller }) => {
    const council = callerCouncil(caller);
    refuseWith(urlRefusal(await resolvedUrlProblem(body.url, config.allowLoopbackWebhooks)));
    refuseWith(limitRefusal(await countCouncilSubscriptions(council)));
    const record = newSubscriptionRecord(body, council, { id: newId(), sub: caller.sub }, newSecret(), new Date().toISOString());
    await putNewSubscription(record);
    return json(201, { ...subscriptionView(record), secret: record.secret }, { location: `/v1/subscriptions/${record.id}` });
  },

  listSubscriptions: async ({ query, caller }) => {
    const page = await listCouncilSubscriptions(callerCouncil(caller), query.limit, query.cursor);
    return json(200, { ...page, items: page.items.map(subscriptionView) });
  },

  getSubscription: async ({ params, caller }) => json(200, subscriptionView(await councilSubscription(params.id, caller.council))),

  deleteSubscription: async ({ params, caller }) => {
    if (!(await deleteSubscription(params.id, callerCouncil(caller)))) throw new MissingItemError('subscription', params.id);
    return { statusCode: 204, headers: {}, body: '' };
  },

  listDeliveries: async ({ params, query, caller }) => {
    await councilSubscription(params.id, caller.council);
    return json(200, await listDeliveries(params.id, query.limit, query.cursor));
  },

  rotateSubscriptionSecret: async ({ params, caller }) => {
    const now = Date.now();
    const secret = newSecret();
    const rotated = await rotateSecret(params.id, callerCouncil(caller), secret, new Date(now).toISOString(), new Date(now + ROTATION_OVERLAP_MS).toISOString());
    if (!rotated) throw new MissingItemError('subscription', params.id);
    return json(200, { ...subscriptionView(rotated), secret });
  },

  replaySubscription: async ({ params, body, caller, event }) => {
    const subscription = await councilSubscription(params.id, caller.council);
    refuseWith(replayRefusal(subscription, Date.now()));
    const { queued } = await queuedReplay(subscription, body, event.requestContext?.requestId);
    return json(202, queued);
  },

  enableSubscription: async ({ params, body: { replayMissed }, caller, event }) => {
    const before = await councilSubscription(params.id, caller.council);
    if (before.status === 'active') return json(200, subscriptionView(before));
    // Enabled first, read after: an event committed in between is delivered live or replayed (or both: dedupe on webhook-id), never neither.
    const enabled = (await enableSubscription(before.id, before.council, new Date().toISOString())) ?? (await councilSubscription(params.id, caller.council));
    if (!replayMissed) return json(200, subscriptionView(enabled));
    const since = before.missedSince ?? before.disabledAt;
    const { queued, subscription } = await queuedReplay(
      enabled,
      since ? { since } : {},
      event.requestContext?.requestId,
      'The subscription is enabled, but what it missed was not replayed. ',
    );
    return json(200, { ...subscriptionView(subscription), replayed: queued });
  },
});
