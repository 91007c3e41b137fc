import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesPattern, type BusEvent } from '../../events/match';
import { allHubEventsPattern, councilAudiencePattern, HUB_EVENT_SOURCE } from '../../events/rules';
import { sampleEvents } from '../../events/sample-events';
import { EVENT_TYPES } from '../../shared/schemas/events';

const onBus = (detail: unknown, detailType = 'MemberJoined', source = HUB_EVENT_SOURCE): BusEvent => ({
  source,
  'detail-type': detailType,
  detail,
});

describe('matchesPattern', () => {
  it('matches a scalar leaf when the value is one of the allowed values', () => {
    expect(matchesPattern({ source: ['a', 'council-hub'] }, onBus({}))).toBe(true);
    expect(matchesPattern({ source: ['other'] }, onBus({}))).toBe(false);
    expect(matchesPattern({ 'detail-type': ['CostRecorded', 'CostReversed'] }, onBus({}, 'CostReversed'))).toBe(true);
    expect(matchesPattern({ 'detail-type': ['CostRecorded'] }, onBus({}, 'CostReversed'))).toBe(false);
  });

  it('matches an array value when any element is allowed', () => {
    const event = onBus({ audience: ['E08000025', 'E08000026'] });
    expect(matchesPattern({ detail: { audience: ['E08000026'] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { audience: ['E09000033', 'E08000025'] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { audience: ['E09000033'] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { audience: ['E08000026'] } }, onBus({ audience: [] }))).toBe(false);
  });

  it('recurses into nested objects and compares numbers, booleans and null exactly', () => {
    const event = onBus({ data: { version: 2, council: 'E08000026', flag: false, note: null } });
    expect(matchesPattern({ detail: { data: { version: [2], council: ['E08000026'] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { data: { version: ['2'] } } }, event)).toBe(false);
    expect(matchesPattern({ detail: { data: { flag: [false], note: [null] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { data: { flag: [true] } } }, event)).toBe(false);
  });

  it('ignores event keys the pattern does not name', () => {
    expect(matchesPattern({}, onBus({ anything: 1 }))).toBe(true);
    expect(matchesPattern({ source: [HUB_EVENT_SOURCE] }, onBus({ audience: ['E08000025'] }))).toBe(true);
  });

  it('fails when a pattern key is absent from the event or has the wrong shape', () => {
    expect(matchesPattern({ detail: { audience: ['E08000025'] } }, onBus({}))).toBe(false);
    expect(matchesPattern({ detail: { data: { council: ['E08000025'] } } }, onBus({ data: 'E08000025' }))).toBe(false);
    expect(matchesPattern({ detail: { data: ['E08000025'] } }, onBus({ data: { council: 'E08000025' } }))).toBe(false);
    expect(matchesPattern({ detail: { audience: ['E08000025'] } }, onBus(null))).toBe(false);
    expect(matchesPattern({ source: [] }, onBus({}))).toBe(false);
  });

  it('does not match through the prototype chain', () => {
    expect(matchesPattern({ detail: { toString: ['x'] } }, onBus({}))).toBe(false);
  });
});

describe('rule patterns', () => {
  it('allHubEventsPattern matches every hub event and nothing from another source', () => {
    expect(allHubEventsPattern).toEqual({ source: ['council-hub'] });
    for (const type of EVENT_TYPES) expect(matchesPattern(allHubEventsPattern, onBus(sampleEvents[type], type))).toBe(true);
    expect(matchesPattern(allHubEventsPattern, onBus(sampleEvents.PledgeSet, 'PledgeSet', 'aws.s3'))).toBe(false);
  });

  it('councilAudiencePattern has the EventBridge shape', () => {
    expect(councilAudiencePattern('E08000026')).toEqual({ source: ['council-hub'], detail: { audience: ['E08000026'] } });
  });

  it("a council's pattern matches an event whose audience includes it, and not one whose audience does not", () => {
    const declined = sampleEvents.MemberDeclined; // audience: Plymouth, Birmingham, Coventry, Westminster
    const joined = sampleEvents.MemberJoined; // audience: Birmingham, Coventry
    const plymouth = councilAudiencePattern('E06000026');
    expect(matchesPattern(plymouth, onBus(declined, declined.type))).toBe(true);
    expect(matchesPattern(plymouth, onBus(joined, joined.type))).toBe(false);
    expect(matchesPattern(councilAudiencePattern('E08000026'), onBus(joined, joined.type))).toBe(true);
    expect(matchesPattern(councilAudiencePattern('E08000026'), onBus(joined, joined.type, 'another-source'))).toBe(false);
  });

  it('matches exactly when the audience includes the council (property)', () => {
    const code = fc.constantFrom('E08000025', 'E08000026', 'E09000033', 'E06000026', 'W06000015', 'S12000036', 'N09000003');
    fc.assert(
      fc.property(code, fc.uniqueArray(code, { maxLength: 7 }), (council, audience) => {
        const event = onBus({ ...sampleEvents.CostRecorded, audience }, 'CostRecorded');
        expect(matchesPattern(councilAudiencePattern(council), event)).toBe(audience.includes(council));
      }),
    );
  });

  it('refuses a council that is not a GSS code', () => {
    expect(() => councilAudiencePattern('Birmingham')).toThrow(/GSS/);
    expect(() => councilAudiencePattern('E0800002')).toThrow(/GSS/);
  });
});
