/** Dispatch queue (fed by the bus rule for every hub event) -> one delivery message per matching subscription. */
import { makeDispatcherHandler } from '../shared/fanout/dispatcher';
import { requiredEnv } from '../shared/fanout/env';
import { sqsOnFirstSend, sqsQueue } from '../shared/fanout/queue';

// Only an event some subscription matches is sent on, so SQS is loaded then, not at init.
export const handler = makeDispatcherHandler({ deliveries: sqsQueue(sqsOnFirstSend(), requiredEnv('DELIVERY_QUEUE_URL')) });
