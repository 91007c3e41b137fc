import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { HubEvent } from '../../shared/schemas/events';

export interface ReceivedWebhook {
  path: string;
  event: HubEvent;
  headers: Record<string, string>;
  /** performance.timeOrigin + performance.now() when the body was in: ms, sub-ms precise. */
  receivedAt: number;
  /** Which of the path's secrets verified the signature (by index in `secrets(path)`). */
  verifiedBy: number[];
  /** What the receiver answered. */
  status: number;
}

/** Answers a delivery: the event and how many times this path has seen its id (1 the first time). */
export type Responder = (event: HubEvent, seen: number) => number;

/**
 * A webhook receiver on 127.0.0.1, one endpoint per path, that verifies every request
 * with standardwebhooks' `verify` against the secrets it was given for the path. A
 * request that verifies with none is answered 401 and kept in `rejected`.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly rejected: Array<{ path: string; reason: string }> = [];
  private readonly secretsByPath = new Map<string, string[]>();
  private readonly responders = new Map<string, Responder>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const receivedAt = performance.timeOrigin + performance.now();
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
        const secrets = this.secretsByPath.get(path) ?? [];
        const verifiedBy = secrets.flatMap((secret, i) => {
          try {
            new Webhook(secret).verify(body, headers);
            return [i];
          } catch {
            return [];
          }
        });
        if (verifiedBy.length === 0) {
          this.rejected.push({ path, reason: `no secret of ${secrets.length} verified ${headers['webhook-id']}` });
          return res.writeHead(401).end();
        }
        const payload = JSON.parse(body) as { type: string; timestamp: string; data: HubEvent };
        const event = payload.data;
        const seen = this.received.filter((r) => r.path === path && r.event.id === event.id).length + 1;
        const status = (this.responders.get(path) ?? (() => 204))(event, seen);
        this.received.push({ path, event, headers, receivedAt, verifiedBy, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The secrets to verify `path` with: set after creating the subscription, extended after a rotation. */
  secrets(path: string, secrets: string[]): void {
    this.secretsByPath.set(path, secrets);
  }

  respond(path: string, responder: Responder): void {
    this.responders.set(path, responder);
  }

  /** Deliveries to `path` the receiver accepted (2xx), one per event id. */
  accepted(path: string): HubEvent[] {
    const byId = new Map<string, HubEvent>();
    for (const r of this.received) if (r.path === path && r.status >= 200 && r.status < 300) byId.set(r.event.id, r.event);
    return [...byId.values()];
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Polls `check` until it returns true (or throws its last failure after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
