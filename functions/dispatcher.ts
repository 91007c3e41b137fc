/** Dispatch queue (fed by the bus rule for every hub event) -> one delivery message per matching subscription. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { makeDispatcherHandler } from '../shared/fanout/dispatcher';
import { requiredEnv } from '../shared/fanout/env';
import { sqsQueue } from '../shared/fanout/queue';

const sqs = new SQSClient({});

export const handler = makeDispatcherHandler({ deliveries: sqsQueue(sqs, requiredEnv('DELIVERY_QUEUE_URL')) });
