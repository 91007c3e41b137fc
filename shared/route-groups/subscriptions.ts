import { defineRoutes } from '../http/route-spec';
import { pageQuery } from '../http/paging';
import {
  deliveriesQuery,
  deliveryAttempt,
  subscription,
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
    request: { body: subscriptionInput },
    responses: { 201: { description: 'Created, with Location and the signing secret', schema: subscriptionWithSecret } },
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
});
