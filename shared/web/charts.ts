/**
 * Server-rendered SVG charts: pure functions from figures to markup (no DOM, no
 * script), styled by classes in hub.css so the strict CSP needs no inline style.
 * Every chart is an image with a title and a description; the table beside it on
 * the page is its text equivalent. Money stays integer pence; only pixel
 * positions are fractional.
 */
import { percent, pounds, poundsShort, shortDate, shortTime } from './format';
import { html, raw, type SafeHtml } from './html';

export interface Scale {
  domain: readonly [number, number];
  range: readonly [number, number];
  (value: number): number;
}

/** Maps [d0, d1] onto [r0, r1]; a zero-width domain maps everything to r0. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const scale = ((value: number) => (d1 === d0 ? r0 : r0 + ((value - d0) / (d1 - d0)) * (r1 - r0))) as Scale;
  return Object.assign(scale, { domain, range });
}

/** A 1, 2 or 5 times a power of ten step, so that `span` needs about `count` of them. */
export function niceStep(span: number, count = 5): number {
  if (span <= 0) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  return Math.max(1, Math.round(step));
}

/** Whole-number ticks covering [lo, hi], zero included whenever the range spans it. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const step = niceStep(hi - lo, count);
  const first = Math.floor(lo / step) * step;
  const last = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = first; t <= last; t += step) ticks.push(t);
  return ticks;
}

const round = (n: number) => Math.round(n * 10) / 10;
const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function frame(id: string, width: number, height: number, title: string, desc: string, body: SafeHtml): SafeHtml {
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="hub-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false"><title id="${id}-title">${title}</title><desc id="${id}-desc">${desc}</desc>${body}</svg>`;
}

// ---------------------------------------------------------------------------
// Balances: one bar per council either side of zero

export interface BalanceRow {
  council: string;
  name: string;
  balancePence: number;
}

export interface BalanceChart {
  svg: SafeHtml;
  width: number;
  height: number;
  scale: Scale;
  zeroX: number;
  bars: Array<{ council: string; x: number; width: number; y: number; negative: boolean }>;
}

export const BALANCE_LAYOUT = { width: 760, labelWidth: 270, valueWidth: 110, rowHeight: 28, barHeight: 16, top: 28, bottom: 8 } as const;

/** Each member's balance as a bar from zero: right of it in credit, left of it owing the pool. */
export function balanceChart(rows: readonly BalanceRow[], id = 'balances'): BalanceChart {
  const L = BALANCE_LAYOUT;
  const values = rows.map((r) => r.balancePence);
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (lo === hi) hi = 1;
  // Symmetric enough to read: each side at least a tenth of the other, so a small
  // debt next to a large credit still shows which side of zero it is on.
  const span = Math.max(-lo, hi);
  if (lo < 0) lo = Math.min(lo, -span / 10);
  if (hi > 0 && lo < 0) hi = Math.max(hi, span / 10);
  const plotLeft = L.labelWidth;
  const plotRight = L.width - L.valueWidth;
  const scale = linearScale([lo, hi], [plotLeft, plotRight]);
  const zeroX = round(scale(0));
  const height = L.top + rows.length * L.rowHeight + L.bottom;

  const bars = rows.map((r, i) => {
    const end = scale(r.balancePence);
    let width = Math.abs(end - zeroX);
    // A balance of a few pence still shows as a sliver, on its side of zero.
    if (r.balancePence !== 0 && width < 1) width = 1;
    const negative = r.balancePence < 0;
    return { council: r.council, x: round(negative ? zeroX - width : zeroX), width: round(width), y: L.top + i * L.rowHeight + (L.rowHeight - L.barHeight) / 2, negative };
  });

  const body = html`
<g class="hub-chart__axis"><text x="${plotLeft}" y="16" text-anchor="start">${poundsShort(Math.round(lo))}</text><text x="${zeroX}" y="16" text-anchor="middle">£0</text><text x="${plotRight}" y="16" text-anchor="end">${poundsShort(Math.round(hi))}</text></g>
${rows.map((r, i) => {
  const bar = bars[i]!;
  const mid = L.top + i * L.rowHeight + L.rowHeight / 2 + 5;
  return html`<g class="hub-chart__row"><text x="${plotLeft - 8}" y="${mid}" text-anchor="end">${truncate(r.name, 36)}</text><rect class="${bar.negative ? 'hub-bar hub-bar--negative' : 'hub-bar hub-bar--positive'}" x="${bar.x}" y="${bar.y}" width="${bar.width}" height="${L.barHeight}"></rect><text x="${L.width - 4}" y="${mid}" text-anchor="end">${pounds(r.balancePence)}</text></g>`;
})}
<line class="hub-chart__zero" x1="${zeroX}" y1="${L.top - 6}" x2="${zeroX}" y2="${height - L.bottom + 2}"></line>`;

  const owing = rows.filter((r) => r.balancePence < 0).length;
  const desc =
    rows.length === 0
      ? 'No members yet.'
      : `${rows.length} ${rows.length === 1 ? 'council' : 'councils'}: bars right of zero are in credit, left of zero owe the pool (${owing} owing). The table below gives every figure.`;
  return { svg: frame(id, L.width, height, 'Each council’s balance with the pool', desc, body), width: L.width, height, scale, zeroX, bars };
}

