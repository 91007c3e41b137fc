/** Small statistics and formatting helpers shared by the benches. */

/** The value at quantile q (nearest rank) of an ascending list. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const ascending = (values: readonly number[]) => [...values].sort((a, b) => a - b);

export function median(values: readonly number[]): number {
  const s = ascending(values);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const s = ascending(values);
  return { median: median(s), min: s[0] ?? NaN, max: s.at(-1) ?? NaN };
}

/** "1.12× (1.05–1.20)" */
export const ratioText = (r: Spread, digits = 2) => `${r.median.toFixed(digits)}× (${r.min.toFixed(digits)}–${r.max.toFixed(digits)})`;

export const ms = (v: number, digits = 1) => `${v.toFixed(digits)} ms`;

/** The machine's load right now (as `uptime` prints it), to state beside every figure. */
export async function loadAverage(): Promise<string> {
  const { loadavg, cpus } = await import('node:os');
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(', ')} on ${cpus().length} cores`;
}

/** The whole machine's busy share of its CPUs over `ms` (0-1), from the kernel's per-CPU times. */
async function busyShare(ms: number): Promise<number> {
  const { cpus } = await import('node:os');
  const total = () => cpus().reduce((t, c) => ({ busy: t.busy + c.times.user + c.times.nice + c.times.sys + c.times.irq, all: t.all + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle }), { busy: 0, all: 0 });
  const a = total();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = total();
  return b.all > a.all ? (b.busy - a.busy) / (b.all - a.all) : 0;
}

/**
 * Waits until the machine is quiet (under `below` of its CPUs busy for a second), at most `most` ms:
 * a bench that writes thousands of events leaves the hub's fan-out (and DynamoDB Local) working
 * through them, and the next bench would be timed against that. Says how long it waited.
 */
export async function whenQuiet(options: { below?: number; most?: number } = {}): Promise<string> {
  const { below = 0.25, most = 60_000 } = options;
  const t0 = performance.now();
  let share = await busyShare(1_000);
  while (share >= below && performance.now() - t0 < most) share = await busyShare(1_000);
  const waited = ((performance.now() - t0) / 1000).toFixed(0);
  return share < below ? `quiet after ${waited} s (${(share * 100).toFixed(0)}% of the CPUs busy)` : `still ${(share * 100).toFixed(0)}% busy after ${waited} s: timed anyway`;
}

/** Rows of cells as an aligned plain-text table. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Runs `work` for each item with at most `concurrency` at once. */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}
