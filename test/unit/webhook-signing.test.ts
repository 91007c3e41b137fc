import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { sampleEvents } from '../../events/sample-events';
import { newSecret, secretHint, signatureHeader, signedWebhook, signingSecrets } from '../../shared/fanout/signing';
import { subscriptionWants } from '../../shared/fanout/matching';

const event = sampleEvents.CostRecorded;

describe('secrets', () => {
  it('are whsec_ + base64 of 32 random bytes, all different', () => {
    const secrets = Array.from({ length: 20 }, newSecret);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(20);
  });

  it('show only a hint of their end', () => {
    expect(secretHint('whsec_abcdefghijklmnop')).toBe('whsec_…mnop');
  });
});

describe('signed deliveries', () => {
  it('carry the Standard Webhooks headers and the body {type, timestamp, data}', () => {
    const at = new Date();
    const { body, headers } = signedWebhook(event, [newSecret()], at);
    expect(JSON.parse(body)).toEqual({ type: event.type, timestamp: event.occurredAt, data: event });
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    });
    expect(headers['user-agent']).toMatch(/^council-hub-webhooks\//);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('verify with standardwebhooks, and fail with another secret or a changed body', () => {
    const secret = newSecret();
    const { body, headers } = signedWebhook(event, [secret], new Date());
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('"seq"', '"seq" '), headers)).toThrow();
  });

  it('signed with two secrets during a rotation, verify with either', () => {
    const previous = newSecret();
    const current = newSecret();
    const { body, headers } = signedWebhook(event, [current, previous], new Date());
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
  });

  it('matches the example signature of the AsyncAPI document (same HMAC)', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const at = new Date(event.occurredAt);
    const body = JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event });
    expect(signatureHeader([secret], event.id, at, body)).toBe(new Webhook(secret).sign(event.id, at, body));
  });

  it('signs with the previous secret only until its overlap ends', () => {
    const sub = { secret: 'whsec_new', previousSecret: 'whsec_old', previousSecretExpiresAt: '2026-01-02T00:00:00.000Z' };
    expect(signingSecrets(sub, Date.parse('2026-01-01T23:59:59.000Z'))).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(sub, Date.parse('2026-01-02T00:00:00.000Z'))).toEqual(['whsec_new']);
    expect(signingSecrets({ secret: 'whsec_only' }, 0)).toEqual(['whsec_only']);
  });
});

describe('which subscriptions want an event', () => {
  const base = { council: 'E08000026', status: 'active' as const };
  const joined = sampleEvents.MemberJoined; // audience: E08000025, E08000026

  it('only those of a council in its audience', () => {
    expect(subscriptionWants(base, joined)).toBe(true);
    expect(subscriptionWants({ ...base, council: 'E09000033' }, joined)).toBe(false);
  });

  it('narrowed by event types and challenges, never widened', () => {
    expect(subscriptionWants({ ...base, eventTypes: ['MemberJoined'] }, joined)).toBe(true);
    expect(subscriptionWants({ ...base, eventTypes: ['CostRecorded'] }, joined)).toBe(false);
    expect(subscriptionWants({ ...base, challengeIds: [joined.challengeId] }, joined)).toBe(true);
    expect(subscriptionWants({ ...base, challengeIds: ['01KERRNBKGWZWH4DWHFKQEBADX'] }, joined)).toBe(false);
    expect(subscriptionWants({ ...base, council: 'E09000033', eventTypes: ['MemberJoined'], challengeIds: [joined.challengeId] }, joined)).toBe(false);
  });

  it('never a disabled subscription', () => {
    expect(subscriptionWants({ ...base, status: 'disabled' }, joined)).toBe(false);
  });
});
