/**
 * `npm run bench`: the hub's benchmarks, every row of issue 13's table in one run,
 * each a ratio of interleaved measurements (medians, min–max), with the machine's
 * load stated. Everything stays on 127.0.0.1.
 *
 *   npm run bench                         every bench, in the order below
 *   npm run bench -- cold reads           only those (also: --only=cold,reads)
 *   npm run bench -- cold --compare       cold start, plus each function with all of Powertools from the layer
 *
 * Benches:
 *   cold        cold init of each function bundle ÷ a bare DocumentClient bundle, sizes, Tracer's share
 *   reads       GET statement / challenge / members / account at 10 vs 10,000 ledger entries
 *   contention  cost POSTs on one challenge at concurrency 1, 4, 16, 64 (and 16 challenges), two hub processes
 *   latency     warm API latency ÷ its raw DynamoDB calls (handler alone and through the local hub), adapter cost
 *   fanout      commit-to-webhook latency of the event fan-out (BENCH_EVENTS, BENCH_CONCURRENCY)
 *
 * Settings: BENCH_COLD_ROUNDS=5, BENCH_READ_ENTRIES=10000, BENCH_EVENTS=120, BENCH_CONCURRENCY=8.
 */
import { measureFanoutLatency } from './fanout-latency';
import { loadAverage, whenQuiet } from './stats';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

// The API handlers run in this process; Powertools Metrics (disabled locally) still warns once per
// request about dimensions and empty flushes, which would bury the results. Only those lines are dropped.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && /^(Dimension "|No application metrics to publish)/.test(args[0])) return;
  warn(...args);
};

const BENCHES = ['cold', 'reads', 'contention', 'latency', 'fanout'] as const;
type Bench = (typeof BENCHES)[number];

function chosen(argv: readonly string[]): { benches: Bench[]; compare: boolean } {
  const names = argv.flatMap((a) => (a.startsWith('--only=') ? a.slice('--only='.length).split(',') : a.startsWith('--') ? [] : [a])).filter(Boolean);
  const unknown = names.filter((n) => !(BENCHES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`Unknown bench ${unknown.join(', ')}; choose from ${BENCHES.join(', ')}`);
  return { benches: names.length ? BENCHES.filter((b) => names.includes(b)) : [...BENCHES], compare: argv.includes('--compare') };
}

const log = (line: string) => console.log(line);
const started = performance.now();
const { benches, compare } = chosen(process.argv.slice(2));
let shared: Awaited<ReturnType<typeof import('./bench-hub').startBenchHub>> | undefined;
/** One local hub (file-backed DynamoDB Local, as `npm start` runs it) for every bench that needs one: handlers bind their table at first load. */
const hub = async () => (shared ??= await (await import('./bench-hub')).startBenchHub());

try {
  for (const bench of benches) {
    // The benches after the first share one hub: each starts once the last one's fan-out has drained.
    const quiet = bench !== benches[0] ? `; ${await whenQuiet()}` : '';
    const t = performance.now();
    log(`\n== ${bench} == (${await loadAverage()}${quiet})`);
    if (bench === 'cold') {
      const { measureColdStart } = await import('./cold-start');
      await measureColdStart({ rounds: Number(process.env.BENCH_COLD_ROUNDS ?? 5), compare, log });
    } else if (bench === 'reads') {
      const { measureLedgerReads } = await import('./ledger-reads');
      await measureLedgerReads(await hub(), { entries: Number(process.env.BENCH_READ_ENTRIES ?? 10_000), log });
    } else if (bench === 'contention') {
      const { measureContention } = await import('./contention');
      await measureContention(await hub(), { log });
    } else if (bench === 'latency') {
      const { measureWarmLatency } = await import('./warm-latency');
      await measureWarmLatency(await hub(), { log });
    } else {
      const eventsPerPhase = Number(process.env.BENCH_EVENTS ?? 120);
      const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
      log(`Fan-out latency, local hub: commit (occurredAt) -> verified webhook receipt on 127.0.0.1, ${eventsPerPhase} events per phase`);
      const results = await measureFanoutLatency({ eventsPerPhase, concurrency, log, hub: (await hub()).hub });
      log(`${results.reduce((n, r) => n + r.events, 0)} events delivered and verified.`);
    }
    log(`   (${bench}: ${((performance.now() - t) / 1000).toFixed(0)} s; ${await loadAverage()})`);
  }
  log(`\nAll done in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  await shared?.stop();
  process.exit(0);
} catch (error) {
  console.error(error);
  await shared?.stop().catch(() => undefined);
  process.exit(1);
}
