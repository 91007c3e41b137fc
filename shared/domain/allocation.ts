// Largest-remainder apportionment: the one rounding rule for shares (basis points)
// and money (pence). Exact integer arithmetic throughout, so parts always sum to the
// total and the same inputs always give the same parts.

export interface Weight {
  key: string;
  weight: number | bigint;
}

/**
 * Splits `total` units over `weights`: each key gets the floor of its exact quota
 * total*weight/sum, then the leftover units go one each to the largest fractional
 * remainders, ties to the lower key. Zero weight gets zero. The result is keyed in
 * ascending key order and does not depend on the order of `weights`.
 */
export function allocateLargestRemainder(
  total: number,
  weights: ReadonlyArray<Weight>,
): Map<string, number> {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new RangeError(`total must be a non-negative whole number (got ${String(total)})`);
  }
  const entries = weights.map(({ key, weight }) => ({ key, weight: toWeight(key, weight) }));
  entries.sort((a, b) => compareKeys(a.key, b.key));
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.key === entries[i - 1]!.key) {
      throw new RangeError(`duplicate key ${entries[i]!.key}`);
    }
  }

  const sum = entries.reduce((acc, e) => acc + e.weight, 0n);
  const result = new Map<string, number>();
  if (sum === 0n) {
    if (total > 0) throw new RangeError(`cannot allocate ${total} when every weight is zero`);
    for (const e of entries) result.set(e.key, 0);
    return result;
  }

  // Products total*weight can pass 2^53, hence BigInt.
  const big = BigInt(total);
  const parts = entries.map((e) => {
    const product = big * e.weight;
    return { key: e.key, floor: product / sum, remainder: product % sum };
  });
  let leftover = big - parts.reduce((acc, p) => acc + p.floor, 0n);

  // Sum of remainders is leftover*sum with each remainder below sum, so more
  // entries have a positive remainder than there are leftover units: a zero
  // weight (remainder 0) never receives one.
  const byRemainder = [...parts].sort((a, b) =>
    a.remainder === b.remainder ? compareKeys(a.key, b.key) : a.remainder > b.remainder ? -1 : 1,
  );
  for (const p of byRemainder) {
    if (leftover === 0n) break;
    p.floor += 1n;
    leftover -= 1n;
  }

  for (const p of parts) result.set(p.key, Number(p.floor));
  return result;
}

function toWeight(key: string, weight: number | bigint): bigint {
  if (typeof weight === 'bigint') {
    if (weight < 0n) throw new RangeError(`weight for ${key} must not be negative (got ${weight})`);
    return weight;
  }
  // A number above 2^53 may already have lost digits; such weights must come as bigint.
  if (!Number.isSafeInteger(weight) || weight < 0) {
    throw new RangeError(`weight for ${key} must be a non-negative whole number (got ${String(weight)})`);
  }
  return BigInt(weight);
}

// Plain code-unit comparison, independent of locale.
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
