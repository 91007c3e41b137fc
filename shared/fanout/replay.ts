/**
 * Webhook replay: re-sends what a subscription would have received live, as ordinary
 * delivery messages on the delivery queue, so the same deliverer signs, retries and
 * logs them (each attempt marked with the replay's id), oldest first. What it may
 * re-send is the live rule, unchanged (replay-rules.ts).
 *
 * Where the events come from: per challenge, the `EVENT#<seq>` items (a key range).
 * Which challenges: the one asked for; else the subscription's `challengeIds`; else
 * those the council has a membership record in (GSI1 `COUNCIL#<code>`), at most
 * MAX_REPLAY_CHALLENGES. At most MAX_REPLAY_EVENTS are queued per replay: the oldest;
 * the answer says whether more matched and where to resume.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { monotonicFactory } from 'ulid';
import { METRIC } from '../metric-names';
import { logger, metrics } from '../observability';
import type { EventEnvelope } from '../schemas/events';
import {
  challengeEventPages,
  councilChallengeIds,
  endReplay,
  getSubscription,
  type ReplayState,
  startReplay,
  type SubscriptionRecord,
} from '../store/subscriptions';
import { type SubscriptionFilter, subscriptionWants } from './matching';
import type { DeliveryMessage } from './messages';
import type { QueueSender } from './queue';
import { inWindow, MAX_REPLAY_CHALLENGES, MAX_REPLAY_EVENTS, replayExpiresAt, type ReplayWindow, selectReplayEvents } from './replay-rules';

export interface ReplayResult {
  replayId: string;
  /** Deliveries queued. */
  events: number;
  truncated: boolean;
  resumeSince?: string;
}

export type ReplayOutcome =
  | { queued: ReplayResult; subscription: SubscriptionRecord }
  /** The lock did not hold: another replay runs, or the subscription was disabled, deleted or is not the council's. */
  | { refused: 'replay_in_progress' | 'subscription_disabled' | 'not_found' };

export interface ReplayerOptions {
  /** The delivery queue. */
  deliveries: QueueSender;
  /** The retry schedule in force: how long a replay may take. */
  schedule: readonly number[];
  now?: () => number;
  /** Reads of challenges' events running at once. @default 4 */
  readConcurrency?: number;
}

/**
 * Reads, selects, locks, queues. The lock is taken only once the count is known (it is
 * part of the lock), and released again if the deliveries could not be queued.
 */
export function makeReplayer({ deliveries, schedule, now = Date.now, readConcurrency = 4 }: ReplayerOptions) {
  const newId = monotonicFactory();

  /**
   * Per challenge, matching events in seq order; reading stops once it has `max` (later ones cannot be among the oldest).
   * Notes in `origins` the correlation id of the write that made each (a WeakMap: what selection drops is let go).
   */
  async function readChallenge(challengeId: string, subscription: SubscriptionFilter, window: ReplayWindow, origins: WeakMap<EventEnvelope, string>): Promise<EventEnvelope[]> {
    const found: EventEnvelope[] = [];
    for await (const page of challengeEventPages(challengeId, window.fromSeq ?? 1)) {
      for (const { event, requestId } of page) {
        if (!subscriptionWants(subscription, event) || !inWindow(event, window)) continue;
        found.push(event);
        if (requestId) origins.set(event, requestId);
      }
      if (found.length > MAX_REPLAY_EVENTS) break;
    }
    return found;
  }

  async function challengesToRead(subscription: SubscriptionRecord, window: ReplayWindow): Promise<{ ids: string[]; capped: boolean }> {
    if (window.challengeId) return { ids: [window.challengeId], capped: false };
    if (subscription.challengeIds) return { ids: subscription.challengeIds, capped: false };
    const ids = await councilChallengeIds(subscription.council, MAX_REPLAY_CHALLENGES + 1);
    return { ids: ids.slice(0, MAX_REPLAY_CHALLENGES), capped: ids.length > MAX_REPLAY_CHALLENGES };
  }

  /**
   * `correlationId` is the replay request's (its API request id): the deliverer logs it on
   * every replayed attempt, with the original write's as `originalCorrelationId`.
   */
  return async function replay(subscription: SubscriptionRecord, window: ReplayWindow, correlationId?: string): Promise<ReplayOutcome> {
    const { ids, capped } = await challengesToRead(subscription, window);
    const origins = new WeakMap<EventEnvelope, string>();
    // Only the oldest MAX + 1 so far are kept between reads: memory stays flat however many challenges.
    let kept: EventEnvelope[] = [];
    for (let i = 0; i < ids.length; i += readConcurrency) {
      const read = await Promise.all(ids.slice(i, i + readConcurrency).map((id) => readChallenge(id, subscription, window, origins)));
      kept = selectReplayEvents([...kept, ...read.flat()], subscription, window, MAX_REPLAY_EVENTS + 1).events;
    }
    const selection = selectReplayEvents(kept, subscription, window);
    const replayId = newId();
    const result: ReplayResult = {
      replayId,
      events: selection.events.length,
      truncated: selection.truncated || capped,
      ...(selection.resumeSince ? { resumeSince: selection.resumeSince } : {}),
    };
    // Nothing to send: nothing runs, so no lock is taken (but the request was accepted).
    if (selection.events.length === 0) return accepted({ queued: result, subscription }, correlationId);

    const startedAt = now();
    const state: ReplayState = {
      replayId,
      events: selection.events.length,
      finished: 0,
      startedAt: new Date(startedAt).toISOString(),
      expiresAt: new Date(replayExpiresAt(startedAt, schedule)).toISOString(),
    };
    const locked = await startReplay(subscription.id, subscription.council, state);
    if (!locked) return { refused: await refusal(subscription.id, subscription.council) };
    try {
      const messages = selection.events.map(
        (event): DeliveryMessage => ({
          subscriptionId: subscription.id,
          event,
          attempt: 1,
          replayId,
          ...(correlationId ? { correlationId } : {}),
          ...(origins.has(event) ? { originalCorrelationId: origins.get(event) } : {}),
        }),
      );
      await deliveries.send(messages.map((m) => ({ body: JSON.stringify(m) })));
    } catch (error) {
      await endReplay(subscription.id, replayId).catch(() => undefined);
      throw error;
    }
    return accepted({ queued: result, subscription: locked }, correlationId);
  };
}

/** A replay accepted (202, or the enable that ran it): counted (Replays) and logged. */
function accepted(outcome: { queued: ReplayResult; subscription: SubscriptionRecord }, correlationId: string | undefined) {
  metrics.addMetric(METRIC.replays, MetricUnit.Count, 1);
  logger.info('Replay queued', { subscriptionId: outcome.subscription.id, ...outcome.queued, correlationId });
  return outcome;
}

/** Why the lock did not hold, read again (the rare path): another replay, a 410 meanwhile, or gone. */
async function refusal(id: string, council: string): Promise<'replay_in_progress' | 'subscription_disabled' | 'not_found'> {
  const current = await getSubscription(id);
  if (!current || current.council !== council) return 'not_found';
  return current.status === 'disabled' ? 'subscription_disabled' : 'replay_in_progress';
}
