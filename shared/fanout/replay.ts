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
import { monotonicFactory } from 'ulid';
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

  /** Per challenge, matching events in seq order; reading stops once it has `max` (later ones cannot be among the oldest). */
  async function readChallenge(challengeId: string, subscription: SubscriptionFilter, window: ReplayWindow): Promise<EventEnvelope[]> {
    const found: EventEnvelope[] = [];
    for await (const page of challengeEventPages(challengeId, window.fromSeq ?? 1)) {
      for (const event of page) if (subscriptionWants(subscription, event) && inWindow(event, window)) found.push(event);
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

  return async function replay(subscription: SubscriptionRecord, window: ReplayWindow): Promise<ReplayOutcome> {
    const { ids, capped } = await challengesToRead(subscription, window);
    // Only the oldest MAX + 1 so far are kept between reads: memory stays flat however many challenges.
    let kept: EventEnvelope[] = [];
    for (let i = 0; i < ids.length; i += readConcurrency) {
      const read = await Promise.all(ids.slice(i, i + readConcurrency).map((id) => readChallenge(id, subscription, window)));
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
    // Nothing to send: nothing runs, so no lock is taken.
    if (selection.events.length === 0) return { queued: result, subscription };

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
      const messages = selection.events.map((event): DeliveryMessage => ({ subscriptionId: subscription.id, event, attempt: 1, replayId }));
      await deliveries.send(messages.map((m) => ({ body: JSON.stringify(m) })));
    } catch (error) {
      await endReplay(subscription.id, replayId).catch(() => undefined);
      throw error;
    }
    return { queued: result, subscription: locked };
  };
}

/** Why the lock did not hold, read again (the rare path): another replay, a 410 meanwhile, or gone. */
async function refusal(id: string, council: string): Promise<'replay_in_progress' | 'subscription_disabled' | 'not_found'> {
  const current = await getSubscription(id);
  if (!current || current.council !== council) return 'not_found';
  return current.status === 'disabled' ? 'subscription_disabled' : 'replay_in_progress';
}
