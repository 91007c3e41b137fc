/**
 * Cold start: each function's bundle, built with the deployed esbuild settings
 * (infra/bundling.ts), imported in a fresh Node process per sample, against a bare
 * yardstick bundle that only creates a DynamoDB DocumentClient (./yardstick-handler.ts).
 *
 * - Externals (the AWS SDK, Powertools) resolve from node_modules, as the runtime and
 *   the Powertools layer provide them; the bundles sit under the project root for that
 *   (node_modules/.cache/council-hub-bench).
 * - The child gets the environment HubFunction sets (functionEnvironment) plus what
 *   Lambda sets (AWS_EXECUTION_ENV...), so Powertools behaves as deployed.
 * - Init time = from just before `import(bundle)` to its settling, in the child: wall
 *   time, and the child's CPU time over the same span (user + system), which a loaded
 *   machine disturbs far less than wall time.
 * - Samples are interleaved: every round runs each bundle once (order reversed every
 *   other round), with the yardstick before every 4 bundles and at the end; a sample's
 *   ratio is against the median of its round's yardstick samples (one preempted
 *   yardstick sample must not skew four ratios). Reported: median and min–max over rounds.
 * - `sdk tracing` is the same bundle with POWERTOOLS_TRACE_ENABLED=true (the Tracer
 *   and aws-xray-sdk-core loaded and the HTTP modules patched, as before issue 13):
 *   its excess over the default is the Tracer's share (for TRACER_SAMPLE; every
 *   function with `compare`).
 * - `compare` adds the way it was before the logger, metrics and batch were bundled: every
 *   Powertools package resolved from the layer (infra/bundling.ts says why they are not).
 * - `floor` (./floor-handler.ts) is what every function loads before a route of its own:
 *   the store's client, the Powertools logger and metrics, the configuration checked
 *   with zod. It is sampled like a function, so its ratio says how much of the goal the
 *   chosen libraries spend on their own.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../../infra/bundling';
import { entryPoints } from '../../infra/bundle-budget';
import { functionEnvironment, projectRoot } from '../../infra/constructs/hub-function';
import { ascending, median, ratioText, spread, table, type Spread } from './stats';

export interface ColdStartOptions {
  /** Rounds of interleaved samples. @default 5 */
  rounds?: number;
  /** Also build and measure every function with all of Powertools from the layer. @default false */
  compare?: boolean;
  /** Only these functions. @default every entry point */
  functions?: string[];
  log?: (line: string) => void;
}

interface Variant {
  name: string;
  fn: string;
  kind: 'yardstick' | 'floor' | 'deployed' | 'sdk tracing' | 'layer powertools';
  file: string;
  env: Record<string, string>;
}

export interface ColdStartRow {
  fn: string;
  kind: Variant['kind'];
  sizeKb: number;
  wallMs: number;
  cpuMs: number;
  wall: Spread;
  cpu: Spread;
}

/** Under the project root, so externals resolve from node_modules; not .bundle-budget, which npm run bundle-budget empties. */
const outDir = join(projectRoot, 'node_modules', '.cache', 'council-hub-bench', 'cold-start');
const functionsDir = join(projectRoot, 'functions');
/** The functions whose SDK-tracing cost is measured by default (every function with `compare`): an API function per size, and a queue consumer. */
const TRACER_SAMPLE = ['councils', 'challenges', 'money', 'dispatcher'];

