/**
 * The local hub's stand-in for Lambda's DynamoDB stream event source mapping: it reads
 * DynamoDB Local's stream (DescribeStream, GetShardIterator, GetRecords, following
 * shards parent before child), turns the records into the DynamoDBStreamEvent Lambda
 * would send, applies the same filter (events/rules.ts `outboxStreamFilter`) and calls
 * the same publisher handler, with the same failure handling, modelled on Lambda's:
 * - batch item failures: the batch is retried from the first failed record;
 * - bisect on error: a failing batch is split in two and each half retried on its own;
 * - bounded retries: when they are spent, a record of the failed batch (shard and
 *   sequence numbers, as Lambda's on-failure destination gets) goes to the DLQ and the
 *   shard moves on, so one poison record never blocks the ones behind it.
 *
 * Progress is checkpointed per shard in the data dir, so `npm start` after a stop
 * carries on where it was instead of publishing everything again (or nothing). DynamoDB
 * Local keeps its stream (same ARN, shard ids and sequence numbers) across a restart on
 * the same data dir, so AFTER_SEQUENCE_NUMBER resumes exactly. A checkpoint is written
 * only after the publisher has handed the batch on (locally: to a queue that keeps it on
 * disk), so a kill in between publishes those records again: at least once, never lost.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type EventPattern, matchesFilter } from '../../events/match';
import type { PublisherHandler } from '../../shared/fanout/publisher';
import type { QueueSender } from '../../shared/fanout/queue';
import { LOCAL_AWS_ENV } from './dynamodb-local';
import { lambdaContext } from './lambda-context';

export interface StreamPollerOptions {
  /** DynamoDB Local, whose endpoint also serves the Streams API. */
  dynamodb: DynamoDBClient;
  endpoint: string;
  tableName: string;
  handler: PublisherHandler;
  /** Where a batch whose retries are spent is reported (the publisher DLQ). */
  onFailure: QueueSender;
  filter: EventPattern;
  batchSize: number;
  retryAttempts: number;
  bisectBatchOnError: boolean;
  /** Wait between polls of an idle stream. @default 50 */
  pollIntervalMs?: number;
  /** Wait before retry n of a failed batch. @default 100 ms doubling, at most 1 s */
  retryBackoffMs?: (retry: number) => number;
  /** JSON file keeping the last sequence number handled per shard. None: start at the trim horizon. */
  checkpointFile?: string;
  log?: (line: string) => void;
}

interface ShardState {
  id: string;
  parentId: string | undefined;
  iterator: string | undefined;
  /** The last record handled (published, or given up on into the DLQ). */
  checkpoint: string | undefined;
  closed: boolean;
}

const SHARD_REFRESH_MS = 2_000;

