/**
 * An in-memory stand-in for an SQS queue and the Lambda that consumes it, for the
 * local hub. Messages can be held back (delays of any length, to the millisecond),
 * are handed to the consumer in batches as Lambda's SQS event source does, and a
 * message the consumer reports failed (batchItemFailures, or a thrown error) becomes
 * visible again after the visibility timeout, until `maxReceiveCount` receives move it
 * to the dead-letter queue.
 *
 * With `dir`, every message is also a file there (written before `send` resolves,
 * removed once consumed, rewritten when it is held back again), and `restore()` loads
 * them: a hub killed mid-burst resumes its pending deliveries and waiting retries, at
 * their times, on the next start, as SQS would keep them. A message being handled when
 * the process died is handled again (at least once). Files survive a killed process,
 * not a lost disk: no fsync, this is a laptop's queue.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  /** Keep messages as files here, so they outlive the process (call `restore()` on start). None: memory only. */
  dir?: string;
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
  private readonly options: Required<Omit<LocalQueueOptions, 'handler' | 'deadLetter' | 'onError' | 'dir'>> & LocalQueueOptions;
  private readonly waiting: StoredMessage[] = [];
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private dirReady: Promise<unknown> | undefined;

  constructor(options: LocalQueueOptions) {
    this.name = options.name;
    this.options = { batchSize: 10, concurrency: 4, visibilityTimeoutMs: 1_000, maxReceiveCount: 5, ...options };
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    const now = Date.now();
    const stored = messages.map((m) => ({ messageId: randomUUID(), body: m.body, sentAt: now, availableAt: now + (m.delayMs ?? 0), receiveCount: 0 }));
    // On disk before the sender hears "sent": the sender may then forget it (a checkpoint, a consumed message).
    await Promise.all(stored.map((m) => this.persist(m)));
    this.waiting.push(...stored);
    this.pump();
  }

  /** Loads the messages a previous process left in `dir` (none without one) and starts on them; how many. */
  async restore(): Promise<number> {
    const { dir } = this.options;
    if (!dir) return 0;
    await mkdir(dir, { recursive: true });
    const known = new Set(this.waiting.map((m) => m.messageId));
    let restored = 0;
    for (const name of await readdir(dir)) {
      const file = join(dir, name);
      // A write cut short by the kill: its rename never happened, so the message was never "sent".
      if (name.endsWith('.tmp')) {
        await unlink(file).catch(() => undefined);
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const m = JSON.parse(await readFile(file, 'utf8')) as StoredMessage;
        if (known.has(m.messageId)) continue;
        this.waiting.push(m);
        restored++;
      } catch {
        // Unreadable: set aside rather than retried for ever or silently deleted.
        await rename(file, `${file}.unreadable`).catch(() => undefined);
      }
    }
    this.pump();
    return restored;
  }

  /** Messages not yet consumed (for a DLQ: everything it ever received). */
  messages(): readonly StoredMessage[] {
    return [...this.waiting];
  }

  /** Stops receiving, lets running invocations finish; unconsumed messages stay in `dir` (without one, they go with the process). */
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
      const run = this.invoke(batch)
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
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
      if (!failed.has(m.messageId)) {
        await this.forget(m);
      } else if (m.receiveCount >= this.options.maxReceiveCount && this.options.deadLetter) {
        await this.options.deadLetter.send([{ body: m.body }]);
        await this.forget(m);
      } else {
        const again = { ...m, availableAt: now + this.options.visibilityTimeoutMs };
        await this.persist(again);
        this.waiting.push(again);
      }
    }
  }

  private fileOf(m: StoredMessage): string | undefined {
    return this.options.dir ? join(this.options.dir, `${m.messageId}.json`) : undefined;
  }

  /** Write then rename: a kill mid-write never leaves half a message. */
  private async persist(m: StoredMessage): Promise<void> {
    const file = this.fileOf(m);
    if (!file) return;
    this.dirReady ??= mkdir(this.options.dir!, { recursive: true });
    await this.dirReady;
    await writeFile(`${file}.tmp`, JSON.stringify(m));
    await rename(`${file}.tmp`, file);
  }

  private async forget(m: StoredMessage): Promise<void> {
    const file = this.fileOf(m);
    if (file) await unlink(file).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
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
