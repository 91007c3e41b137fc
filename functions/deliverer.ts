/** Delivery queue -> one signed webhook POST per message; retries go back on the queue, spent ones to its DLQ. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { makeDelivererHandler } from '../shared/fanout/deliverer';
import { requiredEnv } from '../shared/fanout/env';
import { sqsQueue } from '../shared/fanout/queue';
import { retrySchedule } from '../shared/fanout/retry-schedule';

const sqs = new SQSClient({});

export const handler = makeDelivererHandler({
  retries: sqsQueue(sqs, requiredEnv('DELIVERY_QUEUE_URL')),
  deadLetters: sqsQueue(sqs, requiredEnv('DELIVERY_DLQ_URL')),
  // The full Standard Webhooks schedule: deployed, nothing may shorten it (retrySchedule throws if asked to).
  schedule: retrySchedule(),
  localMode: false,
});
