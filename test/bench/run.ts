/**
 * `npm run bench`: the benchmarks of the hub. Today: the event fan-out's
 * commit-to-delivery latency on the local hub (test/bench/fanout-latency.ts).
 *   BENCH_EVENTS=120      events per phase (at most 1000)
 *   BENCH_CONCURRENCY=8   writers in the burst phase
 */
import { measureFanoutLatency } from './fanout-latency';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

// The API handlers run in this process; Powertools Metrics (disabled locally) still warns once per
// request about dimensions and empty flushes, which would bury the results. Only those lines are dropped.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && /^(Dimension "|No application metrics to publish)/.test(args[0])) return;
  warn(...args);
};

const eventsPerPhase = Number(process.env.BENCH_EVENTS ?? 120);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
console.log(`Fan-out latency, local hub: commit (occurredAt) -> verified webhook receipt on 127.0.0.1, ${eventsPerPhase} events per phase`);
try {
  const results = await measureFanoutLatency({ eventsPerPhase, concurrency, log: (line) => console.log(line) });
  const all = results.reduce((n, r) => n + r.events, 0);
  console.log(`${all} events delivered and verified.`);
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
