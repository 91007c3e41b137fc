// Share agreements: who carries what part of the cost (within committed funds) and of
// the risk (overruns), in integer basis points. Computed bases use the same
// largest-remainder rule as money, so 10000 is always met exactly.

import { allocateLargestRemainder } from './allocation';

export type ShareBasis = 'equal' | 'population' | 'pledge' | 'custom';

export interface Share {
  council: string;
  costBps: number;
  riskBps: number;
}

export interface FundingMember {
  council: string;
  population?: number;
  pledgedPence: number;
}

export interface ShareError {
  path: string;
  message: string;
}

export type SharesResult = { ok: true; shares: Share[] } | { ok: false; errors: ShareError[] };

export const TOTAL_BPS = 10000;

/**
 * The shares for an agreement on `basis` over the current funding members. For
 * `equal`, `population` and `pledge` the hub computes them (cost and risk alike);
 * for `custom` it checks the proposer's list. Shares come back sorted by council.
 */
export function computeShares(
  basis: ShareBasis,
  fundingMembers: ReadonlyArray<FundingMember>,
  custom?: ReadonlyArray<Share>,
): SharesResult {
  const memberErrors = checkMembers(fundingMembers);
  if (memberErrors.length > 0) return { ok: false, errors: memberErrors };

  if (basis === 'custom') return checkCustomShares(fundingMembers, custom);
  if (custom !== undefined) {
    return fail('shares', `shares can only be listed when the basis is custom (basis is ${basis})`);
  }

  switch (basis) {
    case 'equal':
      return { ok: true, shares: computed(fundingMembers.map((m) => ({ key: m.council, weight: 1 }))) };
    case 'population': {
      const missing = fundingMembers.filter((m) => !isPositiveInteger(m.population));
      if (missing.length > 0) {
        return {
          ok: false,
          errors: missing.map((m) => ({
            path: 'shares',
            message: `${m.council} has no population recorded; a population split needs every funding member's population`,
          })),
        };
      }
      return { ok: true, shares: computed(fundingMembers.map((m) => ({ key: m.council, weight: m.population ?? 0 }))) };
    }
    case 'pledge': {
      const bad = fundingMembers.filter((m) => !Number.isSafeInteger(m.pledgedPence) || m.pledgedPence < 0);
      if (bad.length > 0) {
        return {
          ok: false,
          errors: bad.map((m) => ({ path: 'shares', message: `${m.council} has an invalid pledge (${m.pledgedPence})` })),
        };
      }
      // Summed as BigInt: fifty pledges near 2^53 would not add up exactly as numbers.
      const totalPledged = fundingMembers.reduce((acc, m) => acc + BigInt(m.pledgedPence), 0n);
      if (totalPledged === 0n) {
        return fail('shares', 'a pledge split needs at least one funding member to have pledged more than £0');
      }
      return { ok: true, shares: computed(fundingMembers.map((m) => ({ key: m.council, weight: m.pledgedPence }))) };
    }
  }
}

// One allocation of 10000 serves both columns: the computed bases share cost and risk alike.
function computed(weights: { key: string; weight: number }[]): Share[] {
  const bps = allocateLargestRemainder(TOTAL_BPS, weights);
  return [...bps].map(([council, b]) => ({ council, costBps: b, riskBps: b }));
}

function checkMembers(members: ReadonlyArray<FundingMember>): ShareError[] {
  if (members.length === 0) {
    return [{ path: 'shares', message: 'a share agreement needs at least one funding member' }];
  }
  const seen = new Set<string>();
  const errors: ShareError[] = [];
  for (const m of members) {
    if (seen.has(m.council)) errors.push({ path: 'shares', message: `${m.council} is a funding member twice` });
    seen.add(m.council);
  }
  return errors;
}

function checkCustomShares(
  members: ReadonlyArray<FundingMember>,
  shares: ReadonlyArray<Share> | undefined,
): SharesResult {
  if (shares === undefined) {
    return fail('shares', 'a custom split needs a shares list naming every funding member');
  }
  const funding = new Set(members.map((m) => m.council));
  const listed = new Set<string>();
  const errors: ShareError[] = [];
  let columnsAreWhole = true;

  shares.forEach((s, i) => {
    if (!funding.has(s.council)) {
      errors.push({ path: `shares.${i}.council`, message: `${s.council} is not a funding member of this challenge` });
    } else if (listed.has(s.council)) {
      errors.push({ path: `shares.${i}.council`, message: `${s.council} is listed more than once` });
    }
    listed.add(s.council);
    for (const column of ['costBps', 'riskBps'] as const) {
      const v = s[column];
      if (!Number.isInteger(v) || v < 0 || v > TOTAL_BPS) {
        errors.push({
          path: `shares.${i}.${column}`,
          message: `${column} must be a whole number of basis points from 0 to ${TOTAL_BPS} (got ${String(v)})`,
        });
        columnsAreWhole = false;
      }
    }
  });

  for (const m of members) {
    if (!listed.has(m.council)) {
      errors.push({ path: 'shares', message: `${m.council} is a funding member but has no share listed` });
    }
  }

  // Sums only mean something once every value is a valid whole number.
  if (columnsAreWhole) {
    for (const column of ['costBps', 'riskBps'] as const) {
      const sum = shares.reduce((acc, s) => acc + s[column], 0);
      if (sum !== TOTAL_BPS) {
        errors.push({ path: 'shares', message: `${column} must sum to ${TOTAL_BPS} (got ${sum})` });
      }
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  const sorted = shares
    .map((s) => ({ council: s.council, costBps: s.costBps, riskBps: s.riskBps }))
    .sort((a, b) => (a.council < b.council ? -1 : a.council > b.council ? 1 : 0));
  return { ok: true, shares: sorted };
}

function isPositiveInteger(n: number | undefined): n is number {
  return n !== undefined && Number.isSafeInteger(n) && n > 0;
}

function fail(path: string, message: string): SharesResult {
  return { ok: false, errors: [{ path, message }] };
}
