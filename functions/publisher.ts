/**
 * Table stream (event items only, by the mapping's filter) -> the hub's EventBridge bus.
 * The event source mapping reports batch item failures, bisects, retries a bounded
 * number of times and then sends the batch's details to the publisher DLQ (infra).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { makePublisherHandler } from '../shared/fanout/publisher';
import { requiredEnv } from '../shared/fanout/env';

const client = new EventBridgeClient({});

export const handler = makePublisherHandler({ client, eventBusName: requiredEnv('EVENT_BUS_NAME') });
