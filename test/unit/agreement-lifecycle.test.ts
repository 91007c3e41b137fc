import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type Agreement,
  approve,
  awaitingApproval,
  coversExactly,
  isConflict,
  propose,
  reject,
  type Transition,
} from '../../shared/domain/agreement-lifecycle';

const B = 'E08000025';
const C = 'E08000026';
const W = 'E09000033';
const lead = { council: B, sub: 'officer-b' };
const at = (n: number) => `2026-01-0${n}T10:00:00.000Z`;
const equal3 = [
  { council: B, costBps: 3334, riskBps: 3334 },
  { council: C, costBps: 3333, riskBps: 3333 },
  { council: W, costBps: 3333, riskBps: 3333 },
];

/** Applies a transition's changed versions over the list, as the store does. */
const after = (all: Agreement[], t: Transition): Agreement[] => {
  const byVersion = new Map(all.map((a) => [a.version, a]));
  for (const a of t.changed) byVersion.set(a.version, a);
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
};
const ok = (t: ReturnType<typeof approve>): Transition => {
  if (t === 'unchanged' || isConflict(t)) throw new Error(`expected a transition, got ${JSON.stringify(t)}`);
  return t;
};

describe('propose', () => {
  it('creates version 1, pending, approved by the proposer, with one Proposed event', () => {
    const t = propose([], { basis: 'equal', shares: equal3, proposedBy: lead, now: at(1) });
    expect(t.changed).toEqual([
      { version: 1, status: 'pending', basis: 'equal', shares: equal3, approvals: [B], proposedBy: lead, proposedAt: at(1), updatedAt: at(1) },
    ]);
    expect(t.events).toEqual([{ type: 'ShareAgreementProposed', data: { version: 1, basis: 'equal', shares: equal3 } }]);
    expect(awaitingApproval(t.changed[0]!)).toEqual([C, W]);
  });

  it('activates at once when the proposer is the only council named', () => {
    const alone = [{ council: B, costBps: 10_000, riskBps: 10_000 }];
    const t = propose([], { basis: 'equal', shares: alone, proposedBy: lead, now: at(1) });
    expect(t.changed[0]).toMatchObject({ version: 1, status: 'active', activatedAt: at(1) });
    expect(t.events.map((e) => e.type)).toEqual(['ShareAgreementProposed', 'ShareAgreementActivated']);
    expect(t.events[1]!.data).toEqual({ version: 1 });
  });

  it('supersedes a still-pending version and names it', () => {
    const v1 = propose([], { basis: 'equal', shares: equal3, proposedBy: lead, now: at(1) });
    const list = after([], v1);
    const v2 = propose(list, { basis: 'custom', shares: equal3, proposedBy: lead, now: at(2) });
    expect(v2.changed.map((a) => `${a.version}:${a.status}`)).toEqual(['2:pending', '1:superseded']);
    expect(v2.changed[1]).toMatchObject({ supersededBy: 2, supersededAt: at(2) });
    expect(v2.changed[0]).toMatchObject({ replaces: 1 });
    expect(v2.events).toEqual([{ type: 'ShareAgreementProposed', data: { version: 2, basis: 'custom', shares: equal3, supersedes: 1 } }]);
  });
});

