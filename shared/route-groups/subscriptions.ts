import { defineRoutes } from '../http/route-spec';
import { pageQuery } from '../http/paging';
import {
  deliveriesQuery,
  deliveryAttempt,
  enableInput,
  replayAccepted,
  replayInput,
  subscription,
  subscriptionEnabled,
  subscriptionIdParams,
  subscriptionInput,
  subscriptionWithSecret,
} from '../schemas/subscription';
import { pageOf } from '../schemas/system';

/** Webhook subscriptions (api.md; docs/events.md). Each belongs to the caller's council. */
export const subscriptionRoutes = defineRoutes({
  createSubscription: {
    method: 'POST', path: '/v1/subscriptions', fn: 'subscriptions', auth: true, group: 'officer', tag: 'Events',
    summary: "Subscribe a URL to the events of the caller's council (officer); the secret is shown only in this response",
    refuses: ['subscription_limit', 'url_not_allowed'],
    request: { body: subscriptionInput },
    responses: { 201: { description: 'Created, with Location and the signing secret', schema: subscriptionWithSecret, headers: ['location'] } },
  },
  listSubscriptions: {
    method: 'GET', path: '/v1/subscriptions', fn: 'subscriptions', auth: true, tag: 'Events',
    summary: "The caller's council's subscriptions, oldest first (no secrets)",
    request: { query: pageQuery },
    responses: { 200: { description: 'A page of subscriptions', schema: pageOf(subscription, 'SubscriptionPage') } },
  },
  getSubscription: {
    method: 'GET', path: '/v1/subscriptions/{id}', fn: 'subscriptions', auth: true, tag: 'Events',
    summary: "Read one of the caller's council's subscriptions (no secret)",
    request: { params: subscriptionIdParams },
    responses: { 200: { description: 'The subscription', schema: subscription } },
  },
  deleteSubscription: {
    method: 'DELETE', path: '/v1/subscriptions/{id}', fn: 'subscriptions', auth: true, group: 'officer', tag: 'Events',
    summary: 'Delete a subscription (officer of its council); pending deliveries are dropped',
    request: { params: subscriptionIdParams },
    responses: { 204: { description: 'Deleted' } },
  },
  listDeliveries: {
    method: 'GET', path: '/v1/subscriptions/{id}/deliveries', fn: 'subscriptions', auth: true, tag: 'Events',
    summary: 'Every delivery attempt of a subscription, newest first (kept 30 days)',
    request: { params: subscriptionIdParams, query: deliveriesQuery },
    responses: { 200: { description: 'A page of attempts', schema: pageOf(deliveryAttempt, 'DeliveryAttemptPage') } },
  },
  rotateSubscriptionSecret: {
    method: 'POST', path: '/v1/subscriptions/{id}/rotate-secret', fn: 'subscriptions', auth: true, group: 'officer', tag: 'Events',
    summary: 'Issue a new signing secret (officer); the old one stays valid, and is signed with too, for 24 hours',
    request: { params: subscriptionIdParams },
    responses: { 200: { description: 'The subscription with its new secret, shown only in this response', schema: subscriptionWithSecret } },
  },
  replaySubscription: {
    method: 'POST', path: '/v1/subscriptions/{id}/replay', fn: 'subscriptions', auth: true, group: 'officer', tag: 'Events',
    summary:
      'Re-send, signed and retried as live deliveries, the events the subscription was entitled to (audience at the time, its filters), ' +
      'oldest first, at most 1000; `{}` replays everything. One replay at a time (409 replay_in_progress); never to a disabled subscription (409 subscription_disabled)',
    refuses: ['replay_in_progress', 'subscription_disabled'],
    request: { params: subscriptionIdParams, body: replayInput },
    responses: { 202: { description: 'Queued: the replay id (on its delivery log entries) and how many events', schema: replayAccepted } },
  },
  enableSubscription: {
    method: 'POST', path: '/v1/subscriptions/{id}/enable', fn: 'subscriptions', auth: true, group: 'officer', tag: 'Events',
    summary:
      'Turn a subscription disabled by a 410 or by exhausted retries back on (officer). With `{"replayMissed": true}` ' +
      'it also replays what it missed while disabled. Enabling an active subscription changes nothing',
    refuses: ['replay_in_progress', 'subscription_disabled'],
    request: { params: subscriptionIdParams, body: enableInput, bodyOptional: true },
    responses: { 200: { description: 'The subscription, active, with the replay of what it missed when asked for', schema: subscriptionEnabled } },
  },
});
