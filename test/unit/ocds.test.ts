import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateLargestRemainder } from '../../shared/domain/allocation';
import {
  amountToPence,
  BUDGET_BREAKDOWN_EXTENSION,
  bpsToPercent,
  buildRelease,
  challengeReleasePackage,
  DEFAULT_LICENSE,
  DEFAULT_OCID_PREFIX,
  feedReleasePackage,
  formatPounds,
  isOcdsFeedEvent,
  OCDS_FEED_EVENT_TYPES,
  type OcdsAgreement,
  type OcdsCost,
  type OcdsCouncil,
  type OcdsHistoryPoint,
  type OcdsInput,
  type OcdsMember,
  type OcdsRelease,
  ocdsSettingsFromEnv,
  PAGINATION_EXTENSION,
  PROCUREMENT_METHODS,
  penceToAmount,
  phaseOf,
  poundsText,
  releasesFromHistory,
  supplierPartyId,
} from '../../shared/domain/ocds';
import { procurementRoute as procurementRouteSchema, stage as stageSchema, type Stage } from '../../shared/schemas/common';
import { EVENT_TYPES } from '../../shared/schemas/events';
import { mergePatch, ocdsValidator, projectRoot, referenceProblems } from '../support/ocds-validator';

const validator = ocdsValidator();
const SETTINGS = ocdsSettingsFromEnv({}, 'http://127.0.0.1:3000');
const STAGES = stageSchema.options;
const CONTRACT_STAGES: readonly Stage[] = ['awarded', 'delivery', 'closed'];

/** Every way a produced release can be wrong: the schemas, then the references between its parts. */
function releaseProblems(release: OcdsRelease): string[] {
  return [...validator.releaseProblems(release), ...referenceProblems(release, validator.partyRoles)];
}

const sumPence = (amounts: readonly number[]) => amounts.reduce((a, b) => a + b, 0);
const hasContract = (stage: Stage, cancelledFrom?: Stage) =>
  CONTRACT_STAGES.includes(stage) || (stage === 'cancelled' && (cancelledFrom === 'awarded' || cancelledFrom === 'delivery'));

// ---------------------------------------------------------------------------
// Money

describe('pence to an OCDS amount (a JSON number in pounds)', () => {
  it.each([
    [0, 0, '0'],
    [1, 0.01, '0.01'],
    [99, 0.99, '0.99'],
    [100, 1, '1'],
    [101, 1.01, '1.01'],
    [1_000_001, 10000.01, '10000.01'],
    [7_043_210, 70432.1, '70432.1'],
    [1_000_000_000_000, 10_000_000_000, '10000000000'],
    [-1, -0.01, '-0.01'],
    [-99, -0.99, '-0.99'],
    [-100, -1, '-1'],
    [-101, -1.01, '-1.01'],
    [-1_000_001, -10000.01, '-10000.01'],
    [-1_000_000_000_000, -10_000_000_000, '-10000000000'],
    [999_999_999_999_999, 9_999_999_999_999.99, '9999999999999.99'],
  ])('%d pence is %d pounds, written %s', (pence, amount, json) => {
    expect(penceToAmount(pence)).toBe(amount);
    expect(JSON.stringify(penceToAmount(pence))).toBe(json);
    expect(amountToPence(penceToAmount(pence))).toBe(pence);
  });

  it('never gives -0 (JSON would hide it, but a sum would not)', () => {
    expect(Object.is(penceToAmount(0), 0)).toBe(true);
    expect(Object.is(penceToAmount(-0), 0)).toBe(true);
  });

  it('refuses what is not a safe whole number of pence, and never rounds', () => {
    for (const bad of [0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) expect(() => penceToAmount(bad)).toThrow(RangeError);
    for (const bad of [0.001, 1e-7, 1e21, Number.NaN]) expect(() => amountToPence(bad)).toThrow(RangeError);
  });

  it('round-trips exactly for every |pence| below 10^15, and the JSON text is the decimal one', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }), (pence) => {
        const amount = penceToAmount(pence);
        expect(amountToPence(amount)).toBe(pence);
        // The JSON text is the exact decimal with trailing zeros dropped.
        expect(JSON.stringify(amount)).toBe(poundsText(pence).replace(/\.?0+$/, ''));
      }),
      { numRuns: 2000 },
    );
  });

  it('beyond 10^15 pence it is exact or it refuses, never silently off by a penny', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10 ** 15, max: Number.MAX_SAFE_INTEGER }), fc.boolean(), (abs, negative) => {
        const pence = negative ? -abs : abs;
        let amount: number;
        try {
          amount = penceToAmount(pence);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
          return;
        }
        expect(amountToPence(amount)).toBe(pence);
      }),
    );
  });

  it('formats pounds for people and basis points as percentages, with integer arithmetic', () => {
    expect(formatPounds(0)).toBe('£0.00');
    expect(formatPounds(1_000_001)).toBe('£10,000.01');
    expect(formatPounds(-543_210)).toBe('-£5,432.10');
    expect(formatPounds(123_456_789_012)).toBe('£1,234,567,890.12');
    expect(bpsToPercent(10_000)).toBe('100.00%');
    expect(bpsToPercent(3334)).toBe('33.34%');
    expect(bpsToPercent(1)).toBe('0.01%');
    expect(bpsToPercent(0)).toBe('0.00%');
  });
});

