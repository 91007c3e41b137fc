/**
 * The deliverer: one message = one attempt to POST one event to one subscription.
 * The answer decides what follows (retry-schedule.ts): 2xx done; 410 disables the
 * subscription; anything else is tried again on the Standard Webhooks schedule by
 * sending the message back to the delivery queue, held until it is due; when the
 * schedule is spent, it goes to the dead-letter queue, the log says failed and the
 * subscription is disabled (it has failed for the whole schedule: ~27 h).
 * Every attempt is logged (GET /v1/subscriptions/{id}/deliveries); a replayed one
 * carries its replayId, and its end counts towards the replay's (replay.ts). Every
 * attempt is also a log line with the message's correlation id, and a metric
 * (DeliveriesSucceeded, or DeliveriesFailed by reason: shared/metric-names.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { DELIVERY_FAILURE_REASON_DIMENSION, deliveryFailureReason, METRIC } from '../metric-names';
import { logger, metrics } from '../observability';
import type { DeliveryAttempt } from '../schemas/subscription';
import type { SqsHandler } from './dispatcher';
import { type PostWebhook, postWebhook } from './http-post';
import { subscriptionWants } from './matching';
import { type DeadDelivery, type DeliveryMessage, deliveryMessage } from './messages';
import type { QueueSender } from './queue';
import { type AttemptResult, DELIVERY_TIMEOUT_MS, MAX_QUEUE_DELAY_MS, nextHop, outcomeOf } from './retry-schedule';
import { signedWebhook, signingSecrets } from './signing';
import {
  disableSubscription,
  getSubscription,
  logDeliveryAttempt,
  noteMissedEvent,
  replayDeliveryFinished,
  type SubscriptionRecord,
} from '../store/subscriptions';

export interface DelivererOptions {
  /** The delivery queue itself: retries and hops go back onto it. */
  retries: QueueSender;
  /** The delivery dead-letter queue: deliveries whose retries are spent. */
  deadLetters: QueueSender;
  /** Waits before each attempt: Standard Webhooks' deployed, the local hub's own for tests (infra/local/retry-schedule.ts). */
  schedule: readonly number[];
  /** The local hub may call http and loopback URLs; deployed, never. */
  localMode: boolean;
  post?: PostWebhook;
  now?: () => number;
  random?: () => number;
}