describe('approve and reject', () => {
  const v1 = after([], propose([], { basis: 'equal', shares: equal3, proposedBy: lead, now: at(1) }));

  it('the last approval activates it: Approved then Activated, superseding the active version', () => {
    let list = v1;
    const first = ok(approve(list, 1, C, [B, C, W], at(2)));
    expect(first.events).toEqual([{ type: 'ShareAgreementApproved', data: { version: 1, council: C } }]);
    list = after(list, first);
    const last = ok(approve(list, 1, W, [B, C, W], at(3)));
    expect(last.events.map((e) => e.type)).toEqual(['ShareAgreementApproved', 'ShareAgreementActivated']);
    list = after(list, last);
    expect(list[0]).toMatchObject({ status: 'active', approvals: [B, C, W], activatedAt: at(3) });

    list = after(list, propose(list, { basis: 'custom', shares: equal3, proposedBy: lead, now: at(4) }));
    list = after(list, ok(approve(list, 2, C, [B, C, W], at(5))));
    const activation = ok(approve(list, 2, W, [B, C, W], at(6)));
    expect(activation.events[1]).toEqual({ type: 'ShareAgreementActivated', data: { version: 2, supersedes: 1 } });
    list = after(list, activation);
    expect(list.map((a) => `${a.version}:${a.status}`)).toEqual(['1:superseded', '2:active']);
    expect(list[0]).toMatchObject({ supersededBy: 2 });
    expect(list[1]).toMatchObject({ supersedes: 1 });
  });

  it('approving twice changes nothing', () => {
    expect(approve(v1, 1, B, [B, C, W], at(2))).toBe('unchanged');
  });

  it('refuses what cannot be answered', () => {
    expect(approve(v1, 9, C, [B, C, W], at(2))).toMatchObject({ code: 'not_found' });
    expect(approve(v1, 1, 'E06000026', [B, C, W], at(2))).toMatchObject({ code: 'not_party' });
    expect(approve(v1, 1, C, [B, C], at(2))).toMatchObject({ code: 'agreement_outdated' });
    const rejected = after(v1, reject(v1, 1, C, undefined, at(2)) as Transition);
    expect(approve(rejected, 1, W, [B, C, W], at(3))).toMatchObject({ code: 'agreement_not_pending' });
    expect(reject(rejected, 1, W, undefined, at(3))).toMatchObject({ code: 'agreement_not_pending' });
  });

  it('refuses the proposer rejecting its own pending proposal (its proposal is its approval)', () => {
    const refused = reject(v1, 1, B, 'changed our mind', at(2));
    expect(refused).toMatchObject({ code: 'proposer_cannot_reject' });
    expect(isConflict(refused)).toBe(true);
    // The version is untouched: the other members can still answer it.
    const t = ok(approve(v1, 1, C, [B, C, W], at(3)));
    expect(t.changed[0]).toMatchObject({ status: 'pending', approvals: [B, C] });
    expect(reject(v1, 1, W, undefined, at(3))).toMatchObject({ changed: [{ status: 'rejected', rejectedBy: W }] });
    // Not pending any more: the state conflict is named first.
    const rejected = after(v1, reject(v1, 1, C, undefined, at(2)) as Transition);
    expect(reject(rejected, 1, B, undefined, at(3))).toMatchObject({ code: 'agreement_not_pending' });
  });

  it('one rejection ends it, with the reason', () => {
    const t = reject(v1, 1, W, 'Our share of the risk is too high', at(2)) as Transition;
    expect(t.changed[0]).toMatchObject({ status: 'rejected', rejectedBy: W, rejectedAt: at(2), reason: 'Our share of the risk is too high' });
    expect(t.events).toEqual([{ type: 'ShareAgreementRejected', data: { version: 1, council: W, reason: 'Our share of the risk is too high' } }]);
  });
});

describe('coversExactly', () => {
  it('compares the named councils with the funding members as sets', () => {
    expect(coversExactly({ shares: equal3 }, [W, B, C])).toBe(true);
    expect(coversExactly({ shares: equal3 }, [B, C])).toBe(false);
    expect(coversExactly({ shares: equal3 }, [B, C, W, 'E06000026'])).toBe(false);
  });
});

describe('any sequence of proposals, approvals and rejections', () => {
  it('keeps at most one active and one pending version, versions numbered 1..n, events matching changes', () => {
    const councils = [B, C, W];
    const action = fc.oneof(
      fc.record({ kind: fc.constant('propose' as const) }),
      fc.record({ kind: fc.constant('approve' as const), council: fc.constantFrom(...councils), version: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ kind: fc.constant('reject' as const), council: fc.constantFrom(...councils), version: fc.integer({ min: 1, max: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 30 }), (actions) => {
        let list: Agreement[] = [];
        for (const a of actions) {
          const result =
            a.kind === 'propose'
              ? propose(list, { basis: 'equal', shares: equal3, proposedBy: lead, now: at(1) })
              : a.kind === 'approve'
                ? approve(list, a.version, a.council, councils, at(1))
                : reject(list, a.version, a.council, undefined, at(1));
          if (result === 'unchanged' || isConflict(result)) continue;
          const activations = result.events.filter((e) => e.type === 'ShareAgreementActivated').length;
          list = after(list, result);
          expect(activations).toBeLessThanOrEqual(1);
          expect(list.filter((x) => x.status === 'active').length).toBeLessThanOrEqual(1);
          expect(list.filter((x) => x.status === 'pending').length).toBeLessThanOrEqual(1);
          expect(list.map((x) => x.version)).toEqual(list.map((_, i) => i + 1));
          for (const x of list) if (x.status === 'active') expect(awaitingApproval(x)).toEqual([]);
          for (const x of list) if (x.status === 'rejected') expect(x.rejectedBy).not.toBe(x.proposedBy.council);
        }
      }),
      { numRuns: 300 },
    );
  });
});
