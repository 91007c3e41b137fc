import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { allocateLargestRemainder } from '../../shared/domain/allocation';

const RUNS = { numRuns: 200 };

const gssCode = fc
  .tuple(fc.constantFrom('E', 'W', 'S', 'N'), fc.integer({ min: 0, max: 99_999_999 }))
  .map(([country, n]) => country + String(n).padStart(8, '0'));

type W = { key: string; weight: number | bigint };

const weightList = (weight: fc.Arbitrary<number | bigint>) =>
  fc.uniqueArray(fc.record({ key: gssCode, weight }), { selector: (w) => w.key, minLength: 1, maxLength: 12 });

// A total and weights that can be allocated (some weight is positive, or the total is 0).
const allocatable = (weight: fc.Arbitrary<number | bigint>, total: fc.Arbitrary<number>) =>
  fc
    .record({ total, weights: weightList(weight) })
    .filter(({ total, weights }) => total === 0 || weights.some((w) => BigInt(w.weight) > 0n));

const smallCase = allocatable(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000_000 }));
const hugeCase = allocatable(
  fc.bigInt({ min: 0n, max: 2n ** 80n }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

const sumOf = (m: Map<string, number>) => [...m.values()].reduce((acc, v) => acc + BigInt(v), 0n);

// |part - total*w/sum| < 1, checked exactly as |part*sum - total*w| < sum.
function withinOneUnit(total: number, weights: W[], parts: Map<string, number>): boolean {
  const sum = weights.reduce((acc, w) => acc + BigInt(w.weight), 0n);
  if (sum === 0n) return [...parts.values()].every((p) => p === 0);
  return weights.every((w) => {
    const diff = BigInt(parts.get(w.key)!) * sum - BigInt(total) * BigInt(w.weight);
    return (diff < 0n ? -diff : diff) < sum;
  });
}

describe('allocateLargestRemainder', () => {
  it('splits 10000 over three equal weights as 3334/3333/3333, the extra unit to the lower code', () => {
    const parts = allocateLargestRemainder(10_000, [
      { key: 'E09000033', weight: 1 },
      { key: 'E08000025', weight: 1 },
      { key: 'E08000026', weight: 1 },
    ]);
    expect([...parts]).toEqual([
      ['E08000025', 3334],
      ['E08000026', 3333],
      ['E09000033', 3333],
    ]);
  });

  it('gives leftover units to the largest remainders before considering codes', () => {
    // Quotas 5.5, 3.3, 1.2 for total 10 over 55/33/12: floors 5/3/1, one left for the 0.5.
    const parts = allocateLargestRemainder(10, [
      { key: 'E08000025', weight: 12 },
      { key: 'E08000026', weight: 33 },
      { key: 'E09000033', weight: 55 },
    ]);
    expect(Object.fromEntries(parts)).toEqual({ E08000025: 1, E08000026: 3, E09000033: 6 });
  });

  it('stays exact where total*weight passes 2^53', () => {
    // (2^53-1)/3 = 3002399751580330.33..., 2(2^53-1)/3 = 6004799503160660.66...
    const parts = allocateLargestRemainder(Number.MAX_SAFE_INTEGER, [
      { key: 'E08000025', weight: 1 },
      { key: 'E08000026', weight: 2 },
    ]);
    expect(parts.get('E08000025')).toBe(3002399751580330);
    expect(parts.get('E08000026')).toBe(6004799503160661);
  });

  it('accepts bigint weights beyond 2^53', () => {
    const parts = allocateLargestRemainder(3, [
      { key: 'E08000025', weight: 2n ** 70n },
      { key: 'E08000026', weight: 2n ** 70n + 1n },
      { key: 'E09000033', weight: 0n },
    ]);
    expect(Object.fromEntries(parts)).toEqual({ E08000025: 1, E08000026: 2, E09000033: 0 });
  });

  it('returns zeros for a zero total, even when every weight is zero', () => {
    expect(Object.fromEntries(allocateLargestRemainder(0, [{ key: 'E08000025', weight: 0 }, { key: 'E08000026', weight: 0 }])))
      .toEqual({ E08000025: 0, E08000026: 0 });
    expect(allocateLargestRemainder(0, []).size).toBe(0);
  });

  it('iterates in ascending key order', () => {
    const parts = allocateLargestRemainder(7, [
      { key: 'W06000015', weight: 1 },
      { key: 'E08000025', weight: 1 },
      { key: 'S12000036', weight: 1 },
    ]);
    expect([...parts.keys()]).toEqual(['E08000025', 'S12000036', 'W06000015']);
  });

  it.each([
    ['a negative total', -1, [{ key: 'E08000025', weight: 1 }]],
    ['a fractional total', 1.5, [{ key: 'E08000025', weight: 1 }]],
    ['a NaN total', Number.NaN, [{ key: 'E08000025', weight: 1 }]],
    ['a total beyond 2^53', Number.MAX_SAFE_INTEGER + 1, [{ key: 'E08000025', weight: 1 }]],
    ['a negative weight', 10, [{ key: 'E08000025', weight: -1 }]],
    ['a negative bigint weight', 10, [{ key: 'E08000025', weight: -1n }]],
    ['a fractional weight', 10, [{ key: 'E08000025', weight: 0.5 }]],
    ['an infinite weight', 10, [{ key: 'E08000025', weight: Number.POSITIVE_INFINITY }]],
    ['duplicate keys', 10, [{ key: 'E08000025', weight: 1 }, { key: 'E08000025', weight: 2 }]],
    ['all weights zero with a positive total', 10, [{ key: 'E08000025', weight: 0 }, { key: 'E08000026', weight: 0 }]],
    ['no weights with a positive total', 10, []],
  ] as [string, number, W[]][])('throws a RangeError for %s', (_label, total, weights) => {
    expect(() => allocateLargestRemainder(total, weights)).toThrow(RangeError);
  });

  describe('properties', () => {
    it('parts sum to the total', () => {
      fc.assert(
        fc.property(fc.oneof(smallCase, hugeCase), ({ total, weights }) => {
          expect(sumOf(allocateLargestRemainder(total, weights))).toBe(BigInt(total));
        }),
        RUNS,
      );
    });

    it('each part is within one unit of its exact quota', () => {
      fc.assert(
        fc.property(fc.oneof(smallCase, hugeCase), ({ total, weights }) => {
          expect(withinOneUnit(total, weights, allocateLargestRemainder(total, weights))).toBe(true);
        }),
        RUNS,
      );
    });

    it('does not depend on input order', () => {
      const shuffled = smallCase.chain((c) =>
        fc.shuffledSubarray(c.weights, { minLength: c.weights.length }).map((s) => ({ ...c, shuffled: s })),
      );
      fc.assert(
        fc.property(shuffled, ({ total, weights, shuffled: reordered }) => {
          expect([...allocateLargestRemainder(total, reordered)]).toEqual([...allocateLargestRemainder(total, weights)]);
        }),
        RUNS,
      );
    });

    it('with equal weights the leftover units go to the lowest codes', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(gssCode, { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 1, max: 1000 }),
          fc.integer({ min: 0, max: 1_000_000 }),
          (codes, weight, total) => {
            const parts = allocateLargestRemainder(total, codes.map((key) => ({ key, weight })));
            const sorted = [...codes].sort();
            const base = Math.floor(total / codes.length); // integers only: exact
            const extra = total % codes.length;
            sorted.forEach((code, i) => expect(parts.get(code)).toBe(base + (i < extra ? 1 : 0)));
          },
        ),
        RUNS,
      );
    });

    it('zero weights get zero', () => {
      fc.assert(
        fc.property(fc.oneof(smallCase, hugeCase), ({ total, weights }) => {
          const parts = allocateLargestRemainder(total, weights);
          for (const w of weights) if (BigInt(w.weight) === 0n) expect(parts.get(w.key)).toBe(0);
        }),
        RUNS,
      );
    });

    it('returns a safe, non-negative integer for every key, in key order', () => {
      fc.assert(
        fc.property(fc.oneof(smallCase, hugeCase), ({ total, weights }) => {
          const parts = allocateLargestRemainder(total, weights);
          expect([...parts.keys()]).toEqual(weights.map((w) => w.key).sort());
          for (const p of parts.values()) expect(Number.isSafeInteger(p) && p >= 0).toBe(true);
        }),
        RUNS,
      );
    });
  });
});