// ---------------------------------------------------------------------------
// Shares: cost share and risk share side by side for each council

export interface ShareRow {
  council: string;
  name: string;
  costBps: number;
  riskBps: number;
}

export interface ShareChart {
  svg: SafeHtml;
  width: number;
  height: number;
  scale: Scale;
  bars: Array<{ council: string; kind: 'cost' | 'risk'; x: number; width: number; y: number }>;
}

export const SHARE_LAYOUT = { width: 760, labelWidth: 270, valueWidth: 170, rowHeight: 34, barHeight: 11, gap: 2, top: 34, bottom: 8 } as const;

export function shareChart(rows: readonly ShareRow[], id = 'shares'): ShareChart {
  const L = SHARE_LAYOUT;
  const max = Math.max(1, ...rows.flatMap((r) => [r.costBps, r.riskBps]));
  // Up to the next 5% (or 1% below 10%), so fifty small shares still get bars you can see.
  const step = max > 1000 ? 500 : 100;
  const top = Math.min(10_000, Math.ceil(max / step) * step);
  const plotLeft = L.labelWidth;
  const plotRight = L.width - L.valueWidth;
  const scale = linearScale([0, top], [plotLeft, plotRight]);
  const height = L.top + rows.length * L.rowHeight + L.bottom;
  const bars: ShareChart['bars'] = [];
  const rowsSvg = rows.map((r, i) => {
    const y0 = L.top + i * L.rowHeight + (L.rowHeight - 2 * L.barHeight - L.gap) / 2;
    const cost = { council: r.council, kind: 'cost' as const, x: plotLeft, width: round(scale(r.costBps) - plotLeft), y: y0 };
    const risk = { council: r.council, kind: 'risk' as const, x: plotLeft, width: round(scale(r.riskBps) - plotLeft), y: y0 + L.barHeight + L.gap };
    bars.push(cost, risk);
    const mid = L.top + i * L.rowHeight + L.rowHeight / 2 + 5;
    return html`<g class="hub-chart__row"><text x="${plotLeft - 8}" y="${mid}" text-anchor="end">${truncate(r.name, 36)}</text><rect class="hub-bar hub-bar--cost" x="${cost.x}" y="${cost.y}" width="${cost.width}" height="${L.barHeight}"></rect><rect class="hub-bar hub-bar--risk" x="${risk.x}" y="${risk.y}" width="${risk.width}" height="${L.barHeight}"></rect><text class="hub-chart__small" x="${L.width - 4}" y="${cost.y + L.barHeight - 1}" text-anchor="end">cost ${percent(r.costBps)}</text><text class="hub-chart__small" x="${L.width - 4}" y="${risk.y + L.barHeight}" text-anchor="end">risk ${percent(r.riskBps)}</text></g>`;
  });
  const body = html`
<g class="hub-chart__legend"><rect class="hub-bar hub-bar--cost" x="${plotLeft}" y="6" width="14" height="11"></rect><text x="${plotLeft + 20}" y="16">Cost share (upper bar)</text><rect class="hub-bar hub-bar--risk" x="${plotLeft + 220}" y="6" width="14" height="11"></rect><text x="${plotLeft + 240}" y="16">Risk share (lower bar)</text></g>
${rowsSvg}
<line class="hub-chart__zero" x1="${plotLeft}" y1="${L.top - 4}" x2="${plotLeft}" y2="${height - L.bottom + 2}"></line>
<text class="hub-chart__small" x="${plotRight}" y="${L.top - 6}" text-anchor="end">${percent(top)}</text>`;
  const desc = `Cost and risk shares of ${rows.length} ${rows.length === 1 ? 'council' : 'councils'}, on a scale from 0 to ${percent(top)}. The table gives every share.`;
  return { svg: frame(id, L.width, height, 'Cost share and risk share of each council', desc, body), width: L.width, height, scale, bars };
}

