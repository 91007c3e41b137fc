import { describe, expect, it } from 'vitest';
import {
  activeCouncils,
  capacityConflict,
  type ChallengeView,
  FORWARD_STAGES,
  fundingMembers,
  isMembershipLocked,
  isTerminal,
  joinConflict,
  leadTransferConflict,
  MAX_FUNDING_MEMBERS,
  type MemberView,
  membershipChangeConflict,
  respondent,
  type StageContext,
  stageMoveConflict,
  terminalConflict,
  withdrawConflict,
} from '../../shared/domain/consortium';
import { type MemberRole, type MemberStatus, type Stage, stage as stageSchema } from '../../shared/schemas/common';

const LEAD = 'E08000025';
const COV = 'E08000026';
const WESTMINSTER = 'E09000033';

const STAGES = stageSchema.options;

/** domain.md, Stages, written out by hand: one step forward, or to cancelled before closed. */
const ALLOWED: Record<Stage, Stage[]> = {
  draft: ['scoping', 'cancelled'],
  scoping: ['forming', 'cancelled'],
  forming: ['market_engagement', 'cancelled'],
  market_engagement: ['procurement', 'cancelled'],
  procurement: ['awarded', 'cancelled'],
  awarded: ['delivery', 'cancelled'],
  delivery: ['closed', 'cancelled'],
  closed: [],
  cancelled: [],
};

const ready: ChallengeView = { stage: 'draft', statement: 'Potholes', howMightWe: 'How might we fix them sooner?' };
/** A context in which every guard holds. */
const allGood: StageContext = { agreementCoversFundingMembers: true, committedPence: 1_000_000 };
const at = (stage: Stage, fields: Partial<ChallengeView> = {}): ChallengeView => ({ ...ready, stage, ...fields });
const code = (c: { code: string } | null) => c?.code ?? null;

const m = (council: string, role: MemberRole, status: MemberStatus): MemberView => ({ council, role, status });
const district = (i: number) => `E07000${String(100 + i).padStart(3, '0')}`;
/** A lead plus `partners` active partners, and any extra records. */
const consortium = (partners: number, extra: MemberView[] = []) => [
  m(LEAD, 'lead', 'active'),
  ...Array.from({ length: partners }, (_, i) => m(district(i), 'partner', 'active')),
  ...extra,
];

describe('stage transitions', () => {
  it('knows every stage', () => {
    expect(Object.keys(ALLOWED).sort()).toEqual([...STAGES].sort());
    expect(FORWARD_STAGES).toEqual(['draft', 'scoping', 'forming', 'market_engagement', 'procurement', 'awarded', 'delivery', 'closed']);
  });

  const pairs = STAGES.flatMap((from) => STAGES.map((to) => ({ from, to, allowed: ALLOWED[from].includes(to) })));

  it.each(pairs.filter((p) => p.allowed))('$from → $to is allowed', ({ from, to }) => {
    expect(stageMoveConflict(at(from), to, allGood)).toBeNull();
  });

  it.each(pairs.filter((p) => !p.allowed && !isTerminal(p.from)))('$from → $to is refused: invalid_stage_transition', ({ from, to }) => {
    const refused = stageMoveConflict(at(from), to, allGood);
    expect(code(refused)).toBe('invalid_stage_transition');
    expect(refused!.detail).toContain(from);
  });

  it.each(pairs.filter((p) => isTerminal(p.from)))('$from → $to is refused: challenge_closed (terminal)', ({ from, to }) => {
    expect(code(stageMoveConflict(at(from), to, allGood))).toBe('challenge_closed');
  });

  it('walks draft to closed in seven single steps', () => {
    let challenge = at('draft');
    for (const to of FORWARD_STAGES.slice(1)) {
      expect(stageMoveConflict(challenge, to, allGood), `${challenge.stage} → ${to}`).toBeNull();
      challenge = { ...challenge, stage: to };
    }
    expect(challenge.stage).toBe('closed');
    expect(isTerminal('closed') && isTerminal('cancelled')).toBe(true);
    expect(STAGES.filter(isTerminal)).toEqual(['closed', 'cancelled']);
  });
});

