/**
 * One challenge's local mirror, as a council's system would keep it: the challenge's
 * events in `seq` order, each once, in a JSON Lines file (`<dir>/<challengeId>.jsonl`)
 * that survives restarts. Only node built-ins: copy it as it is.
 *
 * Webhooks arrive at least once and in no guaranteed order, so an event is either
 * - already here (its id is known, or its seq is covered): a duplicate, ignored;
 * - the next one (seq = cursor + 1): appended, with any held events that now follow;
 * - further on: held, and the gap before it is for the pull feed to fill (`fill`).
 *
 * `cursor` is how far the mirror is complete: the last seq appended, or the feed's
 * `next` (the last seq it examined) when the feed says there is nothing in between.
 */
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The fields of a hub event the mirror relies on (the whole event is kept). */
export interface MirroredEvent {
  id: string;
  challengeId: string;
  seq: number;
  [field: string]: unknown;
}

export class ChallengeMirror {
  private readonly ids = new Set<string>();
  private readonly held = new Map<number, MirroredEvent>();
  private tail: Promise<unknown> = Promise.resolve();
  private constructor(
    readonly challengeId: string,
    readonly file: string,
    private last: number,
  ) {}

  /** Opens (creating it, so a restart knows the challenge) or reloads the mirror. A line cut short by a crash is dropped. */
  static async load(dir: string, challengeId: string): Promise<ChallengeMirror> {
    if (!/^[0-9A-Z]{26}$/.test(challengeId)) throw new Error(`Not a challenge id: ${challengeId}`);
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${challengeId}.jsonl`);
    await (await open(file, 'a')).close();
    const text = await readFile(file, 'utf8');
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    if (complete.length !== text.length) {
      // The append the crash interrupted never counted: cut it off, so the next append starts on a fresh line.
      const handle = await open(file, 'r+');
      await handle.truncate(Buffer.byteLength(complete));
      await handle.close();
    }
    const mirror = new ChallengeMirror(challengeId, file, 0);
    for (const line of complete.split('\n')) {
      if (!line) continue;
      const event = JSON.parse(line) as MirroredEvent;
      mirror.ids.add(event.id);
      mirror.last = Math.max(mirror.last, event.seq);
    }
    return mirror;
  }

  get cursor(): number {
    return this.last;
  }

  /** Held events exist beyond a gap: something before them is still missing. */
  get gapped(): boolean {
    return this.held.size > 0;
  }

  get size(): number {
    return this.ids.size;
  }

  /** One at a time per challenge: webhooks and the backfill never interleave their appends. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** A webhook's event. 'duplicate' | 'appended' | 'held' (a gap before it). Call inside `exclusive`. */
  async receive(event: MirroredEvent): Promise<'duplicate' | 'appended' | 'held'> {
    if (this.ids.has(event.id) || event.seq <= this.last || this.held.has(event.seq)) return 'duplicate';
    if (event.seq !== this.last + 1) {
      this.held.set(event.seq, event);
      return 'held';
    }
    await this.write([event]);
    await this.release();
    return 'appended';
  }

  /**
   * A page of the pull feed after `cursor`: appended in seq order (what is already here
   * skipped), then the cursor moves to the feed's `next`. Call inside `exclusive`.
   */
  async fill(events: readonly MirroredEvent[], next: number): Promise<number> {
    const fresh = [...events].sort((a, b) => a.seq - b.seq).filter((e) => e.seq > this.last && !this.ids.has(e.id));
    await this.write(fresh);
    this.last = Math.max(this.last, next);
    for (const seq of this.held.keys()) if (seq <= this.last) this.held.delete(seq);
    await this.release();
    return fresh.length;
  }

  /**
   * The feed cannot fill the gap (the council may no longer read it): keep what was
   * received, in order, and accept the gap. Call inside `exclusive`.
   */
  async acceptGap(): Promise<number> {
    const events = [...this.held.values()].sort((a, b) => a.seq - b.seq);
    this.held.clear();
    await this.write(events);
    return events.length;
  }

  /** Held events that now follow on. */
  private async release(): Promise<void> {
    const ready: MirroredEvent[] = [];
    for (let seq = this.last + 1; this.held.has(seq); seq++) {
      ready.push(this.held.get(seq)!);
      this.held.delete(seq);
    }
    if (ready.length > 0) await this.write(ready.filter((e) => !this.ids.has(e.id)));
  }

  private async write(events: readonly MirroredEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One append per batch: a crash leaves whole lines plus at most one cut short (dropped on load).
    await appendFile(this.file, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    for (const e of events) {
      this.ids.add(e.id);
      this.last = Math.max(this.last, e.seq);
    }
  }
}