// ---------------------------------------------------------------------------
// The validator itself

describe('the OCDS validator (official schemas from ../shared/ocds, offline)', () => {
  it('applies JSON Merge Patch as RFC 7396 Appendix A says', () => {
    const cases: Array<[unknown, unknown, unknown]> = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [['a', 'b'], ['c', 'd'], ['c', 'd']],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, result] of cases) expect(mergePatch(target as never, patch as never)).toEqual(result);
  });

  it('merges the extension into Budget without losing its core fields', () => {
    const defs = (validator.extendedReleaseSchema as { definitions: Record<string, { properties: Record<string, unknown> }> }).definitions;
    expect(Object.keys(defs['Budget']!.properties)).toEqual(expect.arrayContaining(['id', 'description', 'amount', 'project', 'projectID', 'budgetBreakdown']));
    expect(defs['BudgetBreakdown']).toBeDefined();
    expect(validator.partyRoles).toEqual(new Set(['buyer', 'procuringEntity', 'supplier', 'tenderer', 'funder', 'enquirer', 'payer', 'payee', 'reviewBody', 'interestedParty', 'sourceParty']));
  });

  it('rejects what the schemas forbid (so a pass means something)', () => {
    const release = buildRelease(workedExampleInput(), SETTINGS);
    const broken = structuredClone(release) as unknown as Record<string, any>;
    broken['tag'] = ['awarded'];
    broken['planning'].budget.budgetBreakdown[0].id = '';
    broken['planning'].budget.amount.amount = '70000.00';
    const problems = validator.releaseProblems(broken);
    expect(problems.some((p) => p.startsWith('/tag/0'))).toBe(true);
    expect(problems.some((p) => p.startsWith('/planning/budget/budgetBreakdown/0/id'))).toBe(true);
    expect(problems.some((p) => p.startsWith('/planning/budget/amount/amount'))).toBe(true);
    const pkg = { ...challengeReleasePackage(workedExampleInput(), SETTINGS), releases: [] };
    expect(validator.packageProblems(pkg)).not.toEqual([]);
    const dangling = structuredClone(release);
    dangling.buyer = { id: 'GB-GSS-E00000000', name: 'Nobody' };
    expect(referenceProblems(dangling, validator.partyRoles)).toEqual(['buyer names party GB-GSS-E00000000, which is not in parties']);
  });
});

// ---------------------------------------------------------------------------
// Random challenge histories

const CROCKFORD = [...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'];
const ulidArb = fc
  .tuple(fc.constantFrom(...'01234567'), fc.string({ unit: fc.constantFrom(...CROCKFORD), minLength: 25, maxLength: 25 }))
  .map(([first, rest]) => first + rest);
const gssArb = fc.tuple(fc.constantFrom('E', 'W', 'S', 'N'), fc.integer({ min: 0, max: 99_999_999 })).map(([n, d]) => `${n}${String(d).padStart(8, '0')}`);
const text = (maxLength: number) => fc.string({ maxLength });
const pence = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999 }), fc.integer({ min: 0, max: 1_000_000_000_000 }));
const isoArb = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());

type Extra = 'observer' | 'invited' | 'declined' | 'withdrawn';

const councilArb = (code: string) =>
  fc.record({
    name: fc.string({ minLength: 1, maxLength: 40 }),
    kind: fc.constantFrom('county', 'district', 'unitary', 'metropolitan_borough', 'london_borough', 'combined_authority'),
    region: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
    population: fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: undefined }),
    orgId: fc.option(fc.constantFrom('GB-LAE', 'GB-PPON'), { nil: undefined }),
  }).map(({ orgId, ...c }): OcdsCouncil => ({ code, ...c, ...(orgId ? { orgId: { scheme: orgId, id: `X${code}` } } : {}) }));

type Op = { kind: 'cost'; amountPence: number; supplier?: string | undefined; description: string } | { kind: 'reverse'; pick: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cost' as const), amountPence: fc.oneof(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 10_000_000_000 })), supplier: fc.option(fc.constantFrom('Northgate Research Ltd', 'CareSense Ltd', 'caresense ltd', '  ', '(—)', 'Ynys Môn Tech'), { nil: undefined }), description: fc.string({ minLength: 1, maxLength: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }) },
);