// ---------------------------------------------------------------------------
// The pool over time: cash and committed funds after each ledger entry

export interface PoolPoint {
  at: string;
  cashPence: number;
  committedPence: number;
}

export interface PoolChart {
  svg: SafeHtml;
  width: number;
  height: number;
  x: Scale;
  y: Scale;
  ticks: number[];
  /** The points drawn (the series thinned to at most `maxPoints`). */
  points: PoolPoint[];
}

export const POOL_LAYOUT = { width: 760, height: 300, left: 78, right: 16, top: 34, bottom: 36 } as const;

/** At most `max` points, always keeping the first and the last. */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const every = Math.ceil((points.length - 1) / (max - 1));
  const kept = points.filter((_, i) => i % every === 0);
  if (kept.at(-1) !== points.at(-1)) kept.push(points.at(-1)!);
  return kept;
}

/** A date, with the time when the whole chart spans less than two days. */
const axisDate = (iso: string, spanMs: number) => (spanMs < 2 * 86_400_000 ? `${shortDate(iso)} ${shortTime(iso)}` : shortDate(iso));

export function poolChart(series: readonly PoolPoint[], id = 'pool', maxPoints = 150): PoolChart {
  const L = POOL_LAYOUT;
  const points = thin(series, maxPoints);
  const values = points.flatMap((p) => [p.cashPence, p.committedPence]);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(1, ...values));
  const y = linearScale([ticks[0]!, ticks.at(-1)!], [L.height - L.bottom, L.top]);
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const plot: readonly [number, number] = [L.left, L.width - L.right];
  // Entries recorded in the same instant (or a single one) are spread evenly instead.
  const byTime = points.length > 1 && t1 > t0;
  const x = byTime ? linearScale([t0, t1], plot) : linearScale([0, Math.max(1, points.length - 1)], plot);
  const xOf = (i: number) => round(byTime ? x(times[i]!) : x(i));
  const step = (pick: (p: PoolPoint) => number) =>
    points.map((p, i) => (i === 0 ? `M${xOf(0)},${round(y(pick(p)))}` : `H${xOf(i)}V${round(y(pick(p)))}`)).join('');

  const body = html`
<g class="hub-chart__legend"><line class="hub-line hub-line--cash" x1="${L.left}" y1="12" x2="${L.left + 28}" y2="12"></line><text x="${L.left + 34}" y="17">Pool cash (solid)</text><line class="hub-line hub-line--committed" x1="${L.left + 200}" y1="12" x2="${L.left + 228}" y2="12"></line><text x="${L.left + 234}" y="17">Committed funds (dashed)</text></g>
<g class="hub-chart__axis">${ticks.map((t) => html`<line class="${t === 0 ? 'hub-chart__zero' : 'hub-chart__grid'}" x1="${L.left}" y1="${round(y(t))}" x2="${L.width - L.right}" y2="${round(y(t))}"></line><text x="${L.left - 6}" y="${round(y(t)) + 5}" text-anchor="end">${poundsShort(t)}</text>`)}</g>
${points.length > 0
  ? html`<path class="hub-line hub-line--committed" d="${step((p) => p.committedPence)}"></path><path class="hub-line hub-line--cash" d="${step((p) => p.cashPence)}"></path>
<g class="hub-chart__axis"><text x="${L.left}" y="${L.height - 10}" text-anchor="start">${axisDate(points[0]!.at, t1 - t0)}</text><text x="${L.width - L.right}" y="${L.height - 10}" text-anchor="end">${axisDate(points.at(-1)!.at, t1 - t0)}</text></g>`
  : raw('')}`;
  const last = points.at(-1);
  const desc = last
    ? `Step lines over ${points.length} ${points.length === 1 ? 'point' : 'points'} from ${shortDate(points[0]!.at)} to ${shortDate(last.at)}; now ${pounds(last.cashPence)} cash and ${pounds(last.committedPence)} committed. The table below lists each point.`
    : 'No money has moved yet.';
  return { svg: frame(id, L.width, L.height, 'Pool cash and committed funds over time', desc, body), width: L.width, height: L.height, x, y, ticks, points };
}
