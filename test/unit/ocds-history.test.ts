/**
 * The feed's fold (shared/domain/ocds-history.ts) against the hub's own records: random
 * challenge histories made by the real transitions (membership, lead transfer, agreements,
 * commitments, costs and reversals, stages, visibility), each change settled as the store
 * would. After every change, the state folded from the events must be exactly what the
 * records give (`ocdsStateOf` and the cost entries), and the feed's points exactly the
 * stage changes and activations that happened while the challenge was public.
 */
import fc from 'fast-check';
import { monotonicFactory } from 'ulid';
import { describe, expect, it } from 'vitest';
import { proposeAgreement, approveAgreement, fundingMember } from '../../shared/domain/agreements';
import { changeStage, createChallenge, updateChallenge } from '../../shared/domain/challenge';
import type { StoredEntry } from '../../shared/domain/ledger';
import { accept, decline, invite, requestToJoin, transferLead, withdraw } from '../../shared/domain/membership';
import { recordCommitment, recordCost, reverseCost, setPledge } from '../../shared/domain/money';
import {
  buildRelease,
  MAX_TRANSACTIONS_PER_RELEASE,
  ocdsSettingsFromEnv,
  releasesFromHistory,
  type OcdsInput,
} from '../../shared/domain/ocds';
import { foldFeedPoints, ocdsCostOf, ocdsStateFromEvents, ocdsStateOf } from '../../shared/domain/ocds-history';
import type { ChallengeState, Context } from '../../shared/domain/records';
import { isRefusal, isUnchanged, settle, UNCHANGED, type Decision } from '../../shared/domain/transition';
import type { Stage } from '../../shared/schemas/common';
import type { HubEvent } from '../../shared/schemas/events';
import { ocdsValidator, referenceProblems } from '../support/ocds-validator';

const COUNCILS = ['E08000025', 'E08000026', 'E09000033', 'E06000026', 'E08000027'] as const;
const LEAD = COUNCILS[0];
const FORWARD: Stage[] = ['scoping', 'forming', 'market_engagement', 'procurement', 'awarded', 'delivery', 'closed'];
const SETTINGS = ocdsSettingsFromEnv({}, 'http://127.0.0.1:3000');
const REGISTER = COUNCILS.map((code) => ({ code, name: `Council ${code}`, kind: 'unitary' as const }));

type Op =
  | { op: 'invite' | 'request'; council: number; observer: boolean }
  | { op: 'accept' | 'decline' | 'withdraw' | 'transferLead'; council: number }
  | { op: 'propose' }
  | { op: 'approve'; council: number }
  | { op: 'commit'; council: number; pence: number }
  | { op: 'cost'; pence: number; supplier: boolean }
  | { op: 'reverse'; index: number }
  | { op: 'stage'; cancel: boolean }
  | { op: 'visibility' };

const council = fc.integer({ min: 0, max: COUNCILS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('invite', 'request'), council, observer: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('accept' as const), council }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('decline', 'withdraw', 'transferLead'), council }) },
  { weight: 2, arbitrary: fc.constant({ op: 'propose' as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('approve' as const), council }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('commit' as const), council, pence: fc.integer({ min: 1, max: 5_000_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cost' as const), pence: fc.integer({ min: 1, max: 3_000_000 }), supplier: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reverse' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('stage' as const), cancel: fc.integer({ min: 0, max: 14 }).map((n) => n === 0) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'visibility' as const }) },
);