/** Splits a cost as the hub does: within headroom by cost shares, any overrun by risk shares (largest remainder). */
function split(amount: number, headroom: number, shares: readonly { council: string; costBps: number; riskBps: number }[]) {
  const within = Math.min(amount, Math.max(headroom, 0));
  const cost = allocateLargestRemainder(within, shares.map((s) => ({ key: s.council, weight: s.costBps })));
  const risk = allocateLargestRemainder(amount - within, shares.map((s) => ({ key: s.council, weight: s.riskBps })));
  return shares.map((s) => ({ council: s.council, costPence: cost.get(s.council)!, riskPence: risk.get(s.council)! }));
}

const historyArb: fc.Arbitrary<OcdsInput> = fc
  .record({
    id: ulidArb,
    codes: fc.uniqueArray(gssArb, { minLength: 1, maxLength: 11 }),
    fundingCount: fc.integer({ min: 1, max: 8 }),
    extras: fc.array(fc.constantFrom<Extra>('observer', 'invited', 'declined', 'withdrawn'), { maxLength: 3 }),
    committed: fc.array(pence, { minLength: 11, maxLength: 11 }),
    title: fc.string({ minLength: 1, maxLength: 40 }),
    statement: text(60),
    howMightWe: text(60),
    outcomes: fc.array(text(20), { maxLength: 3 }),
    themes: fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3 }),
    visibility: fc.constantFrom('public', 'consortium'),
    procurementRoute: fc.constantFrom(...procurementRouteSchema.options),
    targetBudgetPence: fc.option(pence, { nil: undefined }),
    stage: fc.constantFrom(...STAGES),
    cancelledFrom: fc.option(fc.constantFrom<Stage>('draft', 'scoping', 'forming', 'market_engagement', 'procurement', 'awarded', 'delivery'), { nil: undefined }),
    agreement: fc.option(
      fc.record({
        version: fc.integer({ min: 1, max: 9 }),
        costWeights: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 8, maxLength: 8 }),
        riskWeights: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 8, maxLength: 8 }),
      }),
      { nil: undefined },
    ),
    ops: fc.array(opArb, { maxLength: 12 }),
    seq: fc.integer({ min: 1, max: 1_000_000 }),
    occurredAt: isoArb,
  })
  .chain((h) => fc.tuple(fc.constant(h), fc.tuple(...h.codes.map(councilArb))))
  .map(([h, councils]): OcdsInput => {
    const funding = h.codes.slice(0, Math.min(h.fundingCount, h.codes.length));
    const lead = funding[0]!;
    const members: OcdsMember[] = funding.map((council, i) => ({
      council,
      role: i === 0 ? 'lead' : 'partner',
      status: 'active',
      committedPence: h.committed[i]!,
    }));
    h.codes.slice(funding.length).forEach((council, i) => {
      const extra = h.extras[i];
      if (extra === undefined) return;
      members.push(
        extra === 'withdrawn'
          ? { council, role: 'partner', status: 'withdrawn', committedPence: h.committed[funding.length + i]! }
          : { council, role: extra === 'observer' ? 'observer' : 'partner', status: extra === 'observer' ? 'active' : extra, committedPence: 0 },
      );
    });
    const agreement: OcdsAgreement | undefined = h.agreement && {
      version: h.agreement.version,
      shares: (() => {
        const cost = allocateLargestRemainder(10_000, funding.map((c, i) => ({ key: c, weight: h.agreement!.costWeights[i]! })));
        const risk = allocateLargestRemainder(10_000, funding.map((c, i) => ({ key: c, weight: h.agreement!.riskWeights[i]! })));
        return [...cost.keys()].map((c) => ({ council: c, costBps: cost.get(c)!, riskBps: risk.get(c)! }));
      })(),
    };
    const shares = agreement?.shares ?? funding.map((c) => ({ council: c, costBps: 1, riskBps: 1 }));
    const committedTotal = sumPence(members.map((m) => m.committedPence));
    const costs: OcdsCost[] = [];
    const reversed = new Set<string>();
    let spent = 0;
    h.ops.forEach((op, i) => {
      const id = `01M8${String(i).padStart(22, '0')}`;
      const recordedAt = new Date(Date.parse('2026-01-01T00:00:00Z') + i * 60_000).toISOString();
      if (op.kind === 'cost') {
        costs.push({ id, type: 'cost', amountPence: op.amountPence, allocations: split(op.amountPence, committedTotal - spent, shares), description: op.description, supplier: op.supplier, recordedAt });
        spent += op.amountPence;
      } else {
        const open = costs.filter((c) => c.type === 'cost' && !reversed.has(c.id));
        if (open.length === 0) return;
        const original = open[op.pick % open.length]!;
        reversed.add(original.id);
        costs.push({
          id,
          type: 'cost_reversal',
          amountPence: 0 - original.amountPence,
          allocations: original.allocations.map((a) => ({ council: a.council, costPence: 0 - a.costPence, riskPence: 0 - a.riskPence })),
          reversesId: original.id,
          reason: 'Raised against the wrong programme',
          recordedAt,
        });
        spent -= original.amountPence;
      }
    });
    return {
      challenge: {
        id: h.id,
        title: h.title,
        statement: h.statement,
        howMightWe: h.howMightWe,
        outcomes: h.outcomes,
        themes: h.themes,
        visibility: h.visibility,
        procurementRoute: h.procurementRoute,
        targetBudgetPence: h.targetBudgetPence,
        leadCouncil: lead,
        stage: h.stage,
        createdAt: '2025-12-01T09:00:00.000Z',
        updatedAt: h.occurredAt,
      },
      members,
      councils: new Map(councils.map((c) => [c.code, c])),
      agreement,
      costs,
      asOf: { seq: h.seq, occurredAt: h.occurredAt },
      ...(h.stage === 'cancelled' && h.cancelledFrom ? { cancelledFrom: h.cancelledFrom } : {}),
    };
  });