/** What the Lambda service sets in every Node.js 22 environment, plus each function's own settings (placeholders). */
function lambdaEnvironment(fn: string, sdkTracing: boolean): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: `council-hub-${fn}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_REGION: 'eu-west-2',
    AWS_DEFAULT_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    _HANDLER: 'index.handler',
    // The Node.js 22 runtime ships an SDK that does not warn; this one (on Node 20) would.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: 'council-hub-bench',
    EVENT_BUS_NAME: 'council-hub-bench',
    DELIVERY_QUEUE_URL: 'https://sqs.eu-west-2.amazonaws.com/000000000000/deliveries',
    DELIVERY_DLQ_URL: 'https://sqs.eu-west-2.amazonaws.com/000000000000/deliveries-dlq',
    WEB_SIGN_IN: 'cognito',
    WEB_ISSUER: 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_bench',
    WEB_CLIENT_ID: 'bench',
    WEB_LOGIN_DOMAIN: 'https://bench.auth.eu-west-2.amazoncognito.com',
    ...functionEnvironment({ sdkTracing }),
  };
}

/** The child: times one import and prints "wallMs cpuMs". */
const PROBE = [
  'const cpu = process.cpuUsage();',
  'const t = performance.now();',
  'await import(process.argv[1]);',
  'const wall = performance.now() - t;',
  'const used = process.cpuUsage(cpu);',
  'process.stdout.write(`${wall} ${(used.user + used.system) / 1000}`);',
].join(' ');

function sample(variant: Variant): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE, variant.file], { env: variant.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.once('error', reject);
    child.once('exit', (code) => {
      const [wall, cpu] = out.split(' ').map(Number);
      if (code !== 0 || !Number.isFinite(wall) || !Number.isFinite(cpu)) {
        reject(new Error(`cold start of ${variant.name} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`));
      } else resolve({ wall: wall!, cpu: cpu! });
    });
  });
}

async function bundle(name: string, entry: string, external?: string[]): Promise<string> {
  const outfile = join(outDir, name, 'index.mjs');
  const options = esbuildOptions(entry, outfile);
  await build({ ...options, ...(external ? { external } : {}), metafile: false });
  return outfile;
}

/** Builds every variant, then runs the interleaved rounds. */
export async function measureColdStart(options: ColdStartOptions = {}): Promise<ColdStartRow[]> {
  const rounds = Math.max(3, options.rounds ?? 5);
  const log = options.log ?? (() => undefined);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const fns = options.functions ?? entryPoints();
  const yardstick: Variant = {
    name: 'yardstick',
    fn: 'yardstick',
    kind: 'yardstick',
    file: await bundle('yardstick', join(import.meta.dirname, 'yardstick-handler.ts')),
    env: lambdaEnvironment('yardstick', false),
  };
  const variants: Variant[] = [
    { name: 'floor', fn: 'floor', kind: 'floor', file: await bundle('floor', join(import.meta.dirname, 'floor-handler.ts')), env: lambdaEnvironment('floor', false) },
  ];
  for (const fn of fns) {
    const file = await bundle(fn, join(functionsDir, `${fn}.ts`));
    variants.push({ name: fn, fn, kind: 'deployed', file, env: lambdaEnvironment(fn, false) });
    if (options.compare || TRACER_SAMPLE.includes(fn)) variants.push({ name: `${fn}+sdk-tracing`, fn, kind: 'sdk tracing', file, env: lambdaEnvironment(fn, true) });
    if (options.compare) {
      // The alternative: all of Powertools from the layer, nothing of it in the bundle.
      const layered = await bundle(`${fn}.layer-powertools`, join(functionsDir, `${fn}.ts`), ['@aws-sdk/*', '@aws-lambda-powertools/*']);
      variants.push({ name: `${fn}+layer-powertools`, fn, kind: 'layer powertools', file: layered, env: lambdaEnvironment(fn, false) });
    }
  }
  log(`  built ${variants.length + 1} bundles; ${rounds} rounds of ${variants.length} samples, the yardstick before every 4`);

  // A warm-up sample of each, so the first round does not pay for a cold file cache; a bundle
  // that cannot initialise here (a setting this bench does not know) is reported and left out.
  await sample(yardstick);
  for (const v of [...variants]) {
    try {
      await sample(v);
    } catch (error) {
      log(`  ${v.name}: left out: ${(error as Error).message}`);
      variants.splice(variants.indexOf(v), 1);
    }
  }

  const ratios = new Map<string, { wall: number[]; cpu: number[]; wallMs: number[]; cpuMs: number[] }>();
  const yardstickMs = { wall: [] as number[], cpu: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    const base = { wall: [] as number[], cpu: [] as number[] };
    const got: Array<{ v: Variant; wall: number; cpu: number }> = [];
    for (const [i, v] of order.entries()) {
      if (i % 4 === 0) {
        const y = await sample(yardstick);
        base.wall.push(y.wall);
        base.cpu.push(y.cpu);
      }
      got.push({ v, ...(await sample(v)) });
    }
    const y = await sample(yardstick);
    base.wall.push(y.wall);
    base.cpu.push(y.cpu);
    yardstickMs.wall.push(...base.wall);
    yardstickMs.cpu.push(...base.cpu);
    const [wallBase, cpuBase] = [median(base.wall), median(base.cpu)];
    for (const { v, wall, cpu } of got) {
      const r = ratios.get(v.name) ?? { wall: [], cpu: [], wallMs: [], cpuMs: [] };
      r.wall.push(wall / wallBase);
      r.cpu.push(cpu / cpuBase);
      r.wallMs.push(wall);
      r.cpuMs.push(cpu);
      ratios.set(v.name, r);
    }
  }

  const rows: ColdStartRow[] = [
    {
      fn: 'yardstick',
      kind: 'yardstick',
      sizeKb: statSync(yardstick.file).size / 1024,
      wallMs: median(yardstickMs.wall),
      cpuMs: median(yardstickMs.cpu),
      wall: { median: 1, min: 1, max: 1 },
      cpu: { median: 1, min: 1, max: 1 },
    },
  ];
  for (const v of variants) {
    const r = ratios.get(v.name)!;
    rows.push({ fn: v.fn, kind: v.kind, sizeKb: statSync(v.file).size / 1024, wallMs: median(r.wallMs), cpuMs: median(r.cpuMs), wall: spread(r.wall), cpu: spread(r.cpu) });
  }
  log(formatColdStart(rows));
  return rows;
}

export function formatColdStart(rows: readonly ColdStartRow[]): string {
  const yard = rows.find((r) => r.kind === 'yardstick')!;
  const floor = rows.find((r) => r.kind === 'floor');
  const lines = [
    `  yardstick (DocumentClient only): ${yard.sizeKb.toFixed(1)} KB, init ${yard.wallMs.toFixed(0)} ms wall, ${yard.cpuMs.toFixed(0)} ms CPU (medians)`,
    ...(floor
      ? [
          `  floor (the store's client + Powertools logger and metrics + the zod-checked config, before any route): ${floor.sizeKb.toFixed(1)} KB, ` +
            `CPU ${ratioText(floor.cpu)}, wall ${ratioText(floor.wall)} of the yardstick`,
        ]
      : []),
  ];
  const byFn = new Map<string, ColdStartRow[]>();
  for (const r of rows) if (r.kind !== 'yardstick' && r.kind !== 'floor') byFn.set(r.fn, [...(byFn.get(r.fn) ?? []), r]);
  const body: string[][] = [];
  for (const [fn, variants] of byFn) {
    const deployed = variants.find((v) => v.kind === 'deployed')!;
    const traced = variants.find((v) => v.kind === 'sdk tracing');
    const layered = variants.find((v) => v.kind === 'layer powertools');
    const share = traced ? traced.cpu.median - deployed.cpu.median : NaN;
    body.push([
      fn,
      `${deployed.sizeKb.toFixed(1)} KB`,
      ratioText(deployed.wall),
      ratioText(deployed.cpu),
      traced ? ratioText(traced.cpu) : '-',
      traced ? `${share >= 0 ? '+' : ''}${share.toFixed(2)}×` : '-',
      ...(layered ? [`${layered.sizeKb.toFixed(1)} KB`, ratioText(layered.cpu)] : []),
    ]);
  }
  const header = ['function', 'size', 'init ÷ yardstick, wall', 'CPU', 'with SDK tracing, CPU', 'Tracer share'];
  if (rows.some((r) => r.kind === 'layer powertools')) header.push('all Powertools from the layer: size', 'CPU');
  lines.push(table(header, body).replace(/^/gm, '  '));
  const deployed = rows.filter((r) => r.kind === 'deployed');
  const worst = (key: 'wall' | 'cpu') => ascending(deployed.map((r) => r[key].median)).at(-1) ?? NaN;
  lines.push(
    `  goal ≤ 1.25× for every function: worst wall ${worst('wall').toFixed(2)}×, worst CPU ${worst('cpu').toFixed(2)}×; ` +
      `largest bundle ${Math.max(...deployed.map((r) => r.sizeKb)).toFixed(1)} KB (goal ≤ 200 KB)`,
  );
  return lines.join('\n');
}
