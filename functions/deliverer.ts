/** Delivery queue -> one signed webhook POST per message; retries go back on the queue, spent ones to its DLQ. */
import { makeDelivererHandler } from '../shared/fanout/deliverer';
import { requiredEnv } from '../shared/fanout/env';
import { sqsOnFirstSend, sqsQueue } from '../shared/fanout/queue';
import { STANDARD_WEBHOOKS_SCHEDULE_MS } from '../shared/fanout/retry-schedule';

// Only a failed delivery sends (a retry, or the dead letter), so SQS is loaded then, not at init.
const sqs = sqsOnFirstSend();

export const handler = makeDelivererHandler({
  retries: sqsQueue(sqs, requiredEnv('DELIVERY_QUEUE_URL')),
  deadLetters: sqsQueue(sqs, requiredEnv('DELIVERY_DLQ_URL')),
  // The full Standard Webhooks schedule: deployed, no setting shortens it (only the local hub's can, for tests).
  schedule: STANDARD_WEBHOOKS_SCHEDULE_MS,
  localMode: false,
});
