/**
 * An independent reference for the money rules, written for the tests apart
 * from shared/domain (which the tests must not use to compute what they expect):
 * exact BigInt quotas, the leftover units one each to the largest remainders,
 * ties to the lower council code; a cost's part within the headroom by cost
 * shares, the overrun by risk shares.
 */
export interface RefShare {
  council: string;
  costBps: number;
  riskBps: number;
}

export interface RefAllocation {
  council: string;
  costPence: number;
  riskPence: number;
}

export function apportion(total: number, weights: ReadonlyArray<readonly [string, number]>): Map<string, number> {
  const sum = weights.reduce((acc, [, w]) => acc + BigInt(w), 0n);
  const out = new Map<string, number>();
  if (sum === 0n) {
    for (const [k] of weights) out.set(k, 0);
    return out;
  }
  const whole = BigInt(total);
  const rows = weights.map(([k, w]) => ({ k, units: (whole * BigInt(w)) / sum, rest: (whole * BigInt(w)) % sum }));
  let leftover = whole - rows.reduce((acc, r) => acc + r.units, 0n);
  const byRest = [...rows].sort((a, b) => (a.rest !== b.rest ? (b.rest > a.rest ? 1 : -1) : a.k < b.k ? -1 : 1));
  for (const r of byRest) {
    if (leftover === 0n) break;
    r.units += 1n;
    leftover -= 1n;
  }
  for (const r of [...rows].sort((a, b) => (a.k < b.k ? -1 : 1))) out.set(r.k, Number(r.units));
  return out;
}

/** Shares on a computed basis: one apportionment of 10000 bps serves cost and risk alike. */
export function computedShares(weights: ReadonlyArray<readonly [string, number]>): RefShare[] {
  return [...apportion(10_000, weights)].map(([council, bps]) => ({ council, costBps: bps, riskBps: bps }));
}

export function splitCostRef(amountPence: number, headroomPence: number, shares: ReadonlyArray<RefShare>): RefAllocation[] {
  const within = Math.min(amountPence, Math.max(0, headroomPence));
  const overrun = amountPence - within;
  const cost = apportion(within, shares.map((s) => [s.council, s.costBps] as const));
  const risk = apportion(overrun, shares.map((s) => [s.council, s.riskBps] as const));
  return [...cost.keys()].map((council) => ({ council, costPence: cost.get(council)!, riskPence: risk.get(council)! }));
}
