/**
 * When a webhook delivery is tried again, and what an attempt's answer means.
 * Pure: no clocks or randomness of its own (callers pass `now` and `random`), so the
 * schedule, the jitter and the outcome rules have fast tests of their own.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Standard Webhooks' retry schedule: the wait before each attempt, the first
 * immediate. Eight attempts in all; the last comes about 27.5 hours after the first.
 */
export const STANDARD_WEBHOOKS_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

/** ± this share of each wait is random, so endpoints that failed together are not all retried together. */
export const JITTER = 0.2;

/** SQS holds a message back for at most 15 minutes; longer waits hop (see `nextHop`). */
export const MAX_QUEUE_DELAY_MS = 15 * MINUTE;

/** A webhook endpoint gets this long to answer each attempt. */
export const DELIVERY_TIMEOUT_MS = 15 * SECOND;

/** The wait before attempt `attempt` (1-based) with ±JITTER; undefined once the schedule is spent. */
export function waitBeforeAttempt(schedule: readonly number[], attempt: number, random: () => number = Math.random): number | undefined {
  const base = schedule[attempt - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** What one attempt's answer means: `statusCode` when the endpoint answered, else `error`. */
export type AttemptResult = { statusCode: number } | { error: string };

export type AttemptOutcome =
  /** 2xx: done. */
  | { outcome: 'delivered' }
  /** 410 Gone: the receiver asks never to be called again; the subscription is disabled. */
  | { outcome: 'disabled' }
  /** Anything else, with attempts left: try again at `nextAttemptAt` (epoch ms). */
  | { outcome: 'retrying'; nextAttempt: number; nextAttemptAt: number }
  /** Anything else on the last attempt: dead-lettered, shown as failed. */
  | { outcome: 'failed' };

export function outcomeOf(
  result: AttemptResult,
  attempt: number,
  schedule: readonly number[],
  now: number,
  random: () => number = Math.random,
): AttemptOutcome {
  if ('statusCode' in result) {
    if (result.statusCode >= 200 && result.statusCode < 300) return { outcome: 'delivered' };
    if (result.statusCode === 410) return { outcome: 'disabled' };
  }
  const wait = waitBeforeAttempt(schedule, attempt + 1, random);
  if (wait === undefined) return { outcome: 'failed' };
  return { outcome: 'retrying', nextAttempt: attempt + 1, nextAttemptAt: now + wait };
}

/**
 * How long to hold a message that is due at `dueAt` (epoch ms): at most the queue's
 * 15 minutes. A longer wait arrives early, sees its `notBefore` still ahead, and hops
 * again, so a 10-hour wait is 40 hops: cheap, and no message ever sits invisible.
 */
export function nextHop(dueAt: number, now: number): { delayMs: number } | 'due' {
  const remaining = dueAt - now;
  if (remaining <= 0) return 'due';
  return { delayMs: Math.min(remaining, MAX_QUEUE_DELAY_MS) };
}

/** The schedule written for people: "immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h". */
export function describeSchedule(schedule: readonly number[]): string {
  const unit = (ms: number) =>
    ms === 0 ? 'immediately' : ms % HOUR === 0 ? `${ms / HOUR} h` : ms % MINUTE === 0 ? `${ms / MINUTE} min` : ms % SECOND === 0 ? `${ms / SECOND} s` : `${ms} ms`;
  return schedule.map(unit).join(', ');
}
