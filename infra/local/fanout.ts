/**
 * The event fan-out of the local hub, wired as infra/hub-stack.ts wires it on AWS but
 * in this process:
 *
 *   table stream --StreamPoller--> publisher handler --PutEvents--> LocalBus
 *   LocalBus --webhookDispatchPattern rule--> dispatch queue --> dispatcher handler
 *   dispatcher --> delivery queue --> deliverer handler --POST--> subscriber
 *
 * The handlers come from the same factories the Lambdas use (shared/fanout/*); only
 * the edges are local: the stream poller for the event source mapping, the local bus
 * for EventBridge, in-process queues for SQS. Cross-account rules are not modelled
 * (there is no other account locally): docs/events.md.
 *
 * Nothing pending is lost when the hub dies: the poller checkpoints each shard after
 * the publisher has handed its events on, and every queue keeps its messages as files
 * in the data dir (`queues/<table>/<queue>/`) until they are consumed, so a restart
 * resumes pending deliveries and waiting retries (at least once: dedupe on webhook-id).
 *
 * Import this module only after the hub has set its environment (TABLE_NAME,
 * DYNAMODB_ENDPOINT, WEBHOOK_URL_POLICY): the handlers read it when they load, as in Lambda.
 */
import { join } from 'node:path';
import { outboxStreamFilter, webhookDispatchPattern } from '../../events/rules';
import { makeDelivererHandler } from '../../shared/fanout/deliverer';
import { localRetrySchedule } from './retry-schedule';
import { makeDispatcherHandler, type SqsHandler } from '../../shared/fanout/dispatcher';
import { makePublisherHandler } from '../../shared/fanout/publisher';
import { IN_PROCESS_QUEUE_SCHEME, registerInProcessQueue } from '../../shared/fanout/queue';
import { publisherStreamSettings } from '../../shared/fanout/stream-settings';
import { localClient } from './dynamodb-local';
import { LocalBus } from './local-bus';
import { LocalQueue } from './local-queue';
import { StreamPoller } from './stream-poller';

export const LOCAL_EVENT_BUS_NAME = 'council-hub';
/** What the subscriptions function is told the delivery queue is (replays go onto it), as deployed it is told the SQS URL. */
export const LOCAL_DELIVERY_QUEUE_URL = `${IN_PROCESS_QUEUE_SCHEME}delivery`;

export interface LocalFanout {
  bus: LocalBus;
  poller: StreamPoller;
  dispatchQueue: LocalQueue;
  deliveryQueue: LocalQueue;
  /** Dead-letter queues: what the deployed alarms watch. */
  publisherDlq: LocalQueue;
  dispatchDlq: LocalQueue;
  deliveryDlq: LocalQueue;
  retrySchedule: readonly number[];
  stop(): Promise<void>;
}

export interface LocalFanoutOptions {
  endpoint: string;
  tableName: string;
  dataDir: string;
  log?: (line: string) => void;
}

export async function startLocalFanout({ endpoint, tableName, dataDir, log }: LocalFanoutOptions): Promise<LocalFanout> {
  const onError = (where: string) => (error: unknown) => log?.(`${where}: ${(error as Error).message}`);
  const schedule = localRetrySchedule();
  const queueDir = (name: string) => join(dataDir, 'queues', tableName, name);

  const publisherDlq = new LocalQueue({ name: 'publisher-dlq', dir: queueDir('publisher-dlq') });
  const dispatchDlq = new LocalQueue({ name: 'dispatch-dlq', dir: queueDir('dispatch-dlq') });
  const deliveryDlq = new LocalQueue({ name: 'delivery-dlq', dir: queueDir('delivery-dlq') });

  // The deliverer sends its retries back onto its own queue, so the handler is made once the queue exists.
  let deliver: SqsHandler | undefined;
  const deliveryQueue = new LocalQueue({
    name: 'delivery',
    dir: queueDir('delivery'),
    // Many at once: one slow endpoint (up to the 15 s timeout) must not hold up the others.
    concurrency: 16,
    deadLetter: deliveryDlq,
    onError: onError('deliverer'),
    handler: (event, context) => deliver!(event, context),
  });
  deliver = makeDelivererHandler({ retries: deliveryQueue, deadLetters: deliveryDlq, schedule, localMode: true });

  const dispatchQueue = new LocalQueue({
    name: 'dispatch',
    dir: queueDir('dispatch'),
    concurrency: 4,
    deadLetter: dispatchDlq,
    onError: onError('dispatcher'),
    handler: makeDispatcherHandler({ deliveries: deliveryQueue }),
  });

  const bus = new LocalBus(LOCAL_EVENT_BUS_NAME, [
    // EventBridge hands an SQS target the whole bus event as the message body.
    { name: 'webhook-dispatch', pattern: webhookDispatchPattern, target: (event) => dispatchQueue.send([{ body: JSON.stringify(event) }]) },
  ]);

  const dynamodb = localClient(endpoint);
  const poller = new StreamPoller({
    dynamodb,
    endpoint,
    tableName,
    handler: makePublisherHandler({ client: bus, eventBusName: LOCAL_EVENT_BUS_NAME }),
    onFailure: publisherDlq,
    filter: outboxStreamFilter,
    ...publisherStreamSettings,
    ...(process.env.HUB_STREAM_POLL_MS ? { pollIntervalMs: Number(process.env.HUB_STREAM_POLL_MS) } : {}),
    checkpointFile: join(dataDir, `stream-checkpoint-${tableName}.json`),
    ...(log ? { log } : {}),
  });
  // The subscriptions function (replays) reaches the delivery queue by URL, as deployed; it loads after this.
  const unregister = registerInProcessQueue(LOCAL_DELIVERY_QUEUE_URL, deliveryQueue);
  process.env.DELIVERY_QUEUE_URL = LOCAL_DELIVERY_QUEUE_URL;
  // What a killed hub left pending, first: then the stream carries on from its checkpoint.
  await Promise.all([publisherDlq, dispatchDlq, deliveryDlq].map((q) => q.restore()));
  const [dispatches, deliveries] = await Promise.all([dispatchQueue.restore(), deliveryQueue.restore()]);
  if (dispatches + deliveries > 0) log?.(`event fan-out: resumed ${dispatches} dispatch(es) and ${deliveries} delivery(ies) left pending by the last run`);
  await poller.start();

  return {
    bus,
    poller,
    dispatchQueue,
    deliveryQueue,
    publisherDlq,
    dispatchDlq,
    deliveryDlq,
    retrySchedule: schedule,
    async stop() {
      // Upstream first, so nothing new arrives at a queue that has stopped.
      await poller.stop();
      await dispatchQueue.stop();
      await deliveryQueue.stop();
      unregister();
      dynamodb.destroy();
    },
  };
}