export function makeDelivererHandler(options: DelivererOptions): SqsHandler {
  const { retries, deadLetters, schedule, localMode, post = postWebhook, now = Date.now, random = Math.random } = options;
  const iso = (ms: number) => new Date(ms).toISOString();

  /** The delivery has ended (whichever way): a replayed one counts towards its replay's end. */
  const ended = (message: DeliveryMessage) => (message.replayId ? replayDeliveryFinished(message.subscriptionId, message.replayId) : undefined);

  /** Disables it; already disabled, this event still widens what it missed. */
  async function disable(subscription: SubscriptionRecord, reason: string, event: DeliveryMessage['event']): Promise<void> {
    if (!(await disableSubscription(subscription.id, reason, iso(now()), event.occurredAt))) await noteMissedEvent(subscription.id, event.occurredAt);
  }

  async function deliverRecord(record: SQSRecord): Promise<void> {
    const message = deliveryMessage.parse(JSON.parse(record.body));
    if (message.notBefore) {
      const hop = nextHop(Date.parse(message.notBefore), now());
      if (hop !== 'due') return retries.send([{ body: record.body, delayMs: hop.delayMs }]);
    }
    const about = logKeys(message);

    // Read now, not at dispatch: a deletion, a 410 or a rotation since then takes effect.
    const subscription = await getSubscription(message.subscriptionId);
    if (!subscription || !subscriptionWants(subscription, message.event)) {
      logger.info('Delivery dropped: the subscription is gone, disabled or no longer wants the event', about);
      // Dropped only because it is disabled: a replay of what it missed must include this event.
      if (subscription?.status === 'disabled' && subscriptionWants({ ...subscription, status: 'active' }, message.event)) {
        await noteMissedEvent(subscription.id, message.event.occurredAt);
      }
      return ended(message);
    }

    const startedAt = now();
    const started = performance.now();
    const request = signedWebhook(message.event, signingSecrets(subscription, startedAt), new Date(startedAt));
    const result = await post(subscription.url, request, { timeoutMs: DELIVERY_TIMEOUT_MS, localMode });
    const durationMs = Math.round(performance.now() - started);
    const decided = outcomeOf(result, message.attempt, schedule, now(), random);

    const attempt: DeliveryAttempt = {
      eventId: message.event.id,
      eventType: message.event.type,
      challengeId: message.event.challengeId,
      seq: message.event.seq,
      attempt: message.attempt,
      at: iso(startedAt),
      ...result,
      durationMs,
      outcome: decided.outcome,
      ...(decided.outcome === 'retrying' ? { nextAttemptAt: iso(decided.nextAttemptAt) } : {}),
      ...(message.replayId ? { replayId: message.replayId } : {}),
    };
    await logDeliveryAttempt(subscription.id, attempt);
    logger.info('Delivery attempt', { ...about, attempt: message.attempt, ...result, durationMs, outcome: decided.outcome });
    countAttempt(result, decided.outcome === 'delivered');

    switch (decided.outcome) {
      case 'delivered':
        return ended(message);
      case 'disabled':
        logger.warn('Subscription disabled: the endpoint answered 410 Gone', about);
        await disable(subscription, 'The endpoint answered 410 Gone', message.event);
        return ended(message);
      case 'retrying': {
        const next: DeliveryMessage = { ...message, attempt: decided.nextAttempt, notBefore: iso(decided.nextAttemptAt) };
        const delayMs = Math.min(MAX_QUEUE_DELAY_MS, Math.max(0, decided.nextAttemptAt - now()));
        return retries.send([{ body: JSON.stringify(next), ...(delayMs > 0 ? { delayMs } : {}) }]);
      }
      case 'failed': {
        logger.warn('Delivery failed: retries exhausted', { ...about, ...result });
        const dead: DeadDelivery = { ...message, failedAt: iso(now()), ...lastResult(result) };
        await deadLetters.send([{ body: JSON.stringify(dead) }]);
        const last = 'statusCode' in result ? `HTTP ${result.statusCode}` : result.error;
        await disable(subscription, `Retries exhausted: event ${message.event.id} failed ${message.attempt} attempts (last: ${last})`, message.event);
        return ended(message);
      }
    }
  }

  return async function deliverWebhooks(event, context) {
    // Messages are independent (each its own subscription and attempt): processed side by side.
    return processPartialResponse(event, deliverRecord, new BatchProcessor(EventType.SQS), context ? { context } : {});
  };
}

/** What every line about a delivery carries: the event, the subscription, the correlation id(s) (docs/events.md). */
const logKeys = (message: DeliveryMessage) => ({
  eventId: message.event.id,
  subscriptionId: message.subscriptionId,
  correlationId: message.correlationId,
  ...(message.replayId ? { replayId: message.replayId, originalCorrelationId: message.originalCorrelationId } : {}),
});

/**
 * DeliveriesSucceeded, or DeliveriesFailed with its `reason`, each a single metric: written
 * at once, so `reason` never lands on another metric and nothing waits for a flush. (Not
 * the shared instance flushed per invocation: in the local hub every function shares it,
 * and the deliverer's flush would take, and clear, the metrics of API requests in flight.)
 */
function countAttempt(result: AttemptResult, succeeded: boolean): void {
  const single = metrics.singleMetric();
  if (!succeeded) single.addDimension(DELIVERY_FAILURE_REASON_DIMENSION, deliveryFailureReason(result));
  single.addMetric(succeeded ? METRIC.deliveriesSucceeded : METRIC.deliveriesFailed, MetricUnit.Count, 1);
}

const lastResult = (result: AttemptResult) => ('statusCode' in result ? { lastStatusCode: result.statusCode } : { lastError: result.error });
