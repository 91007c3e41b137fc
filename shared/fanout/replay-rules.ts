/**
 * What a replay re-sends, and how long it may run: pure, so the rules have fast tests
 * of their own (test/unit/webhook-replay.test.ts). The I/O is replay.ts.
 *
 * Entitlement is the live rule, unchanged (matching.ts `subscriptionWants`): the
 * event's `audience`, fixed when it happened, must include the subscription's council,
 * and its eventTypes / challengeIds narrow further. The window only narrows again.
 */
import type { EventEnvelope } from '../schemas/events';
import { type SubscriptionFilter, subscriptionWants } from './matching';
import { JITTER } from './retry-schedule';

/** Deliveries one replay queues at most (the oldest of what matches). */
export const MAX_REPLAY_EVENTS = 1000;
/** Challenges one replay reads at most, when it is not given one. */
export const MAX_REPLAY_CHALLENGES = 100;
/** Beyond the retry schedule's own span: queue backlogs, hops, a slow deliverer. */
const REPLAY_MARGIN_MS = 15 * 60 * 1000;

export interface ReplayWindow {
  challengeId?: string | undefined;
  /** Per challenge seq, so only with `challengeId`. */
  fromSeq?: number | undefined;
  /** occurredAt >= since. */
  since?: string | undefined;
  /** occurredAt < until. */
  until?: string | undefined;
}

export interface ReplaySelection {
  events: EventEnvelope[];
  /** More matched than were taken (or more challenges than were read). */
  truncated: boolean;
  /** When events were left out: a `since` that continues from the first of them. */
  resumeSince?: string;
}

export const inWindow = (event: EventEnvelope, window: ReplayWindow): boolean =>
  (window.challengeId === undefined || event.challengeId === window.challengeId) &&
  (window.fromSeq === undefined || event.seq >= window.fromSeq) &&
  (window.since === undefined || event.occurredAt >= window.since) &&
  (window.until === undefined || event.occurredAt < window.until);

const oldestFirst = (a: EventEnvelope, b: EventEnvelope) =>
  a.occurredAt !== b.occurredAt ? (a.occurredAt < b.occurredAt ? -1 : 1) : a.challengeId !== b.challengeId ? (a.challengeId < b.challengeId ? -1 : 1) : a.seq - b.seq;

/**
 * Pure: of `events`, what the subscription was entitled to (the live rule) inside the
 * window, each once, oldest first (occurredAt, then challenge, then seq), at most `max`.
 */
export function selectReplayEvents(
  events: Iterable<EventEnvelope>,
  subscription: SubscriptionFilter,
  window: ReplayWindow,
  max = MAX_REPLAY_EVENTS,
): ReplaySelection {
  const byId = new Map<string, EventEnvelope>();
  for (const event of events) if (subscriptionWants(subscription, event) && inWindow(event, window)) byId.set(event.id, event);
  const sorted = [...byId.values()].sort(oldestFirst);
  if (sorted.length <= max) return { events: sorted, truncated: false };
  return { events: sorted.slice(0, max), truncated: true, resumeSince: sorted[max]!.occurredAt };
}

/** A replay holds its lock until all its deliveries ended, and no longer than the retry schedule can take. */
export function replayExpiresAt(startedAt: number, schedule: readonly number[]): number {
  const span = schedule.reduce((sum, wait) => sum + wait, 0);
  return startedAt + Math.ceil(span * (1 + JITTER)) + REPLAY_MARGIN_MS;
}

/** What a subscription keeps of its replay (store/subscriptions.ts ReplayState). */
export interface ReplayProgress {
  events: number;
  finished: number;
  expiresAt: string;
}

export function replayRunning<R extends ReplayProgress>(replay: R | undefined, now: number): replay is R {
  return replay !== undefined && replay.finished < replay.events && Date.parse(replay.expiresAt) > now;
}
