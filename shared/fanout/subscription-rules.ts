/**
 * A webhook subscription's rules, pure: the record a create writes, and why the hub
 * refuses a create or a replay, as typed refusals (the HTTP layer maps them to
 * problems). functions/subscriptions.ts wires them to the store and the replayer.
 */
import { type Refusal, refuse } from '../domain/transition';
import { MAX_SUBSCRIPTIONS_PER_COUNCIL, type SubscriptionInput } from '../schemas/subscription';
import type { SubscriptionRecord } from '../store/subscriptions';
import type { ReplayOutcome } from './replay';
import { replayRunning } from './replay-rules';

/** A new, active subscription of `council`, created by its `ids.sub` at `now`; `secret` is shown once, in the create's answer. */
export function newSubscriptionRecord(
  input: SubscriptionInput,
  council: string,
  ids: { id: string; sub: string },
  secret: string,
  now: string,
): SubscriptionRecord {
  return {
    id: ids.id,
    council,
    url: input.url,
    ...(input.eventTypes ? { eventTypes: input.eventTypes } : {}),
    ...(input.challengeIds ? { challengeIds: input.challengeIds } : {}),
    status: 'active',
    secret,
    createdBy: { council, sub: ids.sub },
    createdAt: now,
    updatedAt: now,
  };
}

/** The webhook URL's problem (url-safety's, once resolved), if it has one. */
export const urlRefusal = (problem: string | undefined): Refusal | null =>
  problem ? refuse.invalid('The webhook URL is not allowed.', [{ path: 'body.url', message: problem }], 'url_not_allowed') : null;

/** A council already holding `held` subscriptions may add one more only below the limit. */
export const limitRefusal = (held: number): Refusal | null =>
  held >= MAX_SUBSCRIPTIONS_PER_COUNCIL
    ? refuse.conflict('subscription_limit', `A council may hold at most ${MAX_SUBSCRIPTIONS_PER_COUNCIL} subscriptions; delete one first.`)
    : null;

/** Another council's subscription is as absent as a missing one (404). */
export const notYours = (id: string): Refusal => refuse.notFound(`No subscription ${id} belongs to your council.`);

/** Why a replay of a subscription is refused: the replayer's reasons (the checks made before it give the same). */
export type ReplayRefusalReason = Extract<ReplayOutcome, { refused: string }>['refused'];

/** `detail`: what was already done, said first (an enable whose replay of what was missed was refused). */
export function subscriptionRefusal(why: ReplayRefusalReason, id: string, detail = ''): Refusal {
  if (why === 'not_found') return notYours(id);
  return why === 'subscription_disabled'
    ? refuse.conflict(why, `${detail}The subscription is disabled; enable it first (POST /v1/subscriptions/${id}/enable, with {"replayMissed": true} to re-send what it missed).`)
    : refuse.conflict(why, `${detail}A replay of this subscription is still running (see its "replay"); one at a time. Try again when it has ended.`);
}

/** A replay refused before any event is read (the lock the replayer takes after the read is what guarantees it). */
export function replayRefusal(subscription: Pick<SubscriptionRecord, 'id' | 'status' | 'replay'>, now: number): Refusal | null {
  if (subscription.status === 'disabled') return subscriptionRefusal('subscription_disabled', subscription.id);
  return replayRunning(subscription.replay, now) ? subscriptionRefusal('replay_in_progress', subscription.id) : null;
}
