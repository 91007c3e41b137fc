/**
 * The one thing the dispatcher and the deliverer need of a queue: to send messages,
 * some of them held back. Deployed that is SQS (`sqsQueue`); the local hub supplies an
 * in-process queue with the same delays (infra/local/local-queue.ts).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { MAX_QUEUE_DELAY_MS } from './retry-schedule';

export interface OutgoingMessage {
  body: string;
  /** Hold the message back this long (at most 15 minutes, SQS's limit). */
  delayMs?: number;
}

export interface QueueSender {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

/** The SQS SDK, loaded on first use (see sqsOnFirstSend). */
const sqsSdk = () => import('@aws-sdk/client-sqs');

const SQS_BATCH = 10;
const MAX_SEND_ATTEMPTS = 3;

/**
 * SQS, ten messages a call. DelaySeconds is whole seconds, rounded up, so a message
 * never arrives before it is due (the deliverer checks `notBefore` anyway). Entries
 * a batch call reports failed are sent again; any still failing fail the send.
 */
export function sqsQueue(client: Pick<SQSClient, 'send'>, queueUrl: string): QueueSender {
  return {
    async send(messages) {
      const { SendMessageBatchCommand } = await sqsSdk();
      for (let start = 0; start < messages.length; start += SQS_BATCH) {
        let entries = messages.slice(start, start + SQS_BATCH).map((m, i) => ({
          Id: String(i),
          MessageBody: m.body,
          ...(m.delayMs ? { DelaySeconds: Math.min(MAX_QUEUE_DELAY_MS / 1000, Math.ceil(m.delayMs / 1000)) } : {}),
        }));
        for (let attempt = 1; entries.length > 0; attempt++) {
          const { Failed = [] } = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
          const failedIds = new Set(Failed.map((f) => f.Id));
          entries = entries.filter((e) => failedIds.has(e.Id));
          if (entries.length > 0 && attempt >= MAX_SEND_ATTEMPTS) {
            throw new Error(`SQS refused ${entries.length} message(s) for ${queueUrl}: ${Failed.map((f) => `${f.Code} ${f.Message ?? ''}`).join('; ')}`);
          }
        }
      }
    },
  };
}

/**
 * An SQS client made on the first send, the SQS SDK loaded only then (about 30 ms of a cold
 * start's CPU, issue 13): for a function that sends only now and then, a replay or a retry.
 */
export function sqsOnFirstSend(): Pick<SQSClient, 'send'> {
  let client: Promise<SQSClient> | undefined;
  const made = () => (client ??= sqsSdk().then(({ SQSClient }) => new SQSClient({})));
  return { send: async (command: Parameters<SQSClient['send']>[0]) => (await made()).send(command) } as Pick<SQSClient, 'send'>;
}

/** Queue URLs of this scheme name a queue in this process (the local hub's), not an SQS queue. */
export const IN_PROCESS_QUEUE_SCHEME = 'local:';
const inProcessQueues = new Map<string, QueueSender>();

/**
 * The local hub registers its in-process queues under `local:<name>` URLs, so a
 * function that only knows a queue URL from its environment (as deployed) reaches
 * the same queue the local consumers read. Returns the unregistration.
 */
export function registerInProcessQueue(url: string, queue: QueueSender): () => void {
  if (!url.startsWith(IN_PROCESS_QUEUE_SCHEME)) throw new Error(`An in-process queue URL starts with ${IN_PROCESS_QUEUE_SCHEME}, got ${url}`);
  inProcessQueues.set(url, queue);
  return () => {
    if (inProcessQueues.get(url) === queue) inProcessQueues.delete(url);
  };
}

/** The queue at `url`: SQS (the client made on first use), or a local hub's in-process queue. */
export function queueAt(url: string, sqs: () => Pick<SQSClient, 'send'>): QueueSender {
  if (url.startsWith(IN_PROCESS_QUEUE_SCHEME)) {
    return {
      // Looked up at each send: a later local hub in the same process replaces an earlier one.
      send(messages) {
        const queue = inProcessQueues.get(url);
        if (!queue) throw new Error(`No in-process queue is registered at ${url}`);
        return queue.send(messages);
      },
    };
  }
  let sender: QueueSender | undefined;
  return { send: (messages) => (sender ??= sqsQueue(sqs(), url)).send(messages) };
}
