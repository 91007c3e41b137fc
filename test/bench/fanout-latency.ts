/**
 * Commit-to-delivery latency of the local hub's event fan-out: events are committed
 * through the API, travel stream poller -> publisher -> local bus -> dispatcher ->
 * deliverer, and arrive at a webhook receiver on 127.0.0.1 that verifies each one.
 *
 * Latency of an event = receipt at the receiver - the event's occurredAt. occurredAt
 * is stamped just before the commit's TransactWriteItems, so this is an upper bound
 * of commit-to-delivery (it includes the transaction itself). As a lower bound the bench
 * also reports receipt - the moment the writer had its 201 (after the commit; a delivery
 * can even beat the response, which makes this negative).
 *
 * Two phases: `sequential` (one API write at a time: latency of a quiet hub) and
 * `burst` (`concurrency` writers at once: latency under load). Bounded: at most
 * `maxEvents` events and `timeoutMs` in all; everything stays on the loopback interface.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type RunningHub } from '../../infra/local/hub';
import { freePort } from '../support/ports';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';

export interface LatencyOptions {
  /** Events per phase. @default 120 (240 in all) */
  eventsPerPhase?: number;
  /** Writers at once in the burst phase. @default 8 */
  concurrency?: number;
  /** @default 120000 */
  timeoutMs?: number;
  log?: (line: string) => void;
  /** A hub already running (npm run bench shares one); otherwise one is started and stopped here. */
  hub?: RunningHub;
}

export interface PhaseResult {
  phase: string;
  events: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** The same quantiles from the writer's 201 instead of occurredAt (lower bound). */
  fromResponse: { p50: number; p99: number };
  /** Events that arrived out of per-challenge seq order (each challenge here has one event, so: across challenges, by commit time). */
  outOfCommitOrder: number;
}

const MAX_EVENTS_PER_PHASE = 1_000;

/** The value at quantile q (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function measureFanoutLatency(options: LatencyOptions = {}): Promise<PhaseResult[]> {
  const eventsPerPhase = Math.min(MAX_EVENTS_PER_PHASE, options.eventsPerPhase ?? 120);
  const concurrency = Math.max(1, Math.min(32, options.concurrency ?? 8));
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const log = options.log ?? (() => undefined);

  const dataDir = options.hub ? undefined : await mkdtemp(join(tmpdir(), 'hub-bench-'));
  const receiver = await new WebhookReceiver().start();
  const hub =
    options.hub ??
    (await startHub({
      port: 0,
      host: '127.0.0.1',
      dynamodbPort: await freePort(),
      dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
      dataDir: dataDir!,
      tableName: 'council-hub-bench',
    }));
  try {
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${hub.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const admin = await hub.keys.sign({ sub: 'bench-admin', groups: ['hub-admin'] });
    const officer = await hub.keys.sign({ sub: 'bench-officer', council: 'E08000025', groups: ['officer'] });
    await call('PUT', '/v1/councils/E08000025', admin, { name: 'Birmingham City Council', kind: 'metropolitan_borough' });
    const subscription = await call('POST', '/v1/subscriptions', officer, { url: `${receiver.url}/bench` });
    receiver.secrets('/bench', [subscription.secret]);

    // Warm-up: loads every handler module once, as a warm Lambda would be.
    await call('POST', '/v1/challenges', officer, { title: 'warm-up' });
    await eventually(() => receiver.accepted('/bench').length === 1, 'the warm-up delivery', 30_000);

    const results: PhaseResult[] = [];
    for (const [phase, writers] of [['sequential', 1], [`burst x${concurrency}`, concurrency]] as const) {
      const before = receiver.received.length;
      const answeredAt = new Map<string, number>();
      let next = 0;
      const write = async () => {
        while (next < eventsPerPhase && Date.now() < deadline) {
          const n = next++;
          const created = await call('POST', '/v1/challenges', officer, { title: `${phase} ${n}` });
          answeredAt.set(created.id, performance.timeOrigin + performance.now());
        }
      };
      await Promise.all(Array.from({ length: writers }, write));
      const expected = before + next;
      await eventually(() => receiver.received.length >= expected, `${phase}: ${next} deliveries`, Math.max(1_000, deadline - Date.now()));

      const arrived = receiver.received.slice(before, expected);
      const latencies = arrived.map((r) => r.receivedAt - Date.parse(r.event.occurredAt)).sort((a, b) => a - b);
      const afterResponse = arrived.map((r) => r.receivedAt - (answeredAt.get(r.event.challengeId) ?? NaN)).sort((a, b) => a - b);
      // Delivery order against commit order (occurredAt, then id: ULIDs rise with time).
      const committed = [...arrived].sort((a, b) => a.event.occurredAt.localeCompare(b.event.occurredAt) || a.event.id.localeCompare(b.event.id));
      const outOfCommitOrder = arrived.filter((r, i) => committed[i]!.event.id !== r.event.id).length;
      const result = {
        phase,
        events: arrived.length,
        p50: quantile(latencies, 0.5),
        p90: quantile(latencies, 0.9),
        p99: quantile(latencies, 0.99),
        max: latencies.at(-1) ?? NaN,
        fromResponse: { p50: quantile(afterResponse, 0.5), p99: quantile(afterResponse, 0.99) },
        outOfCommitOrder,
      };
      results.push(result);
      log(formatResult(result));
    }
    if (receiver.rejected.length > 0) throw new Error(`${receiver.rejected.length} deliveries failed verification`);
    return results;
  } finally {
    if (!options.hub) await hub.stop();
    await receiver.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

export function formatResult(r: PhaseResult): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return (
    `${r.phase.padEnd(12)} ${String(r.events).padStart(4)} events  from occurredAt: p50 ${ms(r.p50)}  p90 ${ms(r.p90)}  p99 ${ms(r.p99)}  max ${ms(r.max)}\n` +
    `${' '.repeat(24)}from the 201:     p50 ${ms(r.fromResponse.p50)}  p99 ${ms(r.fromResponse.p99)}\n` +
    `${' '.repeat(24)}delivered out of commit order: ${r.outOfCommitOrder} of ${r.events}`
  );
}