describe('every release the hub produces, for random challenge histories', () => {
  it('validates (package schema, release schema with the budget breakdown extension, references) and its money adds up to the penny', () => {
    fc.assert(
      fc.property(historyArb, (input) => {
        const pkg = challengeReleasePackage(input, SETTINGS);
        expect(validator.packageProblems(pkg)).toEqual([]);
        expect(pkg.releases).toHaveLength(1);
        const release = pkg.releases[0]!;
        expect(releaseProblems(release)).toEqual([]);
        // Plain JSON: nothing lost or changed by serialising it.
        expect(JSON.parse(JSON.stringify(pkg))).toEqual(pkg);

        // The budget: total committed, one line per funding member (plus former members still holding commitments).
        const lines = input.members.filter((m) => (m.status === 'active' && m.role !== 'observer') || m.committedPence !== 0);
        const budget = release.planning.budget;
        const committedPence = sumPence(lines.map((m) => m.committedPence));
        expect(amountToPence(budget.amount.amount)).toBe(committedPence);
        expect(sumPence(budget.budgetBreakdown.map((b) => amountToPence(b.amount.amount)))).toBe(amountToPence(budget.amount.amount));
        expect(budget.budgetBreakdown.map((b) => b.id).sort()).toEqual(lines.map((m) => m.council).sort());

        // Stages.
        const { stage } = input.challenge;
        expect(release.tag).toEqual(phaseOf(stage, input.cancelledFrom).tag);
        const tendered = stage === 'cancelled' || !['draft', 'scoping', 'forming', 'market_engagement'].includes(stage);
        expect(release.tender !== undefined).toBe(tendered);
        if (release.tender && input.challenge.targetBudgetPence !== undefined) {
          expect(amountToPence(release.tender.value!.amount)).toBe(input.challenge.targetBudgetPence);
        }

        // Spend: once a contract stage is reached, every cost and reversal is a transaction; they sum to net spend.
        const spentPence = sumPence(input.costs.flatMap((c) => c.allocations.map((a) => a.costPence + a.riskPence)));
        if (hasContract(stage, input.cancelledFrom)) {
          const transactions = release.contracts![0]!.implementation?.transactions ?? [];
          expect(transactions.map((t) => t.id)).toEqual(input.costs.map((c) => c.id));
          expect(sumPence(transactions.map((t) => amountToPence(t.value.amount)))).toBe(spentPence);
          for (const t of transactions) expect(t.payer).toEqual(release.buyer);
        } else {
          expect(release.contracts).toBeUndefined();
          expect(release.awards).toBeUndefined();
        }
        expect(release.buyer.id).toBe(release.parties.find((p) => p.roles.includes('procuringEntity'))!.id);
      }),
      { numRuns: 300 },
    );
  });

  it('the feed: one release per stage change and agreement activation, named by seq, each valid and the same as the state read then', () => {
    fc.assert(
      fc.property(historyArb, fc.array(fc.constantFrom(...EVENT_TYPES), { minLength: 1, maxLength: 12 }), ulidArb, (input, types, eventIdBase) => {
        const { asOf, ...state } = input;
        const points: OcdsHistoryPoint[] = types.map((type, i) => ({
          event: {
            id: `${eventIdBase.slice(0, 20)}${String(i).padStart(6, '0')}`,
            type,
            challengeId: input.challenge.id,
            seq: asOf.seq + i,
            occurredAt: new Date(Date.parse(asOf.occurredAt) + i * 1000).toISOString(),
            ...(type === 'ChallengeStageChanged' ? { data: { from: 'procurement', to: input.challenge.stage } } : {}),
          },
          state,
        }));
        const releases = releasesFromHistory(points, SETTINGS);
        const feedPoints = points.filter((p) => isOcdsFeedEvent(p.event.type));
        expect(releases.map((r) => r.id)).toEqual(feedPoints.map((p) => `${input.challenge.id}-${p.event.seq}`));
        expect(releases.map((r) => r.date)).toEqual(feedPoints.map((p) => p.event.occurredAt));
        for (const r of releases) expect(releaseProblems(r)).toEqual([]);
        // Stable: the same history gives the same releases; and each is what the challenge's own package said at that seq.
        expect(releasesFromHistory(points, SETTINGS)).toEqual(releases);
        feedPoints.forEach((p, i) => {
          const from = p.event.type === 'ChallengeStageChanged' && input.challenge.stage === 'cancelled' ? 'procurement' : undefined;
          expect(releases[i]).toEqual(buildRelease({ ...state, cancelledFrom: state.cancelledFrom ?? from, asOf: { seq: p.event.seq, occurredAt: p.event.occurredAt } }, SETTINGS));
        });
        if (releases.length > 0) {
          const page = feedReleasePackage(releases, SETTINGS, { after: '0', next: 'abc' });
          expect(validator.packageProblems(page)).toEqual([]);
          expect(page.links).toEqual({ next: 'http://127.0.0.1:3000/v1/ocds/releases?after=abc' });
          expect(page.extensions).toEqual([BUDGET_BREAKDOWN_EXTENSION, PAGINATION_EXTENSION]);
        }
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------
// The mapping, case by case

describe('the mapping', () => {
  it('feed events are the two the issue names, both real event types', () => {
    expect(OCDS_FEED_EVENT_TYPES).toEqual(['ChallengeStageChanged', 'ShareAgreementActivated']);
    for (const t of OCDS_FEED_EVENT_TYPES) expect(EVENT_TYPES).toContain(t);
  });

  it.each<[Stage, Stage | undefined, string[], string | undefined, string | undefined, string | undefined]>([
    ['draft', undefined, ['planning'], undefined, undefined, undefined],
    ['scoping', undefined, ['planning'], undefined, undefined, undefined],
    ['forming', undefined, ['planning'], undefined, undefined, undefined],
    ['market_engagement', undefined, ['planning'], undefined, undefined, undefined],
    ['procurement', undefined, ['tender'], 'active', undefined, undefined],
    ['awarded', undefined, ['award', 'contract'], 'complete', 'active', 'pending'],
    ['delivery', undefined, ['implementation'], 'complete', 'active', 'active'],
    ['closed', undefined, ['contractTermination'], 'complete', 'active', 'terminated'],
    ['cancelled', 'forming', ['tenderCancellation'], 'cancelled', undefined, undefined],
    ['cancelled', 'procurement', ['tenderCancellation'], 'cancelled', undefined, undefined],
    ['cancelled', undefined, ['tenderCancellation'], 'cancelled', undefined, undefined],
    ['cancelled', 'awarded', ['awardCancellation'], 'complete', 'cancelled', 'cancelled'],
    ['cancelled', 'delivery', ['contractTermination'], 'complete', 'active', 'terminated'],
  ])('stage %s (cancelled from %s): tag %j, tender %s, award %s, contract %s', (stage, cancelledFrom, tag, tender, award, contract) => {
    const input = { ...workedExampleInput(), cancelledFrom };
    input.challenge = { ...input.challenge, stage };
    const release = buildRelease(input, SETTINGS);
    expect(releaseProblems(release)).toEqual([]);
    expect(release.tag).toEqual(tag);
    expect(release.tender?.status).toBe(tender);
    expect(release.awards?.[0]?.status).toBe(award);
    expect(release.contracts?.[0]?.status).toBe(contract);
    expect(release.contracts?.[0]?.awardID).toBe(release.awards?.[0]?.id);
  });

  it.each([
    ['open', 'open'],
    ['sbri', 'open'],
    ['competitive_flexible', 'selective'],
    ['innovation_partnership', 'selective'],
    ['framework_call_off', 'selective'],
    ['direct_award', 'direct'],
    ['undecided', undefined],
  ] as const)('procurement route %s is procurementMethod %s, with its details', (route, method) => {
    const input = workedExampleInput();
    input.challenge = { ...input.challenge, procurementRoute: route, stage: 'procurement' };
    const tender = buildRelease(input, SETTINGS).tender!;
    expect(tender.procurementMethod).toBe(method);
    expect(tender.procurementMethodDetails).toBe(PROCUREMENT_METHODS[route].details);
  });

  it('every procurement route has a mapping', () => {
    expect(Object.keys(PROCUREMENT_METHODS).sort()).toEqual([...procurementRouteSchema.options].sort());
  });

  it('identifies councils by GSS code, or by an org-id identifier when the register holds one (GSS kept as additional)', () => {
    const input = workedExampleInput();
    input.councils = (input.councils as OcdsCouncil[]).map((c) => (c.code === 'E08000025' ? { ...c, orgId: { scheme: 'GB-LAE', id: 'BIR' } } : c));
    const release = buildRelease(input, SETTINGS);
    expect(releaseProblems(release)).toEqual([]);
    const [birmingham, coventry] = release.parties;
    expect(birmingham).toMatchObject({
      id: 'GB-LAE-BIR',
      identifier: { scheme: 'GB-LAE', id: 'BIR', legalName: 'Birmingham City Council' },
      additionalIdentifiers: [{ scheme: 'GB-GSS', id: 'E08000025', legalName: 'Birmingham City Council' }],
    });
    expect(coventry).toMatchObject({ id: 'GB-GSS-E08000026', identifier: { scheme: 'GB-GSS', id: 'E08000026' } });
    expect(coventry!.additionalIdentifiers).toBeUndefined();
    expect(release.buyer).toEqual({ id: 'GB-LAE-BIR', name: 'Birmingham City Council' });
  });

  it('addresses: the register\'s region, else the nation from the GSS code; always the United Kingdom', () => {
    const input = workedExampleInput();
    input.members = [...input.members, { council: 'W06000001', role: 'partner', status: 'active', committedPence: 0 }, { council: 'S12000033', role: 'partner', status: 'active', committedPence: 0 }, { council: 'N09000003', role: 'partner', status: 'active', committedPence: 0 }];
    const release = buildRelease(input, SETTINGS);
    expect(release.parties.map((p) => [p.id, p.address])).toEqual([
      ['GB-GSS-E08000025', { region: 'West Midlands', countryName: 'United Kingdom' }],
      ['GB-GSS-E08000026', { region: 'West Midlands', countryName: 'United Kingdom' }],
      ['GB-GSS-E09000033', { region: 'London', countryName: 'United Kingdom' }],
      ['GB-GSS-N09000003', { region: 'Northern Ireland', countryName: 'United Kingdom' }],
      ['GB-GSS-S12000033', { region: 'Scotland', countryName: 'United Kingdom' }],
      ['GB-GSS-W06000001', { region: 'Wales', countryName: 'United Kingdom' }],
      ['supplier-caresense-ltd', undefined],
      ['supplier-northgate-research-ltd', undefined],
    ]);
  });

  it('roles: funding members are buyer, payer, funder and sourceParty; the lead also procuringEntity; observers are not parties', () => {
    const input = workedExampleInput();
    input.members = [...input.members, { council: 'E06000026', role: 'observer', status: 'active', committedPence: 0 }, { council: 'E08000027', role: 'partner', status: 'withdrawn', committedPence: 12_345 }];
    const delivery = buildRelease(input, SETTINGS);
    expect(Object.fromEntries(delivery.parties.map((p) => [p.id, p.roles]))).toEqual({
      'GB-GSS-E08000025': ['buyer', 'procuringEntity', 'payer', 'funder', 'sourceParty'],
      'GB-GSS-E08000026': ['buyer', 'payer', 'funder', 'sourceParty'],
      'GB-GSS-E08000027': ['funder', 'sourceParty'],
      'GB-GSS-E09000033': ['buyer', 'payer', 'funder', 'sourceParty'],
      'supplier-caresense-ltd': ['payee'],
      'supplier-northgate-research-ltd': ['payee'],
    });
    // A former member's commitment still counts, so the budget still sums.
    expect(delivery.planning.budget.amount.amount).toBe(70_123.45);
    expect(delivery.planning.budget.budgetBreakdown.find((b) => b.id === 'E08000027')!.description).toBe('E08000027 (former partner, withdrawn): no share in the active share agreement (version 2)');
    input.challenge = { ...input.challenge, stage: 'procurement' };
    const procurement = buildRelease(input, SETTINGS);
    expect(procurement.parties.find((p) => p.id === 'GB-GSS-E08000025')!.roles).toEqual(['buyer', 'procuringEntity', 'payer', 'funder', 'sourceParty']);
    expect(procurement.parties.some((p) => p.roles.includes('payee'))).toBe(false);
  });

  it('one party per supplier, whatever the spelling; a nameless one still gets a stable id', () => {
    expect(supplierPartyId('CareSense Ltd')).toBe('supplier-caresense-ltd');
    expect(supplierPartyId('caresense ltd.')).toBe('supplier-caresense-ltd');
    expect(supplierPartyId('Ynys Môn Tech')).toBe('supplier-ynys-mon-tech');
    expect(supplierPartyId('(—)')).toMatch(/^supplier-[0-9a-f]{8}$/);
    expect(supplierPartyId('(—)')).toBe(supplierPartyId('(—)'));
    expect(supplierPartyId('(—)')).not.toBe(supplierPartyId('(–)'));
  });

  it('settings: OCDS_PREFIX and the publisher from the environment, with clearly local defaults', () => {
    expect(ocdsSettingsFromEnv({}, 'https://hub.example')).toEqual({
      ocidPrefix: DEFAULT_OCID_PREFIX,
      publisher: { name: 'Council Collaboration Hub' },
      license: DEFAULT_LICENSE,
      baseUrl: 'https://hub.example',
    });
    const s = ocdsSettingsFromEnv(
      { OCDS_PREFIX: 'ocds-abc123', OCDS_PUBLISHER_NAME: 'West Midlands Hub', OCDS_PUBLISHER_URI: 'https://hub.example', OCDS_LICENSE: 'https://creativecommons.org/licenses/by/4.0/', OCDS_PUBLICATION_POLICY: 'https://hub.example/ocds' },
      'https://hub.example/',
    );
    expect(s).toMatchObject({ ocidPrefix: 'ocds-abc123', publisher: { name: 'West Midlands Hub', uri: 'https://hub.example' }, publicationPolicy: 'https://hub.example/ocds' });
    const pkg = challengeReleasePackage(workedExampleInput(), s);
    expect(pkg.uri).toBe(`https://hub.example/v1/challenges/${WORKED.id}/ocds`);
    expect(pkg.releases[0]!.ocid).toBe(`ocds-abc123-${WORKED.id}`);
    expect(validator.packageProblems(pkg)).toEqual([]);
    for (const bad of ['ocds-', 'ocds#1', '-x', 'a b']) expect(() => ocdsSettingsFromEnv({ OCDS_PREFIX: bad }, 'x')).toThrow(RangeError);
  });

  it('an empty feed page is no package (the schema wants one release at least)', () => {
    expect(() => feedReleasePackage([], SETTINGS, { after: '0' })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------
// The worked example (docs/worked-example.md), carried on to delivery: docs/ocds-example.json

const WORKED = {
  id: '01M80930Q4Z01ZZ7XNNEQGSNB2',
  B: 'E08000025',
  C: 'E08000026',
  W: 'E09000033',
};

/**
 * docs/worked-example.md's challenge with its figures and ledger to the penny, then (as
 * docs/ocds.md says) the route set to `sbri` before procurement, and the challenge moved on
 * to awarded and delivery. Ids and times are the worked example's where it gives them.
 */
function workedExampleInput(): OcdsInput {
  const { id, B, C, W } = WORKED;
  return {
    challenge: {
      id,
      title: 'Assistive technology for independent living',
      statement: 'Falls at home are the largest cause of emergency admissions among over-65s in our areas.',
      howMightWe: 'How might we use assistive technology to keep residents safe and independent at home?',
      outcomes: [],
      themes: [],
      visibility: 'public',
      procurementRoute: 'sbri',
      targetBudgetPence: 7_000_000,
      leadCouncil: B,
      stage: 'delivery',
      createdAt: '2026-11-22T00:04:26.612Z',
      updatedAt: '2027-03-01T09:00:00.000Z',
    },
    members: [
      { council: B, role: 'lead', status: 'active', committedPence: 4_000_000 },
      { council: C, role: 'partner', status: 'active', committedPence: 2_000_000 },
      { council: W, role: 'partner', status: 'active', committedPence: 1_000_000 },
    ],
    councils: [
      { code: B, name: 'Birmingham City Council', kind: 'metropolitan_borough', region: 'West Midlands', population: 1_144_900 },
      { code: C, name: 'Coventry City Council', kind: 'metropolitan_borough', region: 'West Midlands', population: 345_300 },
      { code: W, name: 'Westminster City Council', kind: 'london_borough', region: 'London', population: 204_300 },
    ],
    agreement: {
      version: 2,
      shares: [
        { council: B, costBps: 5000, riskBps: 6000 },
        { council: C, costBps: 3000, riskBps: 2500 },
        { council: W, costBps: 2000, riskBps: 1500 },
      ],
    },
    costs: [
      {
        id: '01M80932WPN8NVZE39D7SHWMPK', type: 'cost', amountPence: 1_000_001,
        allocations: [{ council: B, costPence: 333_401, riskPence: 0 }, { council: C, costPence: 333_300, riskPence: 0 }, { council: W, costPence: 333_300, riskPence: 0 }],
        description: 'User research with residents', supplier: 'Northgate Research Ltd', category: 'research', reference: 'INV-1001', recordedAt: '2026-11-22T00:04:28.182Z',
      },
      {
        id: '01M809339SKAY3CXF1AD6CXQZQ', type: 'cost', amountPence: 6_543_210,
        allocations: [{ council: B, costPence: 2_999_999, riskPence: 325_926 }, { council: C, costPence: 1_800_000, riskPence: 135_803 }, { council: W, costPence: 1_200_000, riskPence: 81_482 }],
        description: 'Pilot: sensors in 200 homes', supplier: 'CareSense Ltd', category: 'pilot', recordedAt: '2026-11-22T00:04:28.601Z',
      },
      {
        id: '01M80933CFWGYZ69J5ZECFD5SR', type: 'cost_reversal', amountPence: -1_000_001,
        allocations: [{ council: B, costPence: -333_401, riskPence: 0 }, { council: C, costPence: -333_300, riskPence: 0 }, { council: W, costPence: -333_300, riskPence: 0 }],
        reversesId: '01M80932WPN8NVZE39D7SHWMPK', reason: 'Invoice INV-1001 was raised against the wrong programme', recordedAt: '2026-11-22T00:04:28.687Z',
      },
      {
        id: '01M80933F2NF2W3XS2PHBM8H8S', type: 'cost', amountPence: 500_000,
        allocations: [{ council: B, costPence: 228_395, riskPence: 25_926 }, { council: C, costPence: 137_037, riskPence: 10_803 }, { council: W, costPence: 91_358, riskPence: 6_481 }],
        description: 'Evaluation panel', recordedAt: '2026-11-22T00:04:28.770Z',
      },
    ],
    // seq 26 ends the worked example's money; 27 sets the route, 28-31 reach procurement, 32 awarded, 33 delivery.
    asOf: { seq: 33, occurredAt: '2027-03-01T09:00:00.000Z' },
  };
}

describe('the worked example as OCDS (docs/ocds-example.json)', () => {
  const pkg = challengeReleasePackage(workedExampleInput(), SETTINGS);
  const release = pkg.releases[0]!;

  it('is valid, and its numbers are the worked example\'s to the penny', () => {
    expect(validator.packageProblems(pkg)).toEqual([]);
    expect(releaseProblems(release)).toEqual([]);
    expect(release.planning.budget.amount).toEqual({ amount: 70_000, currency: 'GBP' });
    expect(release.planning.budget.budgetBreakdown.map((b) => [b.id, b.amount.amount, b.description])).toEqual([
      ['E08000025', 40_000, 'Birmingham City Council (lead): cost share 50.00% (5000 bps), risk share 60.00% (6000 bps), share agreement version 2'],
      ['E08000026', 20_000, 'Coventry City Council (partner): cost share 30.00% (3000 bps), risk share 25.00% (2500 bps), share agreement version 2'],
      ['E09000033', 10_000, 'Westminster City Council (partner): cost share 20.00% (2000 bps), risk share 15.00% (1500 bps), share agreement version 2'],
    ]);
    expect(release.tender).toMatchObject({ status: 'complete', procurementMethod: 'open', value: { amount: 70_000, currency: 'GBP' } });
    const transactions = release.contracts![0]!.implementation!.transactions;
    expect(transactions.map((t) => t.value.amount)).toEqual([10_000.01, 65_432.1, -10_000.01, 5_000]);
    // The statement's spentPence, 7,043,210: £70,432.10.
    expect(sumPence(transactions.map((t) => amountToPence(t.value.amount)))).toBe(7_043_210);
    expect(transactions[1]!.description).toBe(
      'Pilot: sensors in 200 homes (supplier CareSense Ltd, category pilot). Split between the councils: '
        + 'E08000025 Birmingham City Council £33,259.25 (cost share £29,999.99, risk share £3,259.26); '
        + 'E08000026 Coventry City Council £19,358.03 (cost share £18,000.00, risk share £1,358.03); '
        + 'E09000033 Westminster City Council £12,814.82 (cost share £12,000.00, risk share £814.82).',
    );
    expect(transactions[2]!.description).toMatch(/^Reversal of cost 01M80932WPN8NVZE39D7SHWMPK: Invoice INV-1001 was raised against the wrong programme\. Split between the councils: E08000025 Birmingham City Council -£3,334\.01 /);
    // The reversal names the reversed cost's supplier as payee, so each supplier's payments net out.
    expect(transactions[2]!.payee).toEqual({ id: 'supplier-northgate-research-ltd', name: 'Northgate Research Ltd' });
    expect(transactions[3]!.payee).toBeUndefined();
  });

  it('is the committed docs/ocds-example.json, byte for byte (OCDS_WRITE_EXAMPLE=1 rewrites it)', () => {
    const file = path.join(projectRoot, 'docs', 'ocds-example.json');
    const text = `${JSON.stringify(pkg, null, 2)}\n`;
    if (process.env['OCDS_WRITE_EXAMPLE'] === '1') writeFileSync(file, text);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('where the worked example itself stops (procurement, route undecided): a tender release, no award, no spend published yet', () => {
    const input = workedExampleInput();
    input.challenge = { ...input.challenge, stage: 'procurement', procurementRoute: 'undecided' };
    input.asOf = { seq: 30, occurredAt: '2026-11-22T00:04:29.000Z' };
    const atProcurement = buildRelease(input, SETTINGS);
    expect(releaseProblems(atProcurement)).toEqual([]);
    expect(atProcurement.tag).toEqual(['tender']);
    expect(atProcurement.tender).toMatchObject({ status: 'active', procurementMethodDetails: 'Procurement route not yet decided' });
    expect(atProcurement.tender!.procurementMethod).toBeUndefined();
    expect(atProcurement.contracts).toBeUndefined();
  });
});
