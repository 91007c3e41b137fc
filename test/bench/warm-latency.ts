/**
 * Warm API latency ÷ the raw DynamoDB calls it makes, for POST cost, GET challenge,
 * GET statement and a key replay (a cost POST again with an Idempotency-Key already
 * answered), three ways, interleaved:
 * - raw: the operation's DynamoDB calls, recorded from one real invocation and replayed
 *   one after another with a plain SDK client (./raw-calls.ts; a cost's transaction
 *   re-keyed, on a challenge of its own);
 * - handler alone: the function's `handler` called in this process with the event the
 *   local adapter would build (claims as API Gateway passes them);
 * - through the local hub: HTTP to 127.0.0.1, JWT verification, the adapter.
 * Figure: median ÷ median of raw, with the min–max of the same ratio over five blocks. Each way
 * is first run up to 200 times (WARM_UP), interleaved, so what is timed is a warm instance's
 * optimised code on every path, not the handler's first runs in the interpreter. Timed runs
 * rotate through the six orders of the three ways, each after a 2 ms pause, so no way always
 * follows the hub's HTTP call and pays for what it leaves behind.
 *
 * The adapter's own cost per request: hub − handler − a bare HTTP exchange (a Node server
 * on 127.0.0.1 answering 204 to the same fetch), as the median of those differences over
 * adjacent samples; with the verified-token cache (infra/local/auth.ts) off (before) and
 * on (after). Verification itself is also timed alone: a repeated bearer token verified by
 * jose every time vs answered by the cache.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { claimsAsApiGatewayPassesThem } from '../../infra/local/auth';
import { lambdaContext } from '../../infra/local/lambda-context';
import { routeKey, routes, type RouteSpec } from '../../shared/routes';
import { costBody, LEAD, type BenchHub } from './bench-hub';
import { instrumentStoreClient, rawClient, replay, type RawCall } from './raw-calls';
import { median, ratioText, table, type Spread, whenQuiet } from './stats';

export interface WarmLatencyOptions {
  /** Samples per way per operation (a multiple of 6 gives every order of the three ways equally). @default 180 */
  samples?: number;
  log?: (line: string) => void;
}

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyStructuredResultV2>;

interface Operation {
  name: string;
  route: RouteSpec;
  path: string;
  params: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** The challenge whose raw calls are replayed (writes: a yardstick challenge of their own). */
  rawFrom?: { path: string; params: Record<string, string> };
}

const BLOCKS = 5;
/** Runs of each way before any is timed (at most this long per operation; a cost POST takes ~50 ms here). */
const WARM_UP = { runs: 200, ms: 4_000 };

