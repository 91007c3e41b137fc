/**
 * A fault-injecting HTTP proxy in front of DynamoDB Local, for black-box fault
 * tests: point the hub's DYNAMODB_ENDPOINT at `proxy.url` and the hub cannot tell
 * it from DynamoDB, whatever its write path looks like inside.
 *
 * DynamoDB's JSON protocol names the operation in `X-Amz-Target`
 * (`DynamoDB_20120810.TransactWriteItems`). For a seeded fraction of the chosen
 * operations the proxy answers with one fault instead of (or after) forwarding:
 *
 *   lostAfterCommit     forward, wait for DynamoDB's answer, then destroy the client's
 *                       socket: the write happened, its response is lost (a Lambda
 *                       timing out after its commit looks the same to the caller)
 *   lostBeforeCommit    destroy the socket without forwarding: nothing happened
 *   throttle            400 ThrottlingException / ProvisionedThroughputExceededException
 *   transactionConflict 400 TransactionCanceledException, one CancellationReason per
 *                       TransactItem, one of them TransactionConflict, the rest None
 *                       (TransactWriteItems/TransactGetItems only; a throttle elsewhere)
 *   internalError       500 InternalServerError, not forwarded
 *   latency             wait 5-40 ms, then forward
 *
 * How the AWS SDK v3 (3.11xx, @smithy/service-error-classification) takes them, as
 * checked by test/faults/fault-proxy.test.ts: a destroyed socket is ECONNRESET
 * ("socket hang up"), a transient error; the two throttles are in its
 * THROTTLING_ERROR_CODES; a 500 is a transient status. All three are retried within
 * `maxAttempts` (4 in shared/db.ts). TransactionCanceledException is not retried by
 * the SDK: it reaches the hub as the modelled exception with CancellationReasons.
 *
 * Randomness is a seeded PRNG per operation name (never Math.random), so the
 * decisions for TransactWriteItems do not shift when background traffic (the stream
 * poller, the fan-out) interleaves differently. Streams traffic
 * (`DynamoDBStreams_20120810.*`) is always forwarded untouched.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAULT_KINDS = ['lostAfterCommit', 'lostBeforeCommit', 'throttle', 'transactionConflict', 'internalError', 'latency'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults for one operation: how often, and which kinds by weight. */
export interface FaultPlan {
  /** Probability (0..1) that a request of this operation gets a fault. */
  rate: number;
  /** Relative weights; kinds left out never happen. @default every kind, weight 1 */
  kinds?: Partial<Record<FaultKind, number>>;
}

/** What a targeted rule sees of a request. */
export interface ProxiedRequest {
  operation: string;
  /** The raw JSON body, e.g. to find a cost's description in a TransactWriteItems. */
  body: string;
}

/**
 * A targeted rule: the matching requests get `kinds[0]`, `kinds[1]`, ... in turn (then
 * `then`, or nothing once the list is used up). Rules apply before the random plan.
 */
export interface FaultRule {
  match: (request: ProxiedRequest) => boolean;
  kinds: FaultKind[];
  /** For every matching request after the list: `'repeat-last'` keeps applying the last kind. */
  then?: 'forward' | 'repeat-last';
}

export interface RuleHandle {
  /** Matching requests seen so far, with the fault each one got ('none' = forwarded as is). */
  readonly hits: Array<FaultKind | 'none'>;
  clear(): void;
}

export interface FaultCounts {
  /** Every request seen, by operation (faulted or not). */
  requests: Record<string, number>;
  /** Faults injected, by kind. */
  byKind: Record<FaultKind, number>;
  /** Faults injected, by operation then kind. */
  byOperation: Record<string, Partial<Record<FaultKind, number>>>;
  /** Faults injected, by the key `setStreamOf` gives the request ('' when none), then kind. */
  byStream: Record<string, Partial<Record<FaultKind, number>>>;
}

export interface FaultProxyOptions {
  /** DynamoDB Local's endpoint, e.g. inject('dynamodbEndpoint'). */
  target: string;
  seed: number;
  /** Random faults by operation name. @default { TransactWriteItems: { rate: 0.35 } } */
  plans?: Record<string, FaultPlan>;
  /** Start with faults on. @default true */
  enabled?: boolean;
}

