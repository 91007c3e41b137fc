import { describe, expect, it } from 'vitest';
import { matchesFilter, matchesPattern } from '../../events/match';
import { allHubEventsPattern, outboxStreamFilter, parseCouncilEventBuses, webhookDispatchPattern } from '../../events/rules';

const bus = 'arn:aws:events:eu-west-2:123456789012:event-bus/hub-events';

describe('the outbox stream filter', () => {
  const record = (eventName: string, kind: string) => ({
    eventName,
    dynamodb: { NewImage: { PK: { S: 'CHALLENGE#1' }, kind: { S: kind } }, SequenceNumber: '1' },
  });

  it('passes inserted event items only', () => {
    expect(matchesFilter(outboxStreamFilter, record('INSERT', 'event'))).toBe(true);
    expect(matchesFilter(outboxStreamFilter, record('MODIFY', 'event'))).toBe(false);
    expect(matchesFilter(outboxStreamFilter, record('INSERT', 'challenge'))).toBe(false);
    expect(matchesFilter(outboxStreamFilter, record('INSERT', 'subscription'))).toBe(false);
    expect(matchesFilter(outboxStreamFilter, { eventName: 'REMOVE', dynamodb: {} })).toBe(false);
  });
});

describe('the webhook dispatch rule', () => {
  it('takes every hub event', () => {
    expect(webhookDispatchPattern).toEqual(allHubEventsPattern);
    expect(matchesPattern(webhookDispatchPattern, { source: 'council-hub', 'detail-type': 'PledgeSet', detail: {} })).toBe(true);
  });
});

describe('councilEventBuses context', () => {
  it('absent or empty means no cross-account targets', () => {
    expect(parseCouncilEventBuses(undefined)).toEqual([]);
    expect(parseCouncilEventBuses('')).toEqual([]);
    expect(parseCouncilEventBuses([])).toEqual([]);
  });

  it('reads an array (cdk.json) or a JSON string (cdk -c)', () => {
    const pairs = [{ council: 'E08000026', eventBusArn: bus }];
    expect(parseCouncilEventBuses(pairs)).toEqual(pairs);
    expect(parseCouncilEventBuses(JSON.stringify(pairs))).toEqual(pairs);
  });

  it('refuses anything that could route events to the wrong place', () => {
    expect(() => parseCouncilEventBuses({ council: 'E08000026' })).toThrow(/array/);
    expect(() => parseCouncilEventBuses('[not json')).toThrow(/JSON/);
    expect(() => parseCouncilEventBuses([{ council: 'Coventry', eventBusArn: bus }])).toThrow(/\[0\]\.council/);
    expect(() => parseCouncilEventBuses([{ council: 'E08000026', eventBusArn: 'arn:aws:sqs:eu-west-2:123456789012:q' }])).toThrow(/eventBusArn/);
    expect(() => parseCouncilEventBuses([{ council: 'E08000026', eventBusArn: bus, audience: ['x'] }])).toThrow(/unknown field/);
    expect(() =>
      parseCouncilEventBuses([
        { council: 'E08000026', eventBusArn: bus },
        { council: 'E08000026', eventBusArn: bus },
      ]),
    ).toThrow(/twice/);
  });
});
