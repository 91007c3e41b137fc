/**
 * The dispatcher: every hub event (from the bus, through the dispatch queue) becomes
 * one delivery message per subscription that wants it, on the delivery queue. From
 * there each subscription's delivery lives and retries on its own, so one slow or
 * failing endpoint never holds up another.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../observability';
import { type DeliveryMessage, eventOfBusMessage } from './messages';
import type { QueueSender } from './queue';
import { matchingSubscriptionIds } from '../store/subscriptions';

export interface DispatcherOptions {
  /** The delivery queue. */
  deliveries: QueueSender;
}

export type SqsHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

export function makeDispatcherHandler({ deliveries }: DispatcherOptions): SqsHandler {
  async function dispatchRecord(record: SQSRecord): Promise<void> {
    const event = eventOfBusMessage(record.body);
    const subscriptionIds = await matchingSubscriptionIds(event);
    const messages = subscriptionIds.map((subscriptionId): DeliveryMessage => ({ subscriptionId, event, attempt: 1 }));
    await deliveries.send(messages.map((m) => ({ body: JSON.stringify(m) })));
    logger.debug('Dispatched', { eventId: event.id, type: event.type, subscriptions: subscriptionIds.length });
  }

  return async function dispatchEvents(event, context) {
    // A processor per invocation: it holds the batch's state, and the local hub may run invocations side by side.
    return processPartialResponse(event, dispatchRecord, new BatchProcessor(EventType.SQS), context ? { context } : {});
  };
}
