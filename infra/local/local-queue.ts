/**
 * An in-memory stand-in for an SQS queue and the Lambda that consumes it, for the
 * local hub. Messages can be held back (delays of any length, to the millisecond),
 * are handed to the consumer in batches as Lambda's SQS event source does, and a
 * message the consumer reports failed (batchItemFailures, or a thrown error) becomes
 * visible again after the visibility timeout, until `maxReceiveCount` receives move it
 * to the dead-letter queue.
 *
 * Everything lives in this process: pending retries are lost when the hub stops
 * (docs/events.md). Deployed, SQS keeps them.
 */
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { OutgoingMessage, QueueSender } from '../../shared/fanout/queue';
import { lambdaContext } from './lambda-context';

export interface LocalQueueOptions {
  name: string;
  /** The consumer (the same handler factory the Lambda runs). None: messages just accumulate, as on a DLQ. */
  handler?: (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse | void>;
  /** @default 10 */
  batchSize?: number;
  /** Consumer invocations running at once, like Lambda's concurrency. @default 4 */
  concurrency?: number;
  /** How long a failed message stays invisible before it is received again. @default 1000 */
  visibilityTimeoutMs?: number;
  /** Receives before a failing message goes to `deadLetter`. @default 5 */
  maxReceiveCount?: number;
  deadLetter?: LocalQueue;
  /** Errors thrown by the consumer (besides failing the batch). */
  onError?: (error: unknown) => void;
}

export interface StoredMessage {
  messageId: string;
  body: string;
  sentAt: number;
  availableAt: number;
  receiveCount: number;
}

export class LocalQueue implements QueueSender {
  readonly name: string;
  private readonly options: Required<Omit<LocalQueueOptions, 'handler' | 'deadLetter' | 'onError'>> & LocalQueueOptions;
  private readonly waiting: StoredMessage[] = [];
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;

  constructor(options: LocalQueueOptions) {
    this.name = options.name;
    this.options = { batchSize: 10, concurrency: 4, visibilityTimeoutMs: 1_000, maxReceiveCount: 5, ...options };
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    const now = Date.now();
    for (const m of messages) {
      this.waiting.push({ messageId: randomUUID(), body: m.body, sentAt: now, availableAt: now + (m.delayMs ?? 0), receiveCount: 0 });
    }
    this.pump();
  }

  /** Messages not yet consumed (for a DLQ: everything it ever received). */
  messages(): readonly StoredMessage[] {
    return [...this.waiting];
  }

  /** Stops receiving, lets running invocations finish; unconsumed messages are dropped with the process. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    const { handler, batchSize, concurrency } = this.options;
    if (this.stopped || !handler) return;
    while (this.running.size < concurrency) {
      const now = Date.now();
      const batch = this.waiting.filter((m) => m.availableAt <= now).slice(0, batchSize);
      if (batch.length === 0) break;
      for (const m of batch) this.waiting.splice(this.waiting.indexOf(m), 1);
      const run = this.invoke(batch).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
    this.wakeAtNextDue();
  }

  private wakeAtNextDue(): void {
    if (this.stopped || this.waiting.length === 0) return;
    // Every consumer slot busy: the first to finish pumps again, no timer needed (or wanted: it would spin).
    if (this.running.size >= this.options.concurrency) return;
    const next = Math.min(...this.waiting.map((m) => m.availableAt));
    if (this.timer && this.timerAt <= next) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, next - Date.now()));
    // A message held for hours must not keep a finished test process alive.
    this.timer.unref();
  }

  private async invoke(batch: StoredMessage[]): Promise<void> {
    for (const m of batch) m.receiveCount++;
    let failed: Set<string>;
    try {
      const response = await this.options.handler!({ Records: batch.map((m) => this.record(m)) }, lambdaContext(this.name, 60_000));
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      this.options.onError?.(error);
      failed = new Set(batch.map((m) => m.messageId));
    }
    const now = Date.now();
    for (const m of batch) {
      if (!failed.has(m.messageId)) continue;
      if (m.receiveCount >= this.options.maxReceiveCount && this.options.deadLetter) {
        await this.options.deadLetter.send([{ body: m.body }]);
      } else {
        this.waiting.push({ ...m, availableAt: now + this.options.visibilityTimeoutMs });
      }
    }
  }

  private record(m: StoredMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: m.messageId,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:local:000000000000:${this.name}`,
      awsRegion: 'local',
    };
  }
}