export interface FaultProxy {
  url: string;
  readonly counts: FaultCounts;
  /** Faults (random and targeted) apply only while on. */
  on(): void;
  off(): void;
  readonly enabled: boolean;
  /** Runs `work` with faults off (e.g. invariant reads), then restores the previous setting. */
  withFaultsOff<T>(work: () => Promise<T>): Promise<T>;
  setPlans(plans: Record<string, FaultPlan>): void;
  /** Restarts every PRNG stream from a new seed (e.g. one per property run, so one run replays alone). */
  reseed(seed: number): void;
  /**
   * Splits the random decisions further, by a key of the request (e.g. the challenge
   * id it names), so sequences running side by side each get a reproducible series
   * of faults however their requests interleave. Requests it returns '' for share one
   * series per operation.
   */
  setStreamOf(streamOf: ((request: ProxiedRequest) => string) | undefined): void;
  addRule(rule: FaultRule): RuleHandle;
  /** Every matching request loses its response after DynamoDB answered, until cleared. */
  loseEveryResponse(match: (request: ProxiedRequest) => boolean): RuleHandle;
  resetCounts(): void;
  stop(): Promise<void>;
}

const DYNAMODB_PREFIX = 'DynamoDB_20120810.';

/** sfc32: small, fast, good enough for test decisions; seeded from a string hash. */
export function seededRandom(seed: number, stream = ''): () => number {
  // cyrb128-style mixing of seed and stream name into four 32-bit words.
  let h1 = 1779033703 ^ seed, h2 = 3144134277 ^ seed, h3 = 1013904242, h4 = 2773480762;
  const text = `${seed}:${stream}`;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  let a = h1 >>> 0, b = h2 >>> 0, c = h3 >>> 0, d = h4 >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm up
  return next;
}

const zeroKinds = (): Record<FaultKind, number> => Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;

function errorBody(type: string, message: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, ...extra, message });
}

