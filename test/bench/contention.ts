/**
 * Contention: cost POSTs (no Idempotency-Key) through the local hub by `c` writers at
 * once, on one challenge at c = 1, 4, 16 and 64, and on 16 challenges at 16 (one
 * writer each: the same concurrency without a shared sequence), beside a raw
 * yardstick: the same transactions (the state Query and the cost's TransactWriteItems,
 * captured from a real cost POST and re-keyed, ./raw-calls.ts) issued serially with
 * the SDK on a challenge of their own.
 *
 * The yardstick runs before and after every phase; a phase's figure is its rate ÷
 * the mean of the yardstick rates either side of it. Retries per success count the
 * TransactWriteItems cancellations seen by a middleware on shared/store/client.ts's
 * client. Then the same at 16 and 64 writers split over two hub processes on one
 * table (a second `npx tsx infra/local/start.ts`, as test/e2e/consortium-concurrency
 * does), where the queue of one process cannot serialize the other's writes; retries
 * there are this process's cancellations per this process's successes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateKeys } from '../../infra/local/auth';
import { projectRoot } from '../../infra/constructs/hub-function';
import { routeList } from '../../shared/routes';
import { freePort } from '../support/ports';
import { costBody, LEAD, type BenchHub } from './bench-hub';
import { instrumentStoreClient, rawClient, replay, type RawCall } from './raw-calls';
import { ascending, inParallel, quantile, table } from './stats';

export interface ContentionOptions {
  /** Requests per phase (3 per writer at least). @default 100 */
  requests?: number;
  /** Transactions per yardstick run. @default 40 */
  rawRuns?: number;
  /** Also run the two-process phases. @default true */
  twoProcesses?: boolean;
  log?: (line: string) => void;
}

export interface PhaseFigures {
  phase: string;
  writers: number;
  successes: number;
  perSecond: number;
  /** perSecond ÷ the yardstick's serial rate around it. */
  ofSerial: number;
  retriesPerSuccess: number;
  p50: number;
  p99: number;
  unavailable: number;
  otherErrors: number;
  /** This process's Queries and TransactWriteItems during the phase: mean time of one, and how many per success. */
  query: number;
  queriesPerSuccess: number;
  transaction: number;
  transactionsPerSuccess: number;
}

interface Target {
  base: string;
  token: string;
  challengeId: string;
}

async function secondHub(bench: BenchHub): Promise<{ url: string; token: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-bench-second-'));
  const port = await freePort();
  const child: ChildProcess = spawn('npx', ['tsx', 'infra/local/start.ts'], {
    cwd: projectRoot,
    env: { ...process.env, DYNAMODB_ENDPOINT: bench.hub.dynamodbEndpoint, TABLE_NAME: bench.tableName, PORT: String(port), HUB_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (c) => (output += c));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c) => ((output += c), /listening on/.test(output) && resolve()));
    child.once('exit', (code) => reject(new Error(`second hub exited ${code}: ${output.slice(-500)}`)));
  });
  const keys = await loadOrCreateKeys(dataDir);
  return {
    url: `http://127.0.0.1:${port}`,
    token: await keys.sign({ sub: `bench-${LEAD}-finance`, council: LEAD, groups: ['finance'] }),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const late = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5_000);
      await exited;
      clearTimeout(late);
      // npx may exit before the hub it started has written its last queue files: rm retries ENOTEMPTY.
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

