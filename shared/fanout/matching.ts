/**
 * Which subscriptions an event goes to. Pure: the dispatcher's Query (by council, on
 * GSI1) narrows the candidates; this decides, and the deliverer asks again before it
 * sends, so a subscription changed in between never receives what it should not.
 */
import type { EventEnvelope } from '../schemas/events';

export interface SubscriptionFilter {
  council: string;
  status: 'active' | 'disabled';
  eventTypes?: readonly string[] | undefined;
  challengeIds?: readonly string[] | undefined;
}

/**
 * The audience is the hard rule (a council only ever receives the events it is
 * entitled to see); event types and challenges only narrow further.
 */
export function subscriptionWants(subscription: SubscriptionFilter, event: Pick<EventEnvelope, 'type' | 'challengeId' | 'audience'>): boolean {
  return (
    subscription.status === 'active' &&
    event.audience.includes(subscription.council) &&
    (subscription.eventTypes === undefined || subscription.eventTypes.includes(event.type)) &&
    (subscription.challengeIds === undefined || subscription.challengeIds.includes(event.challengeId))
  );
}
