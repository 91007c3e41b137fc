/**
 * A stand-in EventBridge for the outbox publisher that fails the way PutEvents
 * fails, seeded. Each call is the final answer after the SDK's own retries:
 *
 *   lostAfterPublish    the entries are on the bus, but the caller gets a network
 *                       error (the response was lost): a retry publishes them twice
 *   partialFailure      some entries answer ErrorCode InternalFailure (not published),
 *                       the rest are published (FailedEntryCount > 0)
 *   throwBeforePublish  ThrottlingException: nothing published
 *   latency             1-10 ms, then every entry published
 *
 * `published` is the bus as a subscriber sees it: every delivery, duplicates included.
 */
import type { PutEventsCommand, PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { seededRandom } from './fault-proxy';

export const PUT_FAULTS = ['lostAfterPublish', 'partialFailure', 'throwBeforePublish', 'latency'] as const;
export type PutFault = (typeof PUT_FAULTS)[number];

export interface FaultyPutEventsOptions {
  seed: number;
  /** Share of calls that get a fault. */
  rate: number;
  /** Relative weights. @default 1 each */
  kinds?: Partial<Record<PutFault, number>>;
}

export class FaultyPutEvents {
  readonly published: Array<{ eventId: string; entry: PutEventsRequestEntry }> = [];
  readonly counts: Record<PutFault, number> & { calls: number; entriesSent: number } = {
    lostAfterPublish: 0, partialFailure: 0, throwBeforePublish: 0, latency: 0, calls: 0, entriesSent: 0,
  };
  private readonly random: () => number;
  private enabled = true;
  private published$ = 0;

  constructor(private readonly options: FaultyPutEventsOptions) {
    this.random = seededRandom(options.seed, 'PutEvents');
  }

  /** Faults off (e.g. to let a test drain). */
  off() {
    this.enabled = false;
  }

  private choose(): PutFault | undefined {
    const hit = this.random() < this.options.rate;
    const pick = this.random();
    if (!hit || !this.enabled) return undefined;
    const weights = PUT_FAULTS.map((k) => [k, this.options.kinds?.[k] ?? 1] as const).filter(([, w]) => w > 0);
    let x = pick * weights.reduce((acc, [, w]) => acc + w, 0);
    for (const [k, w] of weights) if ((x -= w) < 0) return k;
    return weights.at(-1)![0];
  }

  private publish(entry: PutEventsRequestEntry): PutEventsResultEntry {
    const eventId = `bus-${++this.published$}`;
    this.published.push({ eventId, entry });
    return { EventId: eventId };
  }

  async send(command: PutEventsCommand) {
    const entries = command.input.Entries ?? [];
    this.counts.calls++;
    this.counts.entriesSent += entries.length;
    const fault = this.choose();
    if (fault) this.counts[fault]++;
    switch (fault) {
      case 'throwBeforePublish':
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
      case 'lostAfterPublish':
        for (const e of entries) this.publish(e);
        throw Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET', $metadata: {} });
      case 'partialFailure': {
        const answers = entries.map((e) =>
          this.random() < 0.5 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure, try again' } : this.publish(e),
        );
        return { FailedEntryCount: answers.filter((a) => 'ErrorCode' in a).length, Entries: answers };
      }
      case 'latency':
        await new Promise((r) => setTimeout(r, 1 + Math.floor(this.random() * 10)));
        break;
    }
    return { FailedEntryCount: 0, Entries: entries.map((e) => this.publish(e)) };
  }

  /** Published event ids (the hub's event ids, from each entry's Detail), duplicates included. */
  publishedEventIds(): string[] {
    return this.published.map((p) => (JSON.parse(p.entry.Detail!) as { id: string }).id);
  }
}