describe('guard into forming', () => {
  it.each([
    { statement: '', howMightWe: 'How might we?', missing: 'statement' },
    { statement: '   \n\t', howMightWe: 'How might we?', missing: 'statement' },
    { statement: 'Potholes', howMightWe: '', missing: 'howMightWe' },
    { statement: 'Potholes', howMightWe: '  ', missing: 'howMightWe' },
    { statement: '', howMightWe: '', missing: 'statement and howMightWe' },
  ])('refuses scoping → forming without $missing', ({ statement, howMightWe, missing }) => {
    const refused = stageMoveConflict(at('scoping', { statement, howMightWe }), 'forming', allGood);
    expect(code(refused)).toBe('stage_guard');
    expect(refused!.detail).toContain(`non-empty ${missing}.`);
  });

  it('lets a described challenge into forming', () => {
    expect(stageMoveConflict(at('scoping'), 'forming', allGood)).toBeNull();
  });

  it('applies only on the way into forming: drafts move to scoping, and anything may be cancelled, undescribed', () => {
    const blank = { statement: '', howMightWe: '' };
    expect(stageMoveConflict(at('draft', blank), 'scoping', allGood)).toBeNull();
    expect(stageMoveConflict(at('scoping', blank), 'cancelled', allGood)).toBeNull();
    expect(stageMoveConflict(at('forming', blank), 'market_engagement', allGood)).toBeNull();
  });
});

describe('guard into procurement', () => {
  const move = (context: StageContext, targetBudgetPence?: number) =>
    stageMoveConflict(at('market_engagement', targetBudgetPence === undefined ? {} : { targetBudgetPence }), 'procurement', context);

  it('needs an active agreement covering exactly the funding members', () => {
    const refused = move({ agreementCoversFundingMembers: false, committedPence: 1_000_000 });
    expect(code(refused)).toBe('stage_guard');
    expect(refused!.detail).toContain('share agreement');
  });

  it('asks for the agreement first when both are missing', () => {
    expect(move({ agreementCoversFundingMembers: false, committedPence: 0 }, 500)!.detail).toContain('share agreement');
  });

  it('needs committed funds of at least the target budget, when one is set', () => {
    const short = move({ agreementCoversFundingMembers: true, committedPence: 24_999_999 }, 25_000_000);
    expect(code(short)).toBe('stage_guard');
    expect(short!.detail).toContain('24999999 of 25000000 pence committed');
    expect(move({ agreementCoversFundingMembers: true, committedPence: 25_000_000 }, 25_000_000)).toBeNull();
    expect(move({ agreementCoversFundingMembers: true, committedPence: 25_000_001 }, 25_000_000)).toBeNull();
  });

  it('needs no commitment without a target, and a zero target is met by nothing', () => {
    expect(move({ agreementCoversFundingMembers: true, committedPence: 0 })).toBeNull();
    expect(move({ agreementCoversFundingMembers: true, committedPence: 0 }, 0)).toBeNull();
  });

  it('applies only on the way into procurement', () => {
    const none: StageContext = { agreementCoversFundingMembers: false, committedPence: 0 };
    expect(stageMoveConflict(at('market_engagement', { targetBudgetPence: 10 }), 'cancelled', none)).toBeNull();
    expect(stageMoveConflict(at('procurement', { targetBudgetPence: 10 }), 'awarded', none)).toBeNull();
    expect(stageMoveConflict(at('forming', { targetBudgetPence: 10 }), 'market_engagement', none)).toBeNull();
  });
});

describe('terminal stages and the membership lock', () => {
  const expected: Record<Stage, { locked: boolean; change: string | null; terminal: string | null }> = {
    draft: { locked: false, change: null, terminal: null },
    scoping: { locked: false, change: null, terminal: null },
    forming: { locked: false, change: null, terminal: null },
    market_engagement: { locked: false, change: null, terminal: null },
    procurement: { locked: true, change: 'membership_locked', terminal: null },
    awarded: { locked: true, change: 'membership_locked', terminal: null },
    delivery: { locked: true, change: 'membership_locked', terminal: null },
    closed: { locked: true, change: 'challenge_closed', terminal: 'challenge_closed' },
    cancelled: { locked: true, change: 'challenge_closed', terminal: 'challenge_closed' },
  };

  it.each(STAGES)('%s', (stage) => {
    expect({
      locked: isMembershipLocked(stage),
      change: code(membershipChangeConflict(stage)),
      terminal: code(terminalConflict(stage)),
    }).toEqual(expected[stage]);
  });
});

describe('joining: invitations and requests', () => {
  it.each([
    { status: 'active', expected: 'already_member' },
    { status: 'invited', expected: 'already_invited' },
    { status: 'requested', expected: 'already_requested' },
    { status: 'declined', expected: null },
    { status: 'withdrawn', expected: null },
  ] as const)('a council whose record is $status: $expected', ({ status, expected }) => {
    expect(code(joinConflict(m(COV, 'partner', status)))).toBe(expected);
    expect(code(joinConflict(m(COV, 'observer', status)))).toBe(expected);
  });

  it('lets a council with no record join, and never lets the lead in twice', () => {
    expect(joinConflict(undefined)).toBeNull();
    expect(code(joinConflict(m(LEAD, 'lead', 'active')))).toBe('already_member');
  });

  it('sends an invitation to the invitee and a request to the lead; nothing else is pending', () => {
    expect(respondent(m(COV, 'partner', 'invited'), LEAD)).toBe(COV);
    expect(respondent(m(COV, 'observer', 'requested'), LEAD)).toBe(LEAD);
    for (const status of ['active', 'declined', 'withdrawn'] as const) expect(respondent(m(COV, 'partner', status), LEAD)).toBeNull();
  });
});

