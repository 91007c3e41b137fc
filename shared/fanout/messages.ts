/**
 * The messages between the fan-out's queues. Validated on the way in, so a malformed
 * message fails (and is retried, then dead-lettered) instead of half-working.
 */
import { isoDateTime, ulid } from '../schemas/common';
import { type EventEnvelope, eventEnvelope } from '../schemas/events';
import * as z from '../schemas/zod';

/** What EventBridge puts on the dispatch queue: the bus event, the hub event as its detail. */
const busMessage = z.object({ source: z.string(), 'detail-type': z.string(), detail: eventEnvelope });

export function eventOfBusMessage(body: string): EventEnvelope {
  return busMessage.parse(JSON.parse(body)).detail;
}

/** One delivery of one event to one subscription; `attempt` counts from 1. */
export const deliveryMessage = z.object({
  subscriptionId: ulid,
  event: eventEnvelope,
  attempt: z.int().check(z.gte(1)),
  /** Not to be tried before this time: waits longer than a queue delay hop until it passes. */
  notBefore: z.optional(isoDateTime),
  /** Set when the delivery re-sends an event for a replay (replay.ts): the log marks its attempts with it. */
  replayId: z.optional(ulid),
  /**
   * What the deliverer logs as `correlationId` (docs/events.md): the API request id of the
   * write that made the event; for a replay, the replay request's. Optional: messages
   * queued before it existed still deliver.
   */
  correlationId: z.optional(z.string().check(z.minLength(1))),
  /** A replayed delivery's: the API request id of the write that made the event. */
  originalCorrelationId: z.optional(z.string().check(z.minLength(1))),
});
export type DeliveryMessage = z.infer<typeof deliveryMessage>;

/** What lands on the delivery dead-letter queue when the retries are spent. */
export interface DeadDelivery extends DeliveryMessage {
  failedAt: string;
  lastStatusCode?: number;
  lastError?: string;
}