/** Runs the ops through the real transitions; refusals change nothing, as over HTTP. */
function play(ops: readonly Op[], onStep: (state: ChallengeState, events: readonly HubEvent[], entries: readonly StoredEntry[]) => void, publicAtStart: boolean) {
  const newId = monotonicFactory();
  let clock = Date.parse('2026-01-05T09:00:00.000Z');
  const ctx = (actor: string): Context => ({ actor: { council: actor, sub: `officer-${actor}` }, now: new Date((clock += 1000)).toISOString(), newId: (at) => newId(at ?? clock) });
  const events: HubEvent[] = [];
  const entries: StoredEntry[] = [];
  const reversed = new Set<string>();
  const apply = (state: ChallengeState | undefined, decision: Decision, c: Context): ChallengeState | undefined => {
    if (isRefusal(decision) || isUnchanged(decision)) return state;
    const settled = settle(state, decision, c);
    events.push(...settled.events);
    entries.push(...(decision.entries ?? []));
    if (decision.reverses) reversed.add(decision.reverses.costId);
    onStep(settled.after, events, entries);
    return settled.after;
  };
  const first = ctx(LEAD);
  let state = apply(
    undefined,
    createChallenge(
      { title: 'Shared challenge', statement: 'The problem', howMightWe: 'How might we?', outcomes: ['Better'], themes: [], visibility: publicAtStart ? 'public' : 'consortium', procurementRoute: 'open' },
      first,
    ),
    first,
  )!;
  for (const o of ops) {
    const lead = state.challenge.leadCouncil;
    const code = 'council' in o ? COUNCILS[o.council]! : lead;
    let decision: Decision;
    let c = ctx(lead);
    switch (o.op) {
      case 'invite':
        decision = invite(state, { council: code, role: o.observer ? 'observer' : 'partner' }, c);
        break;
      case 'request':
        c = ctx(code);
        decision = requestToJoin(state, o.observer ? 'observer' : 'partner', c);
        break;
      case 'accept':
      case 'decline':
        // Answered by the invitee (an invitation) or the lead (a request).
        c = ctx(state.members.find((m) => m.council === code)?.status === 'invited' ? code : lead);
        decision = (o.op === 'accept' ? accept : decline)(state, code, c);
        break;
      case 'withdraw':
        c = ctx(code);
        decision = withdraw(state, code, c);
        break;
      case 'transferLead':
        decision = transferLead(state, code, c);
        break;
      case 'propose':
        decision = proposeAgreement(state, { basis: 'equal' }, new Map(), c);
        break;
      case 'approve': {
        const pending = state.agreements.find((a) => a.status === 'pending');
        c = ctx(code);
        decision = pending ? approveAgreement(state, pending.version, code, c) : UNCHANGED;
        break;
      }
      case 'commit': {
        const member = fundingMember(state, code);
        if (!member) continue;
        const pledged = (member.pledgedPence ?? 0) + o.pence;
        c = ctx(code);
        state = apply(state, setPledge(state, member, pledged, c), c)!;
        c = ctx(code);
        decision = recordCommitment(state, fundingMember(state, code)!, { amountPence: o.pence }, c);
        break;
      }
      case 'cost':
        decision = recordCost(state, { amountPence: o.pence, description: 'Work', ...(o.supplier ? { supplier: 'Acme Ltd' } : {}) }, c);
        break;
      case 'reverse': {
        const costs = entries.filter((e) => e.type === 'cost');
        const cost = costs[o.index % Math.max(1, costs.length)];
        if (!cost) continue;
        decision = reverseCost(state, { entry: cost, ...(reversed.has(cost.id) ? { reversedBy: 'x' } : {}) }, cost.id, 'Wrong invoice', c);
        break;
      }
      case 'stage': {
        const next = FORWARD[FORWARD.indexOf(state.challenge.stage as Stage) + 1];
        if (!o.cancel && !next) continue;
        decision = changeStage(state, o.cancel ? 'cancelled' : next!, undefined, c);
        break;
      }
      case 'visibility':
        decision = updateChallenge(state, { visibility: state.challenge.visibility === 'public' ? 'consortium' : 'public' }, '*', c);
        break;
    }
    state = apply(state, decision, c)!;
  }
  return { state, events };
}

const recordsState = (state: ChallengeState, entries: readonly StoredEntry[]) => ({
  ...ocdsStateOf(state),
  costs: entries.filter((e) => e.type === 'cost' || e.type === 'cost_reversal').map(ocdsCostOf),
});

