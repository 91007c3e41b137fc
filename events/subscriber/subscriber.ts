/**
 * The reference webhook subscriber: the pattern a council's developers copy to keep a
 * local copy of their challenges' events, complete and in order.
 *
 *   hub --POST (signed)--> verify (standardwebhooks) --> dedupe (webhook-id) --> mirror
 *                                                                   | gap in seq?
 *   hub <--GET /v1/challenges/{id}/events?after=<cursor>-- backfill -+
 *
 * - Every request is verified with the subscription's secret before anything else
 *   (401 otherwise); the hub retries whatever is not answered 2xx.
 * - A 2xx is sent only once the event is safe: appended to the mirror, or held with
 *   the challenge's mirror file already created, so that after a crash the start-up
 *   catch-up (below) reads it from the feed again.
 * - Webhooks come at least once and in any order; the mirror (./mirror.ts) keeps each
 *   event once, in seq order. A gap that stays open for `gapMs` (an event still in
 *   flight usually closes it first) is filled from the pull feed, which is the
 *   challenge's audit trail: the feed, not the webhooks, decides what is complete.
 * - On start, every mirror on disk is caught up from the feed: what happened while the
 *   subscriber was down is not lost even if the hub's retries gave up.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import { Webhook } from 'standardwebhooks';
import { ChallengeMirror, type MirroredEvent } from './mirror';

export interface SubscriberOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:3000 */
  hub: string;
  /** A bearer token of a user of the subscription's council: it reads the pull feed. */
  token: string;
  /** The subscription's `whsec_...` secret. */
  secret: string;
  port: number;
  /** Where the mirrors live: one `<challengeId>.jsonl` per challenge. */
  out: string;
  /** How long a gap may stay open before the feed is asked. @default 500 */
  gapMs?: number;
  log?: (line: string) => void;
}

export interface RunningSubscriber {
  url: string;
  mirrors: Map<string, ChallengeMirror>;
  stop(): Promise<void>;
}

const FEED_PAGE = 100;
const MAX_BODY_BYTES = 1024 * 1024;

export async function startSubscriber(options: SubscriberOptions): Promise<RunningSubscriber> {
  const { hub, token, out, gapMs = 500, log = () => undefined } = options;
  const webhook = new Webhook(options.secret);
  const mirrors = new Map<string, ChallengeMirror>();
  const opening = new Map<string, Promise<ChallengeMirror>>();
  const gapTimers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  const mirrorOf = (challengeId: string) => {
    let mirror = opening.get(challengeId);
    if (!mirror) {
      mirror = ChallengeMirror.load(out, challengeId).then((m) => (mirrors.set(challengeId, m), m));
      opening.set(challengeId, mirror);
    }
    return mirror;
  };

  /** The feed after the mirror's cursor, page by page, into the mirror. False when the feed refused (403/404). */
  async function backfill(mirror: ChallengeMirror): Promise<boolean> {
    return mirror.exclusive(async () => {
      let added = 0;
      const from = mirror.cursor;
      for (;;) {
        const after = mirror.cursor;
        const res = await fetch(`${hub}/v1/challenges/${mirror.challengeId}/events?after=${after}&limit=${FEED_PAGE}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status === 403 || res.status === 404) {
          const kept = await mirror.acceptGap();
          log(`feed of ${mirror.challengeId} refused (${res.status}): kept ${kept} held event(s), the gap before them stays`);
          return false;
        }
        if (!res.ok) throw new Error(`feed of ${mirror.challengeId}: HTTP ${res.status}`);
        const page = (await res.json()) as { items: MirroredEvent[]; next: number };
        added += await mirror.fill(page.items, page.next ?? after);
        if (page.items.length === 0 || mirror.cursor <= after) break;
      }
      if (added > 0) log(`backfilled ${added} event(s) of ${mirror.challengeId} after seq ${from} from the feed`);
      return true;
    });
  }

  /** Backfills once the gap has had `gapMs` to close by itself; on failure, tries again later. */
  function watchGap(mirror: ChallengeMirror, wait = gapMs): void {
    if (stopped || gapTimers.has(mirror.challengeId)) return;
    const timer = setTimeout(() => {
      gapTimers.delete(mirror.challengeId);
      if (!mirror.gapped) return;
      backfill(mirror).then(
        () => mirror.gapped && watchGap(mirror),
        (error: Error) => {
          log(`backfill of ${mirror.challengeId} failed (${error.message}); trying again`);
          watchGap(mirror, Math.min(30_000, Math.max(1_000, wait * 2)));
        },
      );
    }, wait);
    gapTimers.set(mirror.challengeId, timer);
  }

  async function receive(req: IncomingMessage): Promise<number> {
    if (req.method !== 'POST') return 405;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return 413;
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    let payload: { type: string; data: MirroredEvent };
    try {
      // Throws unless signed with our secret, recently (5 minutes' tolerance): not from the hub.
      payload = webhook.verify(body, headers) as typeof payload;
    } catch {
      return 401;
    }
    const event = payload.data;
    // webhook-id is the event id: the key to deduplicate on.
    if (!event || headers['webhook-id'] !== event.id) return 400;
    const mirror = await mirrorOf(event.challengeId);
    const outcome = await mirror.exclusive(() => mirror.receive(event));
    if (outcome === 'held') watchGap(mirror);
    return 204;
  }

  const server: Server = createServer((req, res) => {
    receive(req).then(
      (status) => res.writeHead(status).end(),
      (error: Error) => {
        // Not safely kept (a disk error): a 5xx, and the hub sends it again.
        log(`could not keep a delivery: ${error.message}`);
        res.writeHead(503).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });

  // Catch up every challenge already mirrored: whatever happened while we were down.
  const known = (await readdir(out).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -'.jsonl'.length));
  const catchingUp = Promise.all(
    known.map(async (id) => {
      const mirror = await mirrorOf(id);
      await backfill(mirror).catch((error: Error) => {
        log(`catch-up of ${id} failed (${error.message}); a later gap will try again`);
        watchGap(mirror, 1_000);
      });
    }),
  );
  void catchingUp.then(() => log(`caught up ${known.length} mirror(s) from the feed`));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mirrors,
    async stop() {
      stopped = true;
      for (const timer of gapTimers.values()) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await catchingUp.catch(() => undefined);
    },
  };
}