/** Items in a transaction request, for one CancellationReason each (as DynamoDB answers). */
function transactItemCount(body: string): number {
  try {
    const parsed = JSON.parse(body) as { TransactItems?: unknown[] };
    return Math.max(1, parsed.TransactItems?.length ?? 1);
  } catch {
    return 1;
  }
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let plans: Record<string, FaultPlan> = options.plans ?? { TransactWriteItems: { rate: 0.35 } };
  let enabled = options.enabled ?? true;
  let seed = options.seed;
  let streamOf: ((request: ProxiedRequest) => string) | undefined;
  const randoms = new Map<string, () => number>();
  const random = (stream: string) => {
    let r = randoms.get(stream);
    if (!r) randoms.set(stream, (r = seededRandom(seed, stream)));
    return r;
  };
  const rules: Array<FaultRule & { handle: RuleHandle & { hits: Array<FaultKind | 'none'> }; used: number }> = [];
  const counts: FaultCounts = { requests: {}, byKind: zeroKinds(), byOperation: {}, byStream: {} };

  /** The fault for a request, and a number in [0, 1) to shape it (which throttle, which item conflicts, how long). */
  function chooseRandom(req: ProxiedRequest): { kind?: FaultKind; detail: number } {
    const { operation } = req;
    const plan = plans[operation];
    if (!plan || plan.rate <= 0) return { detail: 0 };
    // Three draws per request whatever happens, so one decision never shifts the next.
    const key = streamOf?.(req);
    const r = random(key ? `${operation}:${key}` : operation);
    const hit = r() < plan.rate;
    const pick = r();
    const detail = r();
    return { ...(hit ? { kind: kindAt(plan, pick) } : {}), detail };
  }

  function kindAt(plan: FaultPlan, pick: number): FaultKind | undefined {
    const weights = FAULT_KINDS.map((k) => [k, plan.kinds ? (plan.kinds[k] ?? 0) : 1] as const).filter(([, w]) => w > 0);
    const total = weights.reduce((acc, [, w]) => acc + w, 0);
    let x = pick * total;
    for (const [k, w] of weights) {
      if ((x -= w) < 0) return k;
    }
    return weights.at(-1)?.[0];
  }

  function chooseFault(req: ProxiedRequest): { kind?: FaultKind; detail: number } {
    for (const rule of rules) {
      if (!rule.match(req)) continue;
      const n = rule.used++;
      const kind = n < rule.kinds.length ? rule.kinds[n] : rule.then === 'repeat-last' ? rule.kinds.at(-1) : undefined;
      rule.handle.hits.push(kind ?? 'none');
      // Alternates the shape: ThrottlingException then ProvisionedThroughputExceededException, ...
      return { ...(kind ? { kind } : {}), detail: n % 2 ? 0.75 : 0 };
    }
    return chooseRandom(req);
  }

  function forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          agent,
        },
        (res) => {
          readAll(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
        },
      );
      out.once('error', reject);
      out.end(body);
    });
  }

  function reply(res: ServerResponse, status: number, body: string) {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': `fault-${Date.now().toString(36)}`,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readAll(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(DYNAMODB_PREFIX) ? target.slice(DYNAMODB_PREFIX.length) : '';
    if (operation) counts.requests[operation] = (counts.requests[operation] ?? 0) + 1;
    const proxied = { operation, body: body.toString('utf8') };
    const chosen = enabled && operation ? chooseFault(proxied) : { detail: 0 };
    let kind = chosen.kind;
    if (kind === 'transactionConflict' && !operation.startsWith('Transact')) kind = 'throttle';
    if (kind) {
      counts.byKind[kind]++;
      const per = (counts.byOperation[operation] ??= {});
      per[kind] = (per[kind] ?? 0) + 1;
      const stream = (counts.byStream[streamOf?.(proxied) ?? ''] ??= {});
      stream[kind] = (stream[kind] ?? 0) + 1;
    }

    switch (kind) {
      case 'lostBeforeCommit':
        req.socket.destroy();
        return;
      case 'throttle': {
        const throttledType = chosen.detail < 0.5 ? 'ThrottlingException' : 'ProvisionedThroughputExceededException';
        return reply(res, 400, errorBody(throttledType, throttledType === 'ThrottlingException' ? 'Rate exceeded' : 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.'));
      }
      case 'transactionConflict': {
        const n = transactItemCount(body.toString('utf8'));
        const conflicted = Math.floor(chosen.detail * n);
        const reasons = Array.from({ length: n }, (_, i) =>
          i === conflicted ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
        );
        const text = JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          CancellationReasons: reasons,
          Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        });
        return reply(res, 400, text);
      }
      case 'internalError':
        return reply(res, 500, errorBody('InternalServerError', 'Internal server error'));
      case 'latency':
        await new Promise((r) => setTimeout(r, 5 + Math.floor(chosen.detail * 35)));
        break;
    }

    const answer = await forward(req, body);
    if (kind === 'lostAfterCommit') {
      // DynamoDB has applied it; the caller never hears.
      req.socket.destroy();
      return;
    }
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // DynamoDB Local unreachable (e.g. being stopped): the caller sees a reset.
      req.socket.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    counts,
    on: () => void (enabled = true),
    off: () => void (enabled = false),
    get enabled() {
      return enabled;
    },
    async withFaultsOff(work) {
      const was = enabled;
      enabled = false;
      try {
        return await work();
      } finally {
        enabled = was;
      }
    },
    setPlans(next) {
      plans = next;
    },
    reseed(next) {
      seed = next;
      randoms.clear();
    },
    setStreamOf(next) {
      streamOf = next;
    },
    addRule(rule) {
      const handle = {
        hits: [] as Array<FaultKind | 'none'>,
        clear: () => {
          const i = rules.findIndex((r) => r.handle === handle);
          if (i >= 0) rules.splice(i, 1);
        },
      };
      rules.push({ ...rule, handle, used: 0 });
      return handle;
    },
    loseEveryResponse(match) {
      return proxy.addRule({ match, kinds: ['lostAfterCommit'], then: 'repeat-last' });
    },
    resetCounts() {
      counts.requests = {};
      counts.byKind = zeroKinds();
      counts.byOperation = {};
      counts.byStream = {};
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
  return proxy;
}

/** "lostAfterCommit 12, throttle 7, ..." for the logs. */
export function describeCounts(counts: FaultCounts): string {
  const kinds = FAULT_KINDS.map((k) => `${k} ${counts.byKind[k]}`).join(', ');
  const total = FAULT_KINDS.reduce((acc, k) => acc + counts.byKind[k], 0);
  const ops = Object.entries(counts.byOperation)
    .map(([op, byKind]) => `${op}: ${Object.entries(byKind).map(([k, n]) => `${k} ${n}`).join(' ')}`)
    .join('; ');
  return `${total} faults (${kinds})${ops ? ` [${ops}]` : ''}`;
}