describe('the feed fold, against the records the transitions write', () => {
  it('folds every history into exactly the state the records give, after every change', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120, size: 'max' }), fc.boolean(), (ops, publicAtStart) => {
        let feedEvents = 0;
        play(
          ops,
          (state, events, entries) => {
            expect(ocdsStateFromEvents(events)).toEqual(recordsState(state, entries));
            const last = events.at(-1)!;
            const points = foldFeedPoints(events);
            const isPoint = (last.type === 'ChallengeStageChanged' || last.type === 'ShareAgreementActivated') && state.challenge.visibility === 'public';
            if (isPoint) feedEvents++;
            expect(points).toHaveLength(feedEvents);
            if (isPoint) expect(points.at(-1)).toEqual({ event: last, state: recordsState(state, entries) });
          },
          publicAtStart,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('gives valid releases, and resuming after a seq gives exactly the rest', () => {
    const validator = ocdsValidator();
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 120, size: 'max' }), (ops) => {
        const { events } = play(ops, () => undefined, true);
        const points = foldFeedPoints(events);
        const releases = releasesFromHistory(points.map((p) => ({ event: p.event, state: { ...p.state, councils: REGISTER } })), SETTINGS);
        for (const r of releases) expect([...validator.releaseProblems(r), ...referenceProblems(r, validator.partyRoles)]).toEqual([]);
        const cut = points[Math.floor(points.length / 2)]?.event.seq ?? 0;
        expect(foldFeedPoints(events, cut)).toEqual(points.filter((p) => p.event.seq > cut));
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a history with a gap, or one that does not start with the challenge', () => {
    const { events } = play([{ op: 'stage', cancel: false }, { op: 'stage', cancel: false }], () => undefined, true);
    expect(() => foldFeedPoints([events[0]!, events[2]!])).toThrow(/seq 3, expected 2/);
    expect(() => foldFeedPoints(events.slice(1).map((e, i) => ({ ...e, seq: i + 1 })))).toThrow(/before its ChallengeCreated/);
    expect(foldFeedPoints(events).map((p) => p.event.seq)).toEqual([2, 3]);
  });
});

describe('the transaction bound', () => {
  it('publishes the newest MAX_TRANSACTIONS_PER_RELEASE and says that earlier ones are left out', () => {
    const costs = Array.from({ length: MAX_TRANSACTIONS_PER_RELEASE + 3 }, (_, i) => ({
      id: `01K${String(i).padStart(23, '0')}`,
      type: 'cost' as const,
      amountPence: 100 + i,
      allocations: [{ council: LEAD, costPence: 100 + i, riskPence: 0 }],
      description: `Cost ${i}`,
      recordedAt: '2026-01-05T09:00:00.000Z',
    }));
    const input: OcdsInput = {
      challenge: {
        id: '01K00000000000000000000000', title: 'T', statement: 'S', howMightWe: 'H', outcomes: [], themes: [], visibility: 'public',
        procurementRoute: 'open', leadCouncil: LEAD, stage: 'delivery', createdAt: '2026-01-05T09:00:00.000Z', updatedAt: '2026-01-05T09:00:00.000Z',
      },
      members: [{ council: LEAD, role: 'lead', status: 'active', committedPence: 1_000_000 }],
      councils: REGISTER,
      costs,
      asOf: { seq: 600, occurredAt: '2026-02-01T09:00:00.000Z' },
    };
    const release = buildRelease(input, SETTINGS);
    const contract = release.contracts![0]!;
    expect(contract.implementation!.transactions.map((t) => t.id)).toEqual(costs.slice(3).map((c) => c.id));
    expect(contract.description).toBe(`Only the latest ${MAX_TRANSACTIONS_PER_RELEASE} transactions are listed; earlier ones are recorded in the hub's ledger and are not in this release.`);
    // Told by the read, when it stopped early: the same note, with what was read.
    const told = buildRelease({ ...input, costs: costs.slice(0, 2), earlierCostsOmitted: true }, SETTINGS).contracts![0]!;
    expect(told.implementation!.transactions).toHaveLength(2);
    expect(told.description).toMatch(/^Only the latest 2 transactions/);
    // Within the bound: no note.
    expect(buildRelease({ ...input, costs: costs.slice(0, 2) }, SETTINGS).contracts![0]!.description).toBeUndefined();
  });
});
