import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { computeShares, TOTAL_BPS, type FundingMember, type Share } from '../../shared/domain/shares';

const BHAM = 'E08000025';
const COV = 'E08000026';
const WESTMINSTER = 'E09000033';

const members = (...list: Partial<FundingMember>[]): FundingMember[] =>
  list.map((m) => ({ council: m.council ?? BHAM, pledgedPence: m.pledgedPence ?? 0, ...(m.population === undefined ? {} : { population: m.population }) }));

const three = members({ council: WESTMINSTER }, { council: BHAM }, { council: COV });

function errorsOf(result: ReturnType<typeof computeShares>) {
  if (result.ok) throw new Error(`expected errors, got shares ${JSON.stringify(result.shares)}`);
  return result.errors;
}

function sharesOf(result: ReturnType<typeof computeShares>) {
  if (!result.ok) throw new Error(`expected shares, got errors ${JSON.stringify(result.errors)}`);
  return result.shares;
}

describe('computeShares', () => {
  describe('equal', () => {
    it('splits three councils 3334/3333/3333, the extra basis point to the lowest code', () => {
      expect(sharesOf(computeShares('equal', three))).toEqual([
        { council: BHAM, costBps: 3334, riskBps: 3334 },
        { council: COV, costBps: 3333, riskBps: 3333 },
        { council: WESTMINSTER, costBps: 3333, riskBps: 3333 },
      ]);
    });

    it('gives a single member everything', () => {
      expect(sharesOf(computeShares('equal', members({ council: COV })))).toEqual([{ council: COV, costBps: 10000, riskBps: 10000 }]);
    });

    it('refuses an empty membership', () => {
      expect(errorsOf(computeShares('equal', []))).toEqual([{ path: 'shares', message: expect.stringMatching(/at least one funding member/) }]);
    });

    it('refuses a council listed twice among the funding members', () => {
      expect(errorsOf(computeShares('equal', members({ council: BHAM }, { council: BHAM })))[0]?.message).toMatch(/E08000025 is a funding member twice/);
    });

    it('refuses a shares list when the hub computes the shares', () => {
      const custom: Share[] = [{ council: BHAM, costBps: 10000, riskBps: 10000 }];
      expect(errorsOf(computeShares('equal', members({ council: BHAM }), custom))[0]).toMatchObject({ path: 'shares' });
    });
  });

  describe('population', () => {
    it('weights by population', () => {
      const result = computeShares(
        'population',
        members({ council: BHAM, population: 1_144_900 }, { council: COV, population: 345_300 }, { council: WESTMINSTER, population: 204_300 }),
      );
      // Quotas over 1,694,500 people: 6756.57, 2037.77, 1205.67. Floors 6756/2037/1205
      // leave two basis points, which go to the largest remainders (.77, then .67).
      expect(sharesOf(result)).toEqual([
        { council: BHAM, costBps: 6756, riskBps: 6756 },
        { council: COV, costBps: 2038, riskBps: 2038 },
        { council: WESTMINSTER, costBps: 1206, riskBps: 1206 },
      ]);
    });

    it('names every council without a usable population', () => {
      const errors = errorsOf(
        computeShares('population', members({ council: BHAM, population: 100 }, { council: COV }, { council: WESTMINSTER, population: 0 })),
      );
      expect(errors).toHaveLength(2);
      expect(errors.every((e) => e.path === 'shares')).toBe(true);
      expect(errors[0]?.message).toContain(COV);
      expect(errors[1]?.message).toContain(WESTMINSTER);
    });
  });

  describe('pledge', () => {
    it('weights by pledged amounts; a member pledging nothing gets nothing', () => {
      const result = computeShares(
        'pledge',
        members({ council: BHAM, pledgedPence: 3_000_000 }, { council: COV, pledgedPence: 1_000_000 }, { council: WESTMINSTER, pledgedPence: 0 }),
      );
      expect(sharesOf(result)).toEqual([
        { council: BHAM, costBps: 7500, riskBps: 7500 },
        { council: COV, costBps: 2500, riskBps: 2500 },
        { council: WESTMINSTER, costBps: 0, riskBps: 0 },
      ]);
    });

    it('needs a non-zero total pledged', () => {
      const errors = errorsOf(computeShares('pledge', members({ council: BHAM }, { council: COV })));
      expect(errors).toEqual([{ path: 'shares', message: expect.stringMatching(/pledged more than £0/) }]);
    });
  });

  describe('custom', () => {
    const valid: Share[] = [
      { council: WESTMINSTER, costBps: 2000, riskBps: 3334 },
      { council: BHAM, costBps: 5000, riskBps: 3333 },
      { council: COV, costBps: 3000, riskBps: 3333 },
    ];

    it('accepts a list naming exactly the funding members, and sorts it by code', () => {
      expect(sharesOf(computeShares('custom', three, valid))).toEqual([
        { council: BHAM, costBps: 5000, riskBps: 3333 },
        { council: COV, costBps: 3000, riskBps: 3333 },
        { council: WESTMINSTER, costBps: 2000, riskBps: 3334 },
      ]);
    });

    it('needs a list', () => {
      expect(errorsOf(computeShares('custom', three))).toEqual([{ path: 'shares', message: expect.stringMatching(/needs a shares list/) }]);
    });

    it('reports a column that does not sum to 10000, with the sum it got', () => {
      const short = valid.map((s) => (s.council === COV ? { ...s, costBps: 2999 } : s));
      expect(errorsOf(computeShares('custom', three, short))).toEqual([{ path: 'shares', message: 'costBps must sum to 10000 (got 9999)' }]);
    });

    it('reports a missing funding member', () => {
      const errors = errorsOf(computeShares('custom', three, valid.filter((s) => s.council !== COV)));
      expect(errors).toContainEqual({ path: 'shares', message: `${COV} is a funding member but has no share listed` });
    });

    it('reports a council that is not a funding member, at its index', () => {
      const errors = errorsOf(computeShares('custom', three, [...valid, { council: 'E06000026', costBps: 0, riskBps: 0 }]));
      expect(errors).toEqual([{ path: 'shares.3.council', message: 'E06000026 is not a funding member of this challenge' }]);
    });

    it('reports a council listed twice', () => {
      const errors = errorsOf(computeShares('custom', three, [...valid, { council: BHAM, costBps: 0, riskBps: 0 }]));
      expect(errors).toEqual([{ path: 'shares.3.council', message: `${BHAM} is listed more than once` }]);
    });

    it.each([
      ['fractional', 2000.5],
      ['negative', -1],
      ['above 10000', 10001],
    ])('reports a %s basis-point value at its path', (_label, bad) => {
      const list = valid.map((s, i) => (i === 2 ? { ...s, riskBps: bad } : s));
      const errors = errorsOf(computeShares('custom', three, list));
      expect(errors).toEqual([{ path: 'shares.2.riskBps', message: expect.stringMatching(/riskBps must be a whole number of basis points from 0 to 10000/) }]);
    });
  });

  it('computed bases always give both columns summing to 10000, cost equal to risk, sorted by code', () => {
    const gss = fc.integer({ min: 0, max: 99_999_999 }).map((n) => 'E' + String(n).padStart(8, '0'));
    const member = fc.record({ council: gss, population: fc.integer({ min: 1, max: 10_000_000 }), pledgedPence: fc.integer({ min: 0, max: 10_000_000_000 }) });
    fc.assert(
      fc.property(
        fc.constantFrom('equal', 'population', 'pledge' as const),
        fc.uniqueArray(member, { selector: (m) => m.council, minLength: 1, maxLength: 50 }),
        (basis, list) => {
          const result = computeShares(basis, list);
          if (basis === 'pledge' && list.every((m) => m.pledgedPence === 0)) return expect(result.ok).toBe(false);
          const shares = sharesOf(result);
          expect(shares.map((s) => s.council)).toEqual(list.map((m) => m.council).sort());
          expect(shares.reduce((acc, s) => acc + s.costBps, 0)).toBe(TOTAL_BPS);
          expect(shares.every((s) => s.costBps === s.riskBps)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
