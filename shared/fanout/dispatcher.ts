/**
 * The dispatcher: every hub event (from the bus, through the dispatch queue) becomes
 * one delivery message per subscription that wants it, on the delivery queue. From
 * there each subscription's delivery lives and retries on its own, so one slow or
 * failing endpoint never holds up another.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../observability';
import type { EventEnvelope } from '../schemas/events';
import { batchGet } from '../store/challenges';
import { keys } from '../store/keys';
import { type DeliveryMessage, eventOfBusMessage } from './messages';
import type { QueueSender } from './queue';
import { matchingSubscriptionIds } from '../store/subscriptions';

export interface DispatcherOptions {
  /** The delivery queue. */
  deliveries: QueueSender;
}

export type SqsHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * The correlation ids of the batch's events, by event id: the API request id each
 * write stored on its event items (store/write.ts). The bus carries only the public
 * event, so they are read back, one BatchGet for the batch (keys deduplicated, as
 * BatchGet requires). Best effort: an event is dispatched without one rather than held up.
 */
async function correlationIds(records: readonly SQSRecord[]): Promise<Map<string, string>> {
  const keyOf = ({ PK, SK }: Record<string, unknown>) => `${PK} ${SK}`;
  const wanted = new Map<string, EventEnvelope>();
  for (const record of records) {
    try {
      const event = eventOfBusMessage(record.body);
      wanted.set(keyOf(keys.event(event.challengeId, event.seq)), event);
    } catch {
      // Not an event: its own dispatch fails it.
    }
  }
  const found = new Map<string, string>();
  if (wanted.size === 0) return found;
  try {
    const items = await batchGet([...wanted.values()].map((e) => keys.event(e.challengeId, e.seq)), ['PK', 'SK', 'requestId']);
    for (const item of items) {
      const event = wanted.get(keyOf(item));
      if (event && typeof item.requestId === 'string') found.set(event.id, item.requestId);
    }
  } catch (error) {
    logger.warn('Correlation ids not read: the batch is dispatched without them', { error: error as Error });
  }
  return found;
}

export function makeDispatcherHandler({ deliveries }: DispatcherOptions): SqsHandler {
  async function dispatchRecord(record: SQSRecord, correlationIdOf: () => Promise<Map<string, string>>): Promise<void> {
    const event = eventOfBusMessage(record.body);
    const subscriptionIds = await matchingSubscriptionIds(event);
    // Nothing to deliver, nothing to carry the id to (the publisher's line has it).
    if (subscriptionIds.length === 0) return logger.debug('Event dispatched to no subscription', { eventId: event.id, type: event.type });
    const correlationId = (await correlationIdOf()).get(event.id);
    const messages = subscriptionIds.map((subscriptionId): DeliveryMessage => ({ subscriptionId, event, attempt: 1, ...(correlationId ? { correlationId } : {}) }));
    await deliveries.send(messages.map((m) => ({ body: JSON.stringify(m) })));
    logger.info('Event dispatched', { eventId: event.id, type: event.type, subscriptions: subscriptionIds.length, correlationId });
  }

  return async function dispatchEvents(event, context) {
    // Read once for the batch, when the first of its events with a subscriber asks: a batch nobody subscribed to reads nothing.
    let read: Promise<Map<string, string>> | undefined;
    const correlationIdOf = () => (read ??= correlationIds(event.Records));
    // A processor per invocation: it holds the batch's state, and the local hub may run invocations side by side.
    return processPartialResponse(event, (record: SQSRecord) => dispatchRecord(record, correlationIdOf), new BatchProcessor(EventType.SQS), context ? { context } : {});
  };
}
