import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeSchedule,
  JITTER,
  MAX_QUEUE_DELAY_MS,
  nextHop,
  outcomeOf,
  STANDARD_WEBHOOKS_SCHEDULE_MS,
  waitBeforeAttempt,
} from '../../shared/fanout/retry-schedule';
import { localRetrySchedule } from '../../infra/local/retry-schedule';

const HOUR = 3_600_000;

describe('the Standard Webhooks retry schedule', () => {
  it('is immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts over about 27.5 hours', () => {
    expect(describeSchedule(STANDARD_WEBHOOKS_SCHEDULE_MS)).toBe('immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h');
    const total = STANDARD_WEBHOOKS_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total).toBe(27 * HOUR + 35 * 60_000 + 5_000);
  });

  it('is the local hub’s default; deployed, the deliverer is built with it and reads no setting', () => {
    expect(localRetrySchedule({})).toBe(STANDARD_WEBHOOKS_SCHEDULE_MS);
    const deliverer = readFileSync(new URL('../../functions/deliverer.ts', import.meta.url), 'utf8');
    expect(deliverer).toContain('schedule: STANDARD_WEBHOOKS_SCHEDULE_MS');
    expect(deliverer).not.toMatch(/WEBHOOK_RETRY_SCHEDULE|process\.env/);
  });

  it('the local hub may scale it or list it explicitly, for tests', () => {
    expect(localRetrySchedule({ WEBHOOK_RETRY_SCHEDULE_SCALE: '0.001' })).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(localRetrySchedule({ WEBHOOK_RETRY_SCHEDULE_MS: '0, 20,40' })).toEqual([0, 20, 40]);
    expect(() => localRetrySchedule({ WEBHOOK_RETRY_SCHEDULE_SCALE: '2' })).toThrow();
    expect(() => localRetrySchedule({ WEBHOOK_RETRY_SCHEDULE_SCALE: '0' })).toThrow();
    expect(() => localRetrySchedule({ WEBHOOK_RETRY_SCHEDULE_MS: '0,-5' })).toThrow();
    expect(() => localRetrySchedule({ WEBHOOK_RETRY_SCHEDULE_MS: '0,abc' })).toThrow();
  });

  it('jitters each wait by at most ±20%, and the first attempt is immediate', () => {
    expect(waitBeforeAttempt(STANDARD_WEBHOOKS_SCHEDULE_MS, 1, () => 0.99)).toBe(0);
    expect(waitBeforeAttempt(STANDARD_WEBHOOKS_SCHEDULE_MS, 2, () => 0)).toBe(5_000 * (1 - JITTER));
    expect(waitBeforeAttempt(STANDARD_WEBHOOKS_SCHEDULE_MS, 2, () => 0.5)).toBe(5_000);
    expect(waitBeforeAttempt(STANDARD_WEBHOOKS_SCHEDULE_MS, 8, () => 1)).toBe(10 * HOUR * (1 + JITTER));
    expect(waitBeforeAttempt(STANDARD_WEBHOOKS_SCHEDULE_MS, 9)).toBeUndefined();
  });
});

describe('what an attempt answer means', () => {
  const schedule = STANDARD_WEBHOOKS_SCHEDULE_MS;
  const half = () => 0.5;

  it('2xx is delivered, whatever the attempt', () => {
    for (const statusCode of [200, 201, 202, 204, 299]) expect(outcomeOf({ statusCode }, 3, schedule, 0, half)).toEqual({ outcome: 'delivered' });
  });

  it('410 disables the subscription at once', () => {
    expect(outcomeOf({ statusCode: 410 }, 1, schedule, 0, half)).toEqual({ outcome: 'disabled' });
  });

  it('anything else is retried on the schedule: errors, 3xx, 4xx, 5xx', () => {
    expect(outcomeOf({ statusCode: 500 }, 1, schedule, 1_000, half)).toEqual({ outcome: 'retrying', nextAttempt: 2, nextAttemptAt: 6_000 });
    expect(outcomeOf({ statusCode: 301 }, 2, schedule, 0, half)).toEqual({ outcome: 'retrying', nextAttempt: 3, nextAttemptAt: 300_000 });
    expect(outcomeOf({ statusCode: 404 }, 4, schedule, 0, half)).toMatchObject({ nextAttempt: 5, nextAttemptAt: 2 * HOUR });
    expect(outcomeOf({ error: 'timeout' }, 7, schedule, 0, half)).toMatchObject({ nextAttempt: 8, nextAttemptAt: 10 * HOUR });
  });

  it('the eighth failure is final: failed (and dead-lettered)', () => {
    expect(outcomeOf({ statusCode: 503 }, 8, schedule, 0, half)).toEqual({ outcome: 'failed' });
    expect(outcomeOf({ error: 'ECONNREFUSED' }, 3, [0, 10, 10], 0, half)).toEqual({ outcome: 'failed' });
  });
});

describe('waits longer than a queue delay hop', () => {
  it('hold a message at most 15 minutes at a time, until it is due', () => {
    expect(nextHop(1_000, 1_000)).toBe('due');
    expect(nextHop(1_000, 2_000)).toBe('due');
    expect(nextHop(5_000, 0)).toEqual({ delayMs: 5_000 });
    expect(nextHop(10 * HOUR, 0)).toEqual({ delayMs: MAX_QUEUE_DELAY_MS });
    // A 10-hour wait is 40 hops of 15 minutes.
    let now = 0;
    let hops = 0;
    for (let hop = nextHop(10 * HOUR, now); hop !== 'due'; hop = nextHop(10 * HOUR, now)) {
      now += hop.delayMs;
      hops++;
    }
    expect(hops).toBe(40);
  });
});