describe('withdrawing', () => {
  it('lets an active partner or observer withdraw', () => {
    expect(withdrawConflict(m(COV, 'partner', 'active'))).toBeNull();
    expect(withdrawConflict(m(WESTMINSTER, 'observer', 'active'))).toBeNull();
  });

  it('refuses the lead: it must pass the lead on first', () => {
    expect(code(withdrawConflict(m(LEAD, 'lead', 'active')))).toBe('lead_cannot_withdraw');
  });

  it.each(['invited', 'requested', 'declined', 'withdrawn'] as const)('refuses a %s council: not_active_member', (status) => {
    expect(code(withdrawConflict(m(COV, 'partner', status)))).toBe('not_active_member');
  });

  it('refuses a council with no record', () => {
    expect(code(withdrawConflict(undefined))).toBe('not_active_member');
  });
});

describe('transferring the lead', () => {
  it('passes to an active partner', () => {
    expect(leadTransferConflict(m(COV, 'partner', 'active'), LEAD)).toBeNull();
  });

  it('refuses the lead itself', () => {
    expect(code(leadTransferConflict(m(LEAD, 'lead', 'active'), LEAD))).toBe('already_lead');
  });

  it.each([
    { who: 'no record', target: undefined },
    { who: 'an active observer', target: m(WESTMINSTER, 'observer', 'active') },
    { who: 'an invited partner', target: m(COV, 'partner', 'invited') },
    { who: 'a requesting partner', target: m(COV, 'partner', 'requested') },
    { who: 'a withdrawn partner', target: m(COV, 'partner', 'withdrawn') },
    { who: 'a declined partner', target: m(COV, 'partner', 'declined') },
  ])('refuses $who: not_active_partner', ({ target }) => {
    expect(code(leadTransferConflict(target, LEAD))).toBe('not_active_partner');
  });
});

describe('capacity: at most 50 funding members', () => {
  const joiningPartner = m(district(900), 'partner', 'invited');
  const joiningObserver = m(district(901), 'observer', 'requested');

  it('is 50', () => {
    expect(MAX_FUNDING_MEMBERS).toBe(50);
  });

  it('admits the 50th funding member and refuses the 51st', () => {
    expect(capacityConflict(consortium(48), joiningPartner)).toBeNull(); // 49 + 1
    expect(code(capacityConflict(consortium(49), joiningPartner))).toBe('consortium_full'); // 50 + 1
    expect(code(capacityConflict(consortium(60), joiningPartner))).toBe('consortium_full');
  });

  it('always admits observers', () => {
    expect(capacityConflict(consortium(49), joiningObserver)).toBeNull();
  });

  it('counts only active leads and partners', () => {
    const inactiveAndObservers = [
      ...Array.from({ length: 10 }, (_, i) => m(district(100 + i), 'partner', 'withdrawn')),
      ...Array.from({ length: 10 }, (_, i) => m(district(200 + i), 'partner', 'invited')),
      ...Array.from({ length: 10 }, (_, i) => m(district(300 + i), 'partner', 'requested')),
      ...Array.from({ length: 10 }, (_, i) => m(district(400 + i), 'partner', 'declined')),
      ...Array.from({ length: 10 }, (_, i) => m(district(500 + i), 'observer', 'active')),
    ];
    const members = consortium(48, inactiveAndObservers);
    expect(fundingMembers(members)).toHaveLength(49);
    expect(capacityConflict(members, joiningPartner)).toBeNull();
  });
});

describe('who counts', () => {
  const members = [
    m(WESTMINSTER, 'observer', 'active'),
    m(COV, 'partner', 'active'),
    m(LEAD, 'lead', 'active'),
    m(district(1), 'partner', 'withdrawn'),
    m(district(2), 'partner', 'invited'),
    m(district(3), 'observer', 'declined'),
  ];

  it('funding members are the active lead and partners', () => {
    expect(fundingMembers(members).map((x) => x.council)).toEqual([COV, LEAD]);
  });

  it('the audience is every active member, observers included, sorted by code', () => {
    expect(activeCouncils(members)).toEqual([LEAD, COV, WESTMINSTER]);
  });
});
