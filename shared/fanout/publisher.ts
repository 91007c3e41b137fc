/**
 * The outbox publisher: event items arriving on the table's stream go onto the hub's
 * EventBridge bus (source `council-hub`, detail-type = the event type, detail = the event).
 *
 * One handler, two buses: deployed, functions/publisher.ts hands it the AWS SDK's
 * EventBridgeClient; the local hub hands it its in-process bus, which answers
 * PutEvents the same way (infra/local/local-bus.ts). Either way:
 * - records are processed by Powertools' BatchProcessor, so a record that cannot be
 *   published is reported as a batch item failure and never fails its neighbours;
 *   the event source mapping retries from it (bounded, bisecting) and then sends it
 *   to the publisher's dead-letter queue;
 * - entries are sent in PutEvents calls of up to 10, and only the entries a partial
 *   failure names are sent again, with backoff, a few times before giving up on them.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { PutEventsCommandOutput, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { HUB_EVENT_SOURCE } from '../../events/rules';
import { logger } from '../observability';
import { KIND } from '../store/keys';
import { type EventEnvelope, eventEnvelope } from '../schemas/events';

/** What the publisher needs of a bus client: EventBridgeClient and the local bus both fit. */
export interface PutEventsClient {
  send(command: PutEventsCommand): Promise<Pick<PutEventsCommandOutput, 'Entries' | 'FailedEntryCount'>>;
}

export interface PublisherOptions {
  client: PutEventsClient;
  eventBusName: string;
  /** Sends of one entry before its record is reported failed. @default 4 */
  maxPutAttempts?: number;
  /** Waits between sends (tests shorten it). @default full jitter on 50 ms doubling, at most 1 s */
  backoffMs?: (attempt: number) => number;
}

/** PutEvents takes at most 10 entries and 256 KB per call. */
const MAX_ENTRIES_PER_CALL = 10;
const MAX_BYTES_PER_CALL = 256 * 1024;

/** A record that can never be published as it is (no image, not an event): retrying cannot help. */
export class PoisonRecordError extends Error {
  override name = 'PoisonRecordError';
}

/** An outbox item: the event, and the API request id of the write that made it (the correlation id, docs/events.md). */
export interface OutboxedEvent {
  event: EventEnvelope;
  correlationId: string | undefined;
}

/** What a stream record carries; undefined for items that are not events (the stream filter keeps those out). */
export function outboxedEvent(record: DynamoDBRecord): OutboxedEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (!image) throw new PoisonRecordError(`Stream record ${record.dynamodb?.SequenceNumber} has no new image`);
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (item.kind !== KIND.event) return undefined;
  const parsed = eventEnvelope.safeParse(item.event);
  if (!parsed.success) {
    throw new PoisonRecordError(`Item ${item.PK} ${item.SK} is not a valid event: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  return { event: parsed.data, correlationId: typeof item.requestId === 'string' ? item.requestId : undefined };
}

export const eventOfRecord = (record: DynamoDBRecord): EventEnvelope | undefined => outboxedEvent(record)?.event;

export function busEntry(event: EventEnvelope, eventBusName: string): PutEventsRequestEntry {
  return {
    EventBusName: eventBusName,
    Source: HUB_EVENT_SOURCE,
    DetailType: event.type,
    Detail: JSON.stringify(event),
    Time: new Date(event.occurredAt),
  };
}

/** EventBridge's size of an entry: the UTF-8 bytes of its text fields, plus 14 for Time. */
const entrySize = (e: PutEventsRequestEntry) =>
  Buffer.byteLength(e.Source ?? '') + Buffer.byteLength(e.DetailType ?? '') + Buffer.byteLength(e.Detail ?? '') + (e.Time ? 14 : 0);

const fullJitter = (attempt: number) => Math.random() * Math.min(1_000, 50 * 2 ** attempt);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Pending {
  entry: PutEventsRequestEntry;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Collects the entries the record handlers of one batch add (Powertools calls them
 * all in the same turn), then sends them in as few PutEvents calls as the limits allow.
 */
class EntryBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly options: Required<PublisherOptions>) {}

  add(entry: PutEventsRequestEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      if (entrySize(entry) > MAX_BYTES_PER_CALL) {
        return reject(new PoisonRecordError(`Event ${entry.DetailType} is larger than EventBridge's 256 KB limit`));
      }
      this.pending.push({ entry, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const all = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (const chunk of chunks(all)) await this.sendWithRetries(chunk);
  }

  /** Sends a chunk; then sends again only what failed, until it all succeeded or attempts run out. */
  private async sendWithRetries(chunk: Pending[]): Promise<void> {
    let remaining = chunk;
    let lastFailure = new Map<Pending, string>();
    for (let attempt = 1; remaining.length > 0 && attempt <= this.options.maxPutAttempts; attempt++) {
      if (attempt > 1) await sleep(this.options.backoffMs(attempt - 1));
      lastFailure = new Map();
      try {
        const result = await this.options.client.send(new PutEventsCommand({ Entries: remaining.map((p) => p.entry) }));
        // Entries answer in request order; a failed one has an ErrorCode (and no EventId).
        remaining.forEach((p, i) => {
          const answer = result.Entries?.[i];
          if (answer?.ErrorCode || !answer?.EventId) lastFailure.set(p, `${answer?.ErrorCode ?? 'NoEventId'}: ${answer?.ErrorMessage ?? 'no event id returned'}`);
          else p.resolve();
        });
      } catch (error) {
        // The whole call failed (after the SDK's own retries): every entry in it is still to send.
        for (const p of remaining) lastFailure.set(p, (error as Error).message);
      }
      remaining = remaining.filter((p) => lastFailure.has(p));
    }
    for (const p of remaining) {
      p.reject(new Error(`PutEvents failed ${this.options.maxPutAttempts} times for event ${p.entry.DetailType}: ${lastFailure.get(p)}`));
    }
  }
}

function* chunks(all: Pending[]): Generator<Pending[]> {
  let chunk: Pending[] = [];
  let bytes = 0;
  for (const p of all) {
    const size = entrySize(p.entry);
    if (chunk.length === MAX_ENTRIES_PER_CALL || bytes + size > MAX_BYTES_PER_CALL) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(p);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

export type PublisherHandler = (event: DynamoDBStreamEvent, context?: Context) => Promise<DynamoDBBatchResponse>;

export function makePublisherHandler(options: PublisherOptions): PublisherHandler {
  const settings: Required<PublisherOptions> = { maxPutAttempts: 4, backoffMs: fullJitter, ...options };
  return async function publishEvents(event, context) {
    // A processor per invocation: it keeps the batch's state, and the local hub may run invocations side by side.
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    const batcher = new EntryBatcher(settings);
    return processPartialResponse(
      event,
      async (record: DynamoDBRecord) => {
        const outboxed = outboxedEvent(record);
        if (!outboxed) return;
        const { event: hubEvent, correlationId } = outboxed;
        const about = { eventId: hubEvent.id, type: hubEvent.type, challengeId: hubEvent.challengeId, seq: hubEvent.seq, correlationId };
        try {
          await batcher.add(busEntry(hubEvent, settings.eventBusName));
        } catch (error) {
          logger.warn('Event not published: its record is reported failed', { ...about, error: error as Error });
          throw error;
        }
        logger.info('Event published', about);
      },
      processor,
      context ? { context } : {},
    );
  };
}