/** A short pause before a timed run, for what the last one left on the event loop (sockets closing, timers). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2));

function blockRatio(base: readonly number[], other: readonly number[]): Spread {
  const size = Math.max(1, Math.floor(base.length / BLOCKS));
  const per: number[] = [];
  for (let i = 0; i + size <= base.length; i += size) per.push(median(other.slice(i, i + size)) / median(base.slice(i, i + size)));
  return { median: median(other) / median(base), min: Math.min(...per), max: Math.max(...per) };
}

export async function measureWarmLatency(bench: BenchHub, options: WarmLatencyOptions = {}): Promise<void> {
  const samples = Math.max(12, options.samples ?? 180);
  const log = options.log ?? (() => undefined);
  const store = await instrumentStoreClient();
  const raw = rawClient(bench.hub.dynamodbEndpoint);
  const handlers: Record<string, Handler> = {
    money: (await import('../../functions/money')).handler as unknown as Handler,
    challenges: (await import('../../functions/challenges')).handler as unknown as Handler,
  };
  const [id, yard] = [await bench.consortium('Warm latency'), await bench.consortium('Warm latency: yardstick')];
  const finance = await bench.as(LEAD, 'finance');
  const officer = await bench.as(LEAD, 'officer');
  const claims = { finance: claimsAsApiGatewayPassesThem(await bench.hub.keys.verify(finance)), officer: claimsAsApiGatewayPassesThem(await bench.hub.keys.verify(officer)) };

  const replayKey = `bench-replay-${randomUUID()}`;
  const first = await bench.call('POST', `/v1/challenges/${id}/costs`, { token: finance, body: costBody(0), headers: { 'idempotency-key': replayKey } });
  if (first.status !== 201) throw new Error(`first keyed cost: ${first.status}`);

  const ops: Operation[] = [
    { name: 'POST cost', route: routes.recordCost, path: `/v1/challenges/${id}/costs`, params: { id }, body: costBody(1), status: 201, rawFrom: { path: `/v1/challenges/${yard}/costs`, params: { id: yard } } },
    { name: 'GET challenge', route: routes.getChallenge, path: `/v1/challenges/${id}`, params: { id }, status: 200 },
    { name: 'GET statement', route: routes.getStatement, path: `/v1/challenges/${id}/statement`, params: { id }, status: 200 },
    { name: 'key replay (POST cost)', route: routes.recordCost, path: `/v1/challenges/${id}/costs`, params: { id }, body: costBody(0), headers: { 'idempotency-key': replayKey }, status: 201 },
  ];

  const eventFor = (op: Operation, path = op.path, params = op.params): APIGatewayProxyEventV2 => {
    const writes = op.route.method !== 'GET';
    const now = Date.now();
    return {
      version: '2.0',
      routeKey: routeKey(op.route),
      rawPath: path,
      rawQueryString: '',
      headers: {
        host: '127.0.0.1',
        authorization: `Bearer ${writes ? finance : officer}`,
        ...(op.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...op.headers,
      },
      pathParameters: params,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1',
        domainPrefix: 'local',
        http: { method: op.route.method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
        requestId: randomUUID(),
        routeKey: routeKey(op.route),
        stage: '$default',
        time: new Date(now).toISOString(),
        timeEpoch: now,
        authorizer: { jwt: { claims: writes ? claims.finance : claims.officer, scopes: [] } },
      },
      ...(op.body !== undefined ? { body: JSON.stringify(op.body) } : {}),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
  };
  const inProcess = async (op: Operation, path?: string, params?: Record<string, string>) => {
    // Built before the clock starts: on Lambda the runtime hands the handler its event and context.
    const [event, context] = [eventFor(op, path, params), lambdaContext(op.route.fn, 29_000)];
    const t = performance.now();
    const out = await handlers[op.route.fn]!(event, context);
    const elapsed = performance.now() - t;
    if (out.statusCode !== op.status) throw new Error(`${op.name} (handler): ${out.statusCode} ${out.body}`);
    return elapsed;
  };
  const overHttp = async (op: Operation) => {
    const t = performance.now();
    const res = await bench.call(op.route.method, op.path, { token: op.route.method === 'GET' ? officer : finance, ...(op.body !== undefined ? { body: op.body } : {}), ...(op.headers ? { headers: op.headers } : {}) });
    const elapsed = performance.now() - t;
    if (res.status !== op.status) throw new Error(`${op.name} (hub): ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    return elapsed;
  };

  // The HTTP floor: the same fetch to a server that does nothing but answer.
  const bare = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const bareOnce = async (op: Operation) => {
    const t = performance.now();
    await bench.call(op.route.method, op.path, { base: bareUrl, token: finance, ...(op.body !== undefined ? { body: op.body } : {}), ...(op.headers ? { headers: op.headers } : {}) });
    return performance.now() - t;
  };

  const rows: string[][] = [];
  const quiet: string[] = [];
  const adapter: string[][] = [];
  const cache = bench.hub.keys.tokenCache;
  const own = { before: [] as number[], after: [] as number[] };
  for (const op of ops) {
    const calls: RawCall[] = await store.capture(() => inProcess(op, op.rawFrom?.path, op.rawFrom?.params));
    const rawOnce = async () => {
      const t = performance.now();
      await replay(raw, calls);
      return performance.now() - t;
    };
    const ways: Array<[string, () => Promise<number>]> = [
      ['raw', rawOnce],
      ['handler', () => inProcess(op)],
      ['hub', () => overHttp(op)],
    ];
    // Warm each way as a busy instance is: V8 optimises a path only after it has run many times,
    // and the handler's path is far longer than the raw calls', so one warm-up run would time its
    // interpreter and the raw calls' compiled code. Interleaved, so both see the same machine.
    const warmUntil = performance.now() + WARM_UP.ms;
    for (let i = 0; i < WARM_UP.runs && performance.now() < warmUntil; i++) for (const [, run] of ways) await run();
    // The warm-up's writes are events the hub's fan-out works through in this process: timed after it has.
    quiet.push(`${op.name} ${await whenQuiet()}`);
    const times = new Map<string, number[]>(ways.map(([name]) => [name, []]));
    // Each way follows each other way equally often (the orders rotate, forwards and backwards), and
    // each starts on a quiet event loop: a call through the hub leaves socket work behind it that
    // would otherwise land in whichever way always came next.
    const orders = ways.flatMap((_, k) => [[...ways.slice(k), ...ways.slice(0, k)], [...ways.slice(k), ...ways.slice(0, k)].reverse()]);
    for (let i = 0; i < samples; i++) {
      for (const [name, run] of orders[i % orders.length]!) {
        await settle();
        times.get(name)!.push(await run());
      }
    }
    const [r, h, hub] = ['raw', 'handler', 'hub'].map((n) => times.get(n)!) as [number[], number[], number[]];
    rows.push([
      op.name,
      calls.map((c) => c.command.replace(/Command$/, '')).join('+'),
      `${median(r).toFixed(1)} ms`,
      `${median(h).toFixed(1)} ms`,
      ratioText(blockRatio(r, h)),
      `${median(hub).toFixed(1)} ms`,
      ratioText(blockRatio(r, hub)),
    ]);
  }

  // The adapter alone: requests its handler refuses before any DynamoDB call (422: not an id),
  // so what is left between the handler and the hub is the adapter and the HTTP exchange.
  const refused: Operation[] = [
    { name: 'GET (422, no DynamoDB call)', route: routes.getChallenge, path: '/v1/challenges/not-an-id', params: { id: 'not-an-id' }, status: 422 },
    { name: 'POST with a body (422, no DynamoDB call)', route: routes.recordCost, path: '/v1/challenges/not-an-id/costs', params: { id: 'not-an-id' }, body: costBody(2), status: 422 },
  ];
  for (const op of refused) {
    const ways: Array<[string, () => Promise<number>]> = [
      ['bare', () => bareOnce(op)],
      ['handler', () => inProcess(op)],
      ['after', () => overHttp(op)],
      ['before', async () => {
        cache.maxSize = 0;
        try {
          return await overHttp(op);
        } finally {
          cache.maxSize = 1000;
        }
      }],
    ];
    const made = await store.capture(async () => {
      for (const [, run] of ways) await run();
    });
    if (made.length) throw new Error(`${op.name} made DynamoDB calls: ${made.map((c) => c.command).join(', ')}`);
    const times = new Map<string, number[]>(ways.map(([name]) => [name, []]));
    for (let i = 0; i < 4 * samples; i++) {
      const order = i % 2 === 0 ? ways : [...ways].reverse();
      for (const [name, run] of order) times.get(name)!.push(await run());
    }
    const [floor, h, after, before] = ['bare', 'handler', 'after', 'before'].map((n) => times.get(n)!) as [number[], number[], number[], number[]];
    const ownCost = (through: number[]) => median(through.map((t, i) => t - h[i]! - floor[i]!));
    const [b, a] = [ownCost(before), ownCost(after)];
    own.before.push(b);
    own.after.push(a);
    adapter.push([op.name, `${median(floor).toFixed(2)} ms`, `${median(h).toFixed(2)} ms`, `${b.toFixed(2)} ms`, `${a.toFixed(2)} ms`]);
  }
  bare.close();
  raw.destroy();

  // JWT verification alone: the same token, jose every time (cache off) vs the cache (on).
  const verifyTimes = { jose: [] as number[], cached: [] as number[] };
  for (let i = 0; i < 400; i++) {
    const useCache = i % 2 === 0;
    cache.maxSize = useCache ? 1000 : 0;
    const t = performance.now();
    await bench.hub.keys.verify(finance);
    (useCache ? verifyTimes.cached : verifyTimes.jose).push(performance.now() - t);
  }
  cache.maxSize = 1000;

  log(`  timed once quiet: ${quiet.join('; ')}`);
  log(
    table(['operation', 'raw calls', 'raw', 'handler', 'handler ÷ raw', 'local hub', 'hub ÷ raw'], rows).replace(/^/gm, '  '),
  );
  log(
    table(['adapter own cost per request', 'bare HTTP exchange', 'handler', 'adapter, token cache off (before)', 'on (after)'], adapter).replace(/^/gm, '  '),
  );
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  log(`  adapter's own cost (hub − handler − bare HTTP, medians of adjacent differences): ${mean(own.before).toFixed(2)} ms before, ${mean(own.after).toFixed(2)} ms after (${((1 - mean(own.after) / mean(own.before)) * 100).toFixed(0)}% less)`);
  log(
    `  JWT verification alone (ES256, jose): ${median(verifyTimes.jose).toFixed(3)} ms verified every time, ` +
      `${median(verifyTimes.cached).toFixed(3)} ms from the verified-token cache (medians of 200)`,
  );
}