export async function measureContention(bench: BenchHub, options: ContentionOptions = {}): Promise<PhaseFigures[]> {
  const log = options.log ?? (() => undefined);
  const requests = Math.max(40, options.requests ?? 100);
  const rawRuns = Math.max(10, options.rawRuns ?? 40);
  const store = await instrumentStoreClient();
  store.timeCalls(true);
  const second = options.twoProcesses === false ? undefined : secondHub(bench);
  second?.catch(() => undefined);
  const lead = await bench.as(LEAD, 'finance');

  // One challenge for the one-challenge sweep, one for the yardstick, 16 for the spread phase, one for two processes.
  const setup = performance.now();
  const ids: string[] = new Array(19);
  await inParallel([...ids.keys()], 4, async (i) => void (ids[i] = await bench.consortium(`Contention ${i}`)));
  log(`  19 five-council consortia set up through the API in ${((performance.now() - setup) / 1000).toFixed(0)} s`);
  const [one, yard, twoProc, ...many] = ids as [string, string, string, ...string[]];

  // The yardstick's transactions: one real cost POST on its challenge, captured.
  const post = (t: Target, i: number) => bench.call('POST', `/v1/challenges/${t.challengeId}/costs`, { token: t.token, body: costBody(i), base: t.base });
  const calls: RawCall[] = await store.capture(() => post({ base: bench.url, token: lead, challengeId: yard }, 0));
  const raw = rawClient(bench.hub.dynamodbEndpoint);
  await replay(raw, calls);
  const rawTiming = new Map<string, { calls: number; ms: number }>();
  const serialRate = async () => {
    const t = performance.now();
    for (let i = 0; i < rawRuns; i++) await replay(raw, calls, rawTiming);
    return rawRuns / ((performance.now() - t) / 1000);
  };
  log(`  yardstick: ${calls.map((c) => c.command.replace(/Command$/, '')).join(' + ')} per cost, ${rawRuns} in a row, before and after each phase`);

  const phase = async (name: string, targets: readonly Target[], writers: number, total: number) => {
    const before = { ...store.transactions };
    store.timing.clear();
    const latencies: number[] = [];
    let unavailable = 0;
    let otherErrors = 0;
    let issued = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        while (issued < total) {
          const i = issued++;
          const t = performance.now();
          const res = await post(targets[w % targets.length]!, i);
          if (res.status === 201) latencies.push(performance.now() - t);
          else if (res.status === 503) unavailable++;
          else otherErrors++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const sorted = ascending(latencies);
    const committed = store.transactions.committed - before.committed;
    const cancelled = store.transactions.cancelled - before.cancelled;
    const mean = (command: string) => {
      const t = store.timing.get(command);
      return t && t.calls ? t.ms / t.calls : 0;
    };
    const perSuccess = (command: string) => (store.timing.get(command)?.calls ?? 0) / Math.max(1, latencies.length);
    return {
      phase: name,
      writers,
      query: mean('Query'),
      queriesPerSuccess: perSuccess('Query'),
      transaction: mean('TransactWriteItems'),
      transactionsPerSuccess: perSuccess('TransactWriteItems'),
      successes: latencies.length,
      perSecond: latencies.length / seconds,
      ofSerial: NaN,
      // Only this process's transactions are seen: per this process's commits.
      retriesPerSuccess: committed > 0 ? cancelled / committed : NaN,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      unavailable,
      otherErrors,
    };
  };

  const here = (challengeId: string): Target => ({ base: bench.url, token: lead, challengeId });
  const plan: Array<{ name: string; targets: () => Promise<Target[]>; writers: number; total: number }> = [
    ...[1, 4, 16, 64].map((c) => ({ name: `one challenge, c=${c}`, targets: async () => [here(one)], writers: c, total: Math.max(requests, 3 * c) })),
    { name: '16 challenges, c=16', targets: async () => many.map(here), writers: 16, total: Math.max(requests, 64) },
  ];
  if (second) {
    for (const c of [16, 64]) {
      plan.push({
        name: `two processes, c=${c}`,
        targets: async () => {
          const other = await second;
          return [here(twoProc), { base: other.url, token: other.token, challengeId: twoProc }];
        },
        writers: c,
        total: Math.max(requests, 3 * c),
      });
    }
  }

  const results: PhaseFigures[] = [];
  const serial: number[] = [await serialRate()];
  for (const step of plan) {
    const targets = await step.targets();
    await post(targets.at(-1)!, 0); // warm the path (and the second process's handlers)
    const figures = await phase(step.name, targets, step.writers, step.total);
    serial.push(await serialRate());
    figures.ofSerial = figures.perSecond / ((serial.at(-2)! + serial.at(-1)!) / 2);
    results.push(figures);
  }
  await (await second?.catch(() => undefined))?.stop();
  raw.destroy();
  const bulk = await measureBulk(bench, lead, serial.at(-1)!);

  const c1 = results[0]!.perSecond;
  log(
    table(
      ['phase', 'successes/s', '÷ serial SDK', '÷ c=1', 'retries/success', 'p50', 'p99', 'p99÷p50', '503s', 'other'],
      results.map((r) => [
        r.phase,
        r.perSecond.toFixed(1),
        `${r.ofSerial.toFixed(2)}×`,
        `${(r.perSecond / c1).toFixed(2)}×`,
        r.retriesPerSuccess.toFixed(2),
        `${r.p50.toFixed(0)} ms`,
        `${r.p99.toFixed(0)} ms`,
        (r.p99 / r.p50).toFixed(1),
        String(r.unavailable),
        String(r.otherErrors),
      ]),
    ).replace(/^/gm, '  '),
  );
  const rawMean = (c: string) => (rawTiming.get(c)?.ms ?? NaN) / (rawTiming.get(c)?.calls ?? NaN);
  log(
    `  serial SDK yardstick: ${serial.map((s) => s.toFixed(1)).join(', ')} transactions/s (runs in order); ` +
      `its Query ${rawMean('Query').toFixed(1)} ms + TransactWriteItems ${rawMean('TransactWriteItems').toFixed(1)} ms`,
  );
  log(
    '  where a success\'s time goes on one challenge (this process): ' +
      results
        .filter((r) => r.phase.startsWith('one challenge'))
        .map((r) => {
          const [q, t] = [r.queriesPerSuccess * r.query, r.transactionsPerSuccess * r.transaction];
          return `c=${r.writers}: 1/rate ${(1000 / r.perSecond).toFixed(0)} ms = ${r.queriesPerSuccess.toFixed(2)} Query × ${r.query.toFixed(1)} + ${r.transactionsPerSuccess.toFixed(2)} TransactWriteItems × ${r.transaction.toFixed(1)} + ${(1000 / r.perSecond - q - t).toFixed(0)} ms else`;
        })
        .join('; '),
  );
  const at = (c: number) => results.find((r) => r.phase === `one challenge, c=${c}`)!;
  log(
    `  goals: ≥ 0.9× serial at 16 and 64: ${at(16).ofSerial.toFixed(2)}×, ${at(64).ofSerial.toFixed(2)}×; ` +
      `no 503 below 64: ${[1, 4, 16].map((c) => at(c).unavailable).reduce((a, b) => a + b, 0)}; ` +
      `p99 ≤ 10× p50: worst ${Math.max(...[1, 4, 16, 64].map((c) => at(c).p99 / at(c).p50)).toFixed(1)}×`,
  );
  if (bulk) log(bulk);
  store.timeCalls(false);
  return results;
}

/**
 * Bulk costs, if POST .../costs:batch exists: 1,000 costs for a five-council consortium in
 * batches of the largest size the route takes for five members ((98 - 5) / 2 = 46), one
 * request at a time, against costs POSTed one by one at 16 writers (the best single-cost
 * rate above), 200 of them, timed and scaled to 1,000.
 */
async function measureBulk(bench: BenchHub, lead: string, serialRate: number): Promise<string | undefined> {
  const route = routeList.find((r) => r.method === 'POST' && r.path === '/v1/challenges/{id}/costs:batch');
  if (!route) return '  bulk costs: POST /v1/challenges/{id}/costs:batch is not in the route table yet';
  const [batched, single] = [await bench.consortium('Bulk: batched'), await bench.consortium('Bulk: one by one')];
  const total = 1_000;
  const size = Math.floor((98 - 5) / 2);
  const t0 = performance.now();
  let requests = 0;
  for (let from = 0; from < total; from += size) {
    const costs = Array.from({ length: Math.min(size, total - from) }, (_, k) => costBody(from + k));
    const res = await bench.call('POST', `/v1/challenges/${batched}/costs:batch`, { token: lead, body: { costs } });
    requests++;
    if (res.status !== 201) return `  bulk costs: costs:batch answered ${res.status} ${JSON.stringify(res.body).slice(0, 200)} (not measured)`;
  }
  const batchSeconds = (performance.now() - t0) / 1000;
  const ones = 200;
  let issued = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (issued < ones) {
        const i = issued++;
        const res = await bench.call('POST', `/v1/challenges/${single}/costs`, { token: lead, body: costBody(i) });
        if (res.status !== 201) throw new Error(`single cost: ${res.status}`);
      }
    }),
  );
  const oneRate = ones / ((performance.now() - t1) / 1000);
  return (
    `  bulk: 1,000 costs via costs:batch in ${requests} requests of ${size}: ${batchSeconds.toFixed(1)} s (${(total / batchSeconds).toFixed(0)} costs/s); ` +
    `one by one at c=16: ${oneRate.toFixed(1)} costs/s (${ones} timed), 1,000 in ≈ ${(total / oneRate).toFixed(0)} s: ` +
    `${(total / batchSeconds / oneRate).toFixed(1)}× faster; the serial SDK yardstick does ${serialRate.toFixed(1)} single-cost transactions/s`
  );
}
