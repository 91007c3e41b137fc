import { describe, expect, it } from 'vitest';
import { Refusal } from '../../shared/domain/transition';
import {
  limitRefusal,
  newSubscriptionRecord,
  notYours,
  replayRefusal,
  subscriptionRefusal,
  urlRefusal,
} from '../../shared/fanout/subscription-rules';
import { MAX_SUBSCRIPTIONS_PER_COUNCIL } from '../../shared/schemas/subscription';

const id = '01JAAAAAAAAAAAAAAAAAAAAAAA';
const now = '2025-06-01T10:00:00.000Z';
const ids = { id, sub: 'officer-1' };

describe('newSubscriptionRecord', () => {
  it('is an active subscription of the caller’s council, created by the caller now, with the secret given', () => {
    expect(newSubscriptionRecord({ url: 'https://example.org/hook' }, 'E08000026', ids, 'whsec_x', now)).toEqual({
      id,
      council: 'E08000026',
      url: 'https://example.org/hook',
      status: 'active',
      secret: 'whsec_x',
      createdBy: { council: 'E08000026', sub: 'officer-1' },
      createdAt: now,
      updatedAt: now,
    });
  });

  it('keeps the filters given, and writes none that are absent', () => {
    const filtered = newSubscriptionRecord(
      { url: 'https://example.org/hook', eventTypes: ['PledgeSet'], challengeIds: [id] },
      'E08000026',
      ids,
      'whsec_x',
      now,
    );
    expect(filtered).toMatchObject({ eventTypes: ['PledgeSet'], challengeIds: [id] });
    const unfiltered = newSubscriptionRecord({ url: 'https://example.org/hook' }, 'E08000026', ids, 'whsec_x', now);
    expect(Object.keys(unfiltered)).not.toContain('eventTypes');
    expect(Object.keys(unfiltered)).not.toContain('challengeIds');
  });
});

describe('a create’s refusals', () => {
  it('refuses a URL with a problem, naming body.url', () => {
    expect(urlRefusal(undefined)).toBeNull();
    expect(urlRefusal('resolves to a private address')).toEqual(
      new Refusal('invalid', 'The webhook URL is not allowed.', 'url_not_allowed', [{ path: 'body.url', message: 'resolves to a private address' }]),
    );
  });

  it('refuses a council at its limit, not one below it', () => {
    expect(limitRefusal(MAX_SUBSCRIPTIONS_PER_COUNCIL - 1)).toBeNull();
    expect(limitRefusal(MAX_SUBSCRIPTIONS_PER_COUNCIL)).toMatchObject({ kind: 'conflict', code: 'subscription_limit' });
    expect(limitRefusal(MAX_SUBSCRIPTIONS_PER_COUNCIL + 1)?.code).toBe('subscription_limit');
  });
});

describe('a replay’s refusals', () => {
  const replay = (finished: number, expiresAt: string) => ({ replayId: 'r', events: 3, finished, startedAt: now, expiresAt });
  const at = Date.parse(now);

  it('refuses a disabled subscription, and one whose replay is still running', () => {
    expect(replayRefusal({ id, status: 'active' }, at)).toBeNull();
    expect(replayRefusal({ id, status: 'disabled' }, at)).toMatchObject({ kind: 'conflict', code: 'subscription_disabled' });
    expect(replayRefusal({ id, status: 'active', replay: replay(1, '2025-06-01T11:00:00.000Z') }, at)).toMatchObject({ code: 'replay_in_progress' });
  });

  it('lets a finished or expired replay be followed by another', () => {
    expect(replayRefusal({ id, status: 'active', replay: replay(3, '2025-06-01T11:00:00.000Z') }, at)).toBeNull();
    expect(replayRefusal({ id, status: 'active', replay: replay(1, '2025-06-01T09:00:00.000Z') }, at)).toBeNull();
  });

  it('says what was already done first, and how to go on', () => {
    const refused = subscriptionRefusal('subscription_disabled', id, 'Enabled. ');
    expect(refused.detail).toMatch(/^Enabled\. The subscription is disabled; enable it first \(POST \/v1\/subscriptions\/01J.*\/enable/);
    expect(subscriptionRefusal('replay_in_progress', id).detail).toMatch(/^A replay of this subscription is still running/);
  });

  it('answers another council’s subscription as a missing one', () => {
    expect(subscriptionRefusal('not_found', id)).toEqual(notYours(id));
    expect(notYours(id)).toEqual(new Refusal('not_found', `No subscription ${id} belongs to your council.`));
  });
});
