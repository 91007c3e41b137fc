import { describe, expect, it } from 'vitest';
import { BALANCE_LAYOUT, balanceChart, linearScale, niceTicks, poolChart, SHARE_LAYOUT, shareChart, thin } from '../../shared/web/charts';

const rect = (svg: string) => [...svg.matchAll(/<rect class="([^"]+)" x="([-\d.]+)" y="([-\d.]+)" width="([-\d.]+)"/g)].map((m) => ({ cls: m[1]!, x: Number(m[2]), y: Number(m[3]), width: Number(m[4]) }));
const councils = (n: number) => Array.from({ length: n }, (_, i) => `E07000${String(100 + i).padStart(3, '0')}`);

describe('scales', () => {
  it('maps a domain linearly onto a range, either way round', () => {
    const s = linearScale([-100, 300], [0, 400]);
    expect([s(-100), s(0), s(300), s(100)]).toEqual([0, 100, 400, 200]);
    const down = linearScale([0, 10], [250, 50]);
    expect([down(0), down(5), down(10)]).toEqual([250, 150, 50]);
  });

  it('maps a zero-width domain to the start of the range instead of dividing by zero', () => {
    expect(linearScale([5, 5], [10, 20])(5)).toBe(10);
  });

  it('picks whole-number 1-2-5 ticks that cover the values and include zero', () => {
    expect(niceTicks(0, 1_000_000)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
    const mixed = niceTicks(-161_481, 338_395);
    expect(mixed).toContain(0);
    expect(mixed[0]).toBeLessThanOrEqual(-161_481);
    expect(mixed.at(-1)).toBeGreaterThanOrEqual(338_395);
    expect(mixed.every(Number.isInteger)).toBe(true);
    expect(niceTicks(0, 1)).toEqual([0, 1]);
  });

  it('thins a long series to at most the limit, keeping the first and last point', () => {
    const points = Array.from({ length: 10_001 }, (_, i) => i);
    const kept = thin(points, 240);
    expect(kept.length).toBeLessThanOrEqual(240);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(10_000);
    expect(thin([1, 2, 3], 240)).toEqual([1, 2, 3]);
  });
});

describe('the balance chart', () => {
  it('draws credit right of zero and debt left of it, to scale', () => {
    const chart = balanceChart([
      { council: 'E08000025', name: 'Birmingham City Council', balancePence: 338_395 },
      { council: 'E08000026', name: 'Coventry City Council', balancePence: 88_519 },
      { council: 'E09000033', name: 'Westminster City Council', balancePence: -161_481 },
    ]);
    const [bham, cov, wes] = chart.bars;
    expect(bham!.negative).toBe(false);
    expect(bham!.x).toBe(chart.zeroX);
    expect(wes!.negative).toBe(true);
    expect(wes!.x + wes!.width).toBeCloseTo(chart.zeroX, 1);
    // Lengths are proportional to the balances.
    expect(bham!.width / cov!.width).toBeCloseTo(338_395 / 88_519, 1);
    expect(wes!.width / bham!.width).toBeCloseTo(161_481 / 338_395, 1);
    // The plot stays inside the labels' and values' columns.
    expect(Math.min(...chart.bars.map((b) => b.x))).toBeGreaterThanOrEqual(BALANCE_LAYOUT.labelWidth - 0.1);
    expect(Math.max(...chart.bars.map((b) => b.x + b.width))).toBeLessThanOrEqual(BALANCE_LAYOUT.width - BALANCE_LAYOUT.valueWidth + 0.1);
    const svg = chart.svg.value;
    expect(svg).toContain('role="img"');
    expect(svg).toMatch(/<title id="balances-title">/);
    expect(svg).toContain('-£1,614.81');
    expect(svg).toContain('£3,383.95');
    expect(rect(svg).filter((r) => r.cls.includes('hub-bar--negative'))).toHaveLength(1);
    expect(svg).toContain('1 owing');
  });

  it('puts zero at the right edge when every member owes, and still shows a balance of a penny', () => {
    const chart = balanceChart([
      { council: 'E08000025', name: 'Birmingham', balancePence: -100_000 },
      { council: 'E08000026', name: 'Coventry', balancePence: -1 },
    ]);
    expect(chart.zeroX).toBeCloseTo(BALANCE_LAYOUT.width - BALANCE_LAYOUT.valueWidth, 1);
    expect(chart.bars.every((b) => b.negative)).toBe(true);
    expect(chart.bars[1]!.width).toBeGreaterThanOrEqual(1);
  });

  it('draws one council, and all-zero balances, without dividing by zero', () => {
    const one = balanceChart([{ council: 'E08000025', name: 'Birmingham City Council', balancePence: 0 }]);
    expect(one.bars).toEqual([expect.objectContaining({ council: 'E08000025', width: 0, negative: false })]);
    expect(one.height).toBe(BALANCE_LAYOUT.top + BALANCE_LAYOUT.rowHeight + BALANCE_LAYOUT.bottom);
    expect(one.svg.value).not.toContain('NaN');
    expect(one.svg.value).toContain('1 council:');
  });

  it('draws fifty councils, one row each, every name and amount written out', () => {
    const codes = councils(50);
    const rows = codes.map((council, i) => ({ council, name: `District ${i}`, balancePence: (i - 25) * 10_001 }));
    const chart = balanceChart(rows);
    expect(chart.bars).toHaveLength(50);
    expect(chart.height).toBe(BALANCE_LAYOUT.top + 50 * BALANCE_LAYOUT.rowHeight + BALANCE_LAYOUT.bottom);
    const ys = chart.bars.map((b) => b.y);
    expect(new Set(ys).size).toBe(50);
    for (const r of rows) expect(chart.svg.value).toContain(`>${r.name}<`);
    expect(chart.bars.filter((b) => b.negative)).toHaveLength(25);
    expect(chart.svg.value).not.toContain('NaN');
  });

  it('escapes council names: a name is text, never markup', () => {
    const chart = balanceChart([{ council: 'E08000025', name: '<script>alert(1)</script> & Co', balancePence: 5 }]);
    expect(chart.svg.value).not.toContain('<script>');
    expect(chart.svg.value).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
  });
});

describe('the share chart', () => {
  it('draws each council’s cost share and risk share side by side, on one scale', () => {
    const chart = shareChart([
      { council: 'E08000025', name: 'Birmingham', costBps: 5000, riskBps: 7000 },
      { council: 'E08000026', name: 'Coventry', costBps: 3000, riskBps: 2000 },
      { council: 'E09000033', name: 'Westminster', costBps: 2000, riskBps: 1000 },
    ]);
    expect(chart.scale.domain).toEqual([0, 7000]);
    const cost = chart.bars.filter((b) => b.kind === 'cost');
    const risk = chart.bars.filter((b) => b.kind === 'risk');
    expect(cost).toHaveLength(3);
    expect(risk).toHaveLength(3);
    expect(risk[0]!.width).toBeCloseTo(SHARE_LAYOUT.width - SHARE_LAYOUT.valueWidth - SHARE_LAYOUT.labelWidth, 1);
    expect(cost[0]!.width / risk[0]!.width).toBeCloseTo(5000 / 7000, 2);
    // Side by side: the risk bar right under its council's cost bar.
    expect(risk[1]!.y).toBe(cost[1]!.y + SHARE_LAYOUT.barHeight + SHARE_LAYOUT.gap);
    expect(chart.svg.value).toContain('cost 50.00%');
    expect(chart.svg.value).toContain('risk 10.00%');
  });

  it('scales fifty small shares to the largest, so each bar can be seen', () => {
    const codes = councils(50);
    const rows = codes.map((council, i) => ({ council, name: council, costBps: i < 49 ? 200 : 200, riskBps: i === 0 ? 250 : (10_000 - 250) / 49 | 0 }));
    const chart = shareChart(rows);
    expect(chart.scale.domain[1]).toBe(300);
    expect(chart.bars).toHaveLength(100);
    expect(Math.min(...chart.bars.map((b) => b.width))).toBeGreaterThan(100);
  });

  it('draws one council holding everything', () => {
    const chart = shareChart([{ council: 'E08000025', name: 'Birmingham', costBps: 10_000, riskBps: 10_000 }]);
    expect(chart.scale.domain).toEqual([0, 10_000]);
    expect(chart.bars).toHaveLength(2);
    expect(chart.svg.value).toContain('cost 100.00%');
  });
});

describe('the pool chart', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 9, minute)).toISOString();

  it('steps cash and committed funds over time, below zero when spend passes receipts', () => {
    const chart = poolChart([
      { at: at(0), cashPence: 0, committedPence: 0 },
      { at: at(10), cashPence: 0, committedPence: 500_000 },
      { at: at(20), cashPence: 250_000, committedPence: 500_000 },
      { at: at(30), cashPence: -100_000, committedPence: 500_000 },
    ]);
    expect(chart.ticks[0]).toBeLessThanOrEqual(-100_000);
    expect(chart.ticks).toContain(0);
    expect(chart.y(0)).toBeGreaterThan(chart.y(500_000));
    expect(chart.y(-100_000)).toBeGreaterThan(chart.y(0));
    expect(chart.x(Date.parse(at(0)))).toBe(78);
    expect(chart.x(Date.parse(at(30)))).toBe(760 - 16);
    const paths = [...chart.svg.value.matchAll(/<path class="hub-line hub-line--(\w+)" d="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(paths.map(([k]) => k)).toEqual(['committed', 'cash']);
    expect(paths[1]![1]).toMatch(/^M78,[\d.]+(H[\d.]+V[\d.]+){3}$/);
    expect(chart.svg.value).toContain('now -£1,000.00 cash and £5,000.00 committed');
  });

  it('spreads entries recorded in the same instant evenly, and draws a single point', () => {
    const same = poolChart([
      { at: at(0), cashPence: 0, committedPence: 0 },
      { at: at(0), cashPence: 100, committedPence: 100 },
      { at: at(0), cashPence: 50, committedPence: 100 },
    ]);
    expect(same.svg.value).not.toContain('NaN');
    expect(same.x(1)).toBeCloseTo((78 + 744) / 2, 1);
    const one = poolChart([{ at: at(0), cashPence: 0, committedPence: 0 }]);
    expect(one.svg.value).not.toContain('NaN');
    expect(one.points).toHaveLength(1);
  });

  it('thins a long series to the points it draws, and says so in its table of points', () => {
    const series = Array.from({ length: 10_001 }, (_, i) => ({ at: at(i % 60), cashPence: i * 100, committedPence: i * 200 }));
    const chart = poolChart(series);
    expect(chart.points.length).toBeLessThanOrEqual(150);
    expect(chart.points.at(-1)).toEqual(series.at(-1));
  });
});