export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private readonly shards = new Map<string, ShardState>();
  private streamArn = '';
  private lastRefresh = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly pollIntervalMs: number;
  private readonly retryBackoffMs: (retry: number) => number;
  /** Batches handed to the publisher, and records given up on: the tests and the bench read these. */
  readonly stats = { invocations: 0, recordsPublished: 0, recordsDeadLettered: 0 };

  constructor(private readonly options: StreamPollerOptions) {
    this.streams = new DynamoDBStreamsClient({
      endpoint: options.endpoint,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
      maxAttempts: 3,
    });
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.retryBackoffMs = options.retryBackoffMs ?? ((retry) => Math.min(1_000, 100 * 2 ** (retry - 1)));
  }

  /** Finds the stream and its shards, then polls in the background until `stop()`. */
  async start(): Promise<void> {
    const { Table } = await this.options.dynamodb.send(new DescribeTableCommand({ TableName: this.options.tableName }));
    if (!Table?.LatestStreamArn) throw new Error(`Table ${this.options.tableName} has no stream`);
    this.streamArn = Table.LatestStreamArn;
    const saved = await this.readCheckpoints();
    await this.refreshShards(saved);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.streams.destroy();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let busy = false;
      try {
        if (Date.now() - this.lastRefresh > SHARD_REFRESH_MS) await this.refreshShards();
        busy = await this.pollShards();
      } catch (error) {
        if (this.stopped) break;
        this.options.log?.(`stream poller: ${(error as Error).message}; retrying`);
        await this.sleep(1_000);
      }
      if (!busy) await this.sleep(this.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Adds shards the stream has opened since the last look (DescribeStream pages through them). */
  private async refreshShards(saved: Record<string, string> = {}): Promise<void> {
    const found: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }));
      found.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const shard of found) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      this.shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        iterator: undefined,
        checkpoint: saved[shard.ShardId],
        closed: false,
      });
    }
    this.lastRefresh = Date.now();
  }

  /** A child shard waits until its parent is read to the end, so a challenge's events keep their order. */
  private readable(shard: ShardState): boolean {
    if (shard.closed) return false;
    const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
    return !parent || parent.closed;
  }

  /** One GetRecords per readable shard; true when any returned records. */
  private async pollShards(): Promise<boolean> {
    let busy = false;
    for (const shard of this.shards.values()) {
      if (this.stopped) break;
      if (!this.readable(shard)) continue;
      shard.iterator ??= await this.iteratorFor(shard);
      let page;
      try {
        page = await this.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: this.options.batchSize }));
      } catch (error) {
        // An old iterator, or records trimmed under it: start again from the checkpoint.
        if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
          shard.iterator = undefined;
          continue;
        }
        throw error;
      }
      const records = page.Records ?? [];
      if (records.length > 0) {
        busy = true;
        // Stopped mid-retry: keep the checkpoint where it was, so the next start tries these again.
        if (!(await this.handle(records, shard.id))) break;
        shard.checkpoint = records.at(-1)!.dynamodb?.SequenceNumber ?? shard.checkpoint;
        await this.saveCheckpoints();
      }
      shard.iterator = page.NextShardIterator;
      if (!shard.iterator) {
        // Closed and read to the end: its children may start.
        shard.closed = true;
        this.lastRefresh = 0;
      }
    }
    return busy;
  }

  private async iteratorFor(shard: ShardState): Promise<string> {
    const at = (checkpoint: string | undefined) =>
      this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shard.id,
          ...(checkpoint ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
    let found;
    try {
      found = await at(shard.checkpoint);
    } catch (error) {
      // The checkpoint itself was trimmed (a hub stopped for longer than the stream keeps records):
      // the oldest record kept is the nearest to it; retrying the checkpoint would never succeed.
      if (!(error instanceof TrimmedDataAccessException) || !shard.checkpoint) throw error;
      this.options.log?.(`stream poller: checkpoint ${shard.checkpoint} of ${shard.id} is past the stream's retention; starting at its trim horizon`);
      shard.checkpoint = undefined;
      found = await at(undefined);
    }
    if (!found.ShardIterator) throw new Error(`No iterator for shard ${shard.id}`);
    return found.ShardIterator;
  }

  /** False when the poller stopped before the records were done with. */
  private async handle(records: _Record[], shardId: string): Promise<boolean> {
    const batch = records.map((r) => this.asLambdaRecord(r)).filter((r) => matchesFilter(this.options.filter, r));
    if (batch.length > 0) await this.invoke(batch, 0, shardId);
    return !this.stopped;
  }

  /**
   * Lambda's failure handling, modelled: retry from the first failed record; with
   * bisect, split what failed and retry the halves (splitting does not use up
   * retries); with retries spent, report the batch to the DLQ and move on.
   */
  private async invoke(batch: DynamoDBRecord[], retry: number, shardId: string): Promise<void> {
    let failedFrom: number;
    let reason: string;
    this.stats.invocations++;
    try {
      const { batchItemFailures } = await this.options.handler({ Records: batch } satisfies DynamoDBStreamEvent, lambdaContext('publisher', 60_000));
      if (batchItemFailures.length === 0) {
        this.stats.recordsPublished += batch.length;
        return;
      }
      const failedAt = batchItemFailures.map((f) => batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier));
      // An identifier not in the batch makes Lambda treat the whole batch as failed.
      failedFrom = failedAt.includes(-1) ? 0 : Math.min(...failedAt);
      reason = `${batchItemFailures.length} record(s) reported failed`;
    } catch (error) {
      failedFrom = 0;
      reason = (error as Error).message;
    }
    this.stats.recordsPublished += failedFrom;
    const rest = batch.slice(failedFrom);
    if (this.options.bisectBatchOnError && rest.length > 1) {
      const half = Math.ceil(rest.length / 2);
      await this.invoke(rest.slice(0, half), retry, shardId);
      await this.invoke(rest.slice(half), retry, shardId);
      return;
    }
    if (retry >= this.options.retryAttempts) {
      await this.deadLetter(rest, retry, reason, shardId);
      return;
    }
    await this.sleep(this.retryBackoffMs(retry + 1));
    if (this.stopped) return;
    await this.invoke(rest, retry + 1, shardId);
  }

  /** The shape of Lambda's on-failure record for a stream source: where the batch was, not its contents. */
  private async deadLetter(batch: DynamoDBRecord[], retries: number, reason: string, shardId: string): Promise<void> {
    const first = batch[0]!;
    const last = batch.at(-1)!;
    this.stats.recordsDeadLettered += batch.length;
    this.options.log?.(`stream poller: ${batch.length} record(s) to the publisher DLQ after ${retries} retries: ${reason}`);
    await this.options.onFailure.send([
      {
        body: JSON.stringify({
          requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: retries + 1, functionArn: 'local:council-hub-publisher' },
          responseContext: { functionError: reason },
          version: '1.0',
          timestamp: new Date().toISOString(),
          DDBStreamBatchInfo: {
            shardId,
            startSequenceNumber: first.dynamodb?.SequenceNumber,
            endSequenceNumber: last.dynamodb?.SequenceNumber,
            approximateArrivalOfFirstRecord: new Date((first.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString(),
            approximateArrivalOfLastRecord: new Date((last.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString(),
            batchSize: batch.length,
            streamArn: this.streamArn,
          },
        }),
      },
    ]);
  }

  /** The SDK's record as Lambda delivers it: same attribute-value JSON, times in epoch seconds. */
  private asLambdaRecord(r: _Record): DynamoDBRecord {
    const d = r.dynamodb ?? {};
    return {
      eventID: r.eventID,
      eventName: r.eventName as DynamoDBRecord['eventName'],
      eventVersion: r.eventVersion,
      eventSource: 'aws:dynamodb',
      awsRegion: r.awsRegion,
      eventSourceARN: this.streamArn,
      dynamodb: {
        ...(d.ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) } : {}),
        Keys: d.Keys as never,
        ...(d.NewImage ? { NewImage: d.NewImage as never } : {}),
        SequenceNumber: d.SequenceNumber,
        SizeBytes: d.SizeBytes,
        StreamViewType: d.StreamViewType as never,
      },
    } as DynamoDBRecord;
  }

  private async readCheckpoints(): Promise<Record<string, string>> {
    if (!this.options.checkpointFile) return {};
    try {
      const saved = JSON.parse(await readFile(this.options.checkpointFile, 'utf8')) as { streamArn?: string; shards?: Record<string, string> };
      // A checkpoint of another stream (the table was re-created) means nothing here.
      return saved.streamArn === this.streamArn ? (saved.shards ?? {}) : {};
    } catch {
      return {};
    }
  }

  private async saveCheckpoints(): Promise<void> {
    const file = this.options.checkpointFile;
    if (!file) return;
    const shards = Object.fromEntries([...this.shards.values()].filter((s) => s.checkpoint).map((s) => [s.id, s.checkpoint]));
    // Write then rename: a crash mid-write never leaves a half-written checkpoint.
    await writeFile(`${file}.tmp`, JSON.stringify({ streamArn: this.streamArn, shards }));
    await rename(`${file}.tmp`, file);
  }
}
