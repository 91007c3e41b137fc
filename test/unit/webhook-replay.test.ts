/**
 * The replay rules (shared/fanout/replay-rules.ts): a replay selects only what the
 * subscription was entitled to live (audience at the event's time, its filters), inside
 * the window, each once, oldest first, capped; and a replay's lock ends.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { subscriptionWants } from '../../shared/fanout/matching';
import { inWindow, replayExpiresAt, replayRunning, selectReplayEvents } from '../../shared/fanout/replay-rules';
import { STANDARD_WEBHOOKS_SCHEDULE_MS } from '../../shared/fanout/retry-schedule';
import type { EventEnvelope } from '../../shared/schemas/events';

const COUNCILS = ['E08000025', 'E08000026', 'E09000033', 'E06000026'];
const CHALLENGES = ['01J00000000000000000000001', '01J00000000000000000000002', '01J00000000000000000000003'];
const TYPES = ['ChallengeCreated', 'MemberJoined', 'PledgeSet', 'CostRecorded'];
const T0 = Date.parse('2026-11-01T00:00:00.000Z');

const eventArb = fc.record({
  challenge: fc.constantFrom(...CHALLENGES),
  type: fc.constantFrom(...TYPES),
  seq: fc.integer({ min: 1, max: 50 }),
  minute: fc.nat(600),
  audience: fc.uniqueArray(fc.constantFrom(...COUNCILS), { minLength: 1, maxLength: 4 }),
});
const asEvent = (e: { challenge: string; type: string; seq: number; minute: number; audience: string[] }, i: number): EventEnvelope => ({
  id: `01J${String(i).padStart(23, '0')}`,
  type: e.type,
  version: 1,
  challengeId: e.challenge,
  seq: e.seq,
  occurredAt: new Date(T0 + e.minute * 60_000).toISOString(),
  actor: { council: e.audience[0]!, sub: 'someone' },
  audience: e.audience,
  data: {},
});

const subscriptionArb = fc.record({
  council: fc.constantFrom(...COUNCILS),
  status: fc.constant('active' as const),
  eventTypes: fc.option(fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1 }), { nil: undefined }),
  challengeIds: fc.option(fc.uniqueArray(fc.constantFrom(...CHALLENGES), { minLength: 1 }), { nil: undefined }),
});
const windowArb = fc.record({
  challengeId: fc.option(fc.constantFrom(...CHALLENGES), { nil: undefined }),
  fromSeq: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
  since: fc.option(fc.nat(600).map((m) => new Date(T0 + m * 60_000).toISOString()), { nil: undefined }),
  until: fc.option(fc.nat(600).map((m) => new Date(T0 + m * 60_000).toISOString()), { nil: undefined }),
});

describe('what a replay selects', () => {
  it('never an event whose audience lacks the council, of another challenge, type or window; all that match, once, oldest first', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 80 }), subscriptionArb, windowArb, fc.integer({ min: 1, max: 100 }), (raw, subscription, window, max) => {
        const events = raw.map(asEvent);
        const { events: picked, truncated, resumeSince } = selectReplayEvents([...events, ...events.slice(0, 5)], subscription, window, max);
        for (const e of picked) {
          expect(e.audience).toContain(subscription.council);
          if (subscription.challengeIds) expect(subscription.challengeIds).toContain(e.challengeId);
          if (subscription.eventTypes) expect(subscription.eventTypes).toContain(e.type);
          if (window.challengeId) expect(e.challengeId).toBe(window.challengeId);
          expect(inWindow(e, window)).toBe(true);
        }
        const wanted = events.filter((e) => subscriptionWants(subscription, e) && inWindow(e, window));
        expect(picked.length).toBe(Math.min(max, wanted.length));
        expect(new Set(picked.map((e) => e.id)).size).toBe(picked.length);
        expect(truncated).toBe(wanted.length > max);
        for (let i = 1; i < picked.length; i++) expect(picked[i - 1]!.occurredAt <= picked[i]!.occurredAt).toBe(true);
        // What was left out comes at or after resumeSince, so replaying from there misses nothing.
        const left = wanted.filter((e) => !picked.some((p) => p.id === e.id));
        if (truncated) expect(left.every((e) => e.occurredAt >= resumeSince!)).toBe(true);
        else expect(left).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('a disabled subscription is entitled to nothing', () => {
    const event = asEvent({ challenge: CHALLENGES[0]!, type: 'PledgeSet', seq: 1, minute: 0, audience: [COUNCILS[0]!] }, 1);
    expect(selectReplayEvents([event], { council: COUNCILS[0]!, status: 'disabled' }, {}).events).toEqual([]);
    expect(selectReplayEvents([event], { council: COUNCILS[0]!, status: 'active' }, {}).events).toEqual([event]);
  });
});

describe("a replay's lock", () => {
  const replay = (finished: number, expiresAt: number) => ({ events: 3, finished, expiresAt: new Date(expiresAt).toISOString() });

  it('runs until every delivery ended, or until it expires', () => {
    expect(replayRunning(replay(0, T0 + 1000), T0)).toBe(true);
    expect(replayRunning(replay(3, T0 + 1000), T0)).toBe(false);
    expect(replayRunning(replay(1, T0 + 1000), T0 + 1000)).toBe(false);
    expect(replayRunning(undefined, T0)).toBe(false);
  });

  it('expires after the retry schedule could have run, with its jitter and a margin', () => {
    const span = STANDARD_WEBHOOKS_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    const expires = replayExpiresAt(T0, STANDARD_WEBHOOKS_SCHEDULE_MS);
    expect(expires - T0).toBeGreaterThan(span * 1.2);
    expect(expires - T0).toBeLessThan(span * 1.2 + 60 * 60_000);
    expect(replayExpiresAt(T0, [0, 20, 40]) - T0).toBeLessThan(16 * 60_000);
  });
});
