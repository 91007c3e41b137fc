/**
 * One realistic sample per event type, written out as `events/samples/<Type>.json` and
 * embedded in the AsyncAPI document. They tell one story: Birmingham leads a challenge on
 * damp and mould in social housing; Coventry is invited, Westminster asks to join,
 * Plymouth declines, Dudley observes for a while; the partners pool money by pledge shares.
 * `seq` follows that story (gaps are events of other types that have no sample here).
 */
import type { EventType, HubEventOf } from '../shared/schemas/events';

const BIRMINGHAM = 'E08000025';
const COVENTRY = 'E08000026';
const DUDLEY = 'E08000027';
const PLYMOUTH = 'E06000026';
const WESTMINSTER = 'E09000033';

const CHALLENGE_ID = '01KERRNBKGWZWH4DWHFKQEBADN';

/** Cognito `sub`s of the officers and finance users acting in the story. */
const actors = {
  birminghamOfficer: { council: BIRMINGHAM, sub: 'c1f4a2d8-6b3e-4f0a-9d27-85e1b3c7a946' },
  birminghamFinance: { council: BIRMINGHAM, sub: '7e2d9b14-3a6f-4c85-b0d1-2f9a6e4c8b53' },
  coventryOfficer: { council: COVENTRY, sub: '4b8e1f6a-92d3-4e7c-a5b0-6d3f8c2e1a97' },
  coventryFinance: { council: COVENTRY, sub: 'e9a3c5d7-1b4f-4a62-8e0d-3c7b9f5a2d18' },
  westminsterOfficer: { council: WESTMINSTER, sub: '2d6f8a1c-5e3b-4d97-b4a2-9f1e7c3b6d05' },
  westminsterFinance: { council: WESTMINSTER, sub: '8c1b3e5f-7a2d-4b69-9e04-6a8d2f1c5b73' },
  plymouthOfficer: { council: PLYMOUTH, sub: '5a9d2c7e-3f1b-4e86-a0c3-7b4e9d6f2a18' },
  dudleyOfficer: { council: DUDLEY, sub: 'f3b7d1a9-8c2e-4f50-b6d4-1e9a5c3f7b26' },
};

/** The three funding members once the consortium has formed. */
const CONSORTIUM = [BIRMINGHAM, COVENTRY, WESTMINSTER];

const CREATED_AT = '2026-01-12T09:30:14.512Z';
const UPDATED_AT = '2026-01-14T11:02:47.090Z';

const STATEMENT =
  'Damp and mould reports in council and housing association homes across our areas have risen by a third in two years. ' +
  'Inspections are reactive, property condition data sits in separate systems, and residents can wait weeks for a visit while conditions worsen.';

const COST_ENTRY_ID = '01KKVGEAZDW8B442P8AMNNEQQH';

export const sampleEvents: { [T in EventType]: HubEventOf<T> } = {
  ChallengeCreated: {
    id: '01KERRNBKGHCP81XWFF02E78CF',
    type: 'ChallengeCreated',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 1,
    occurredAt: CREATED_AT,
    actor: actors.birminghamOfficer,
    audience: [BIRMINGHAM],
    data: {
      challenge: {
        id: CHALLENGE_ID,
        title: 'Damp and mould in social housing',
        statement: STATEMENT,
        howMightWe: '',
        outcomes: [],
        themes: ['housing', 'public-health'],
        visibility: 'consortium',
        procurementRoute: 'undecided',
        leadCouncil: BIRMINGHAM,
        stage: 'draft',
        version: 1,
        createdAt: CREATED_AT,
        updatedAt: CREATED_AT,
      },
    },
  },
  ChallengeUpdated: {
    id: '01KEY2R81JF8EF7H03BG5DR144',
    type: 'ChallengeUpdated',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 2,
    occurredAt: UPDATED_AT,
    actor: actors.birminghamOfficer,
    audience: [BIRMINGHAM],
    data: {
      changes: ['howMightWe', 'outcomes', 'visibility', 'procurementRoute', 'targetBudgetPence'],
      challenge: {
        id: CHALLENGE_ID,
        title: 'Damp and mould in social housing',
        statement: STATEMENT,
        howMightWe:
          "How might we detect the risk of damp and mould early, before it harms residents' health, using low-cost sensing and the property data we already hold?",
        outcomes: [
          'Fewer category 1 damp and mould hazards in social homes',
          'Every report inspected within 10 working days',
          'An open data standard for property condition shared by all partners',
        ],
        themes: ['housing', 'public-health'],
        visibility: 'public',
        procurementRoute: 'sbri',
        targetBudgetPence: 25_000_000,
        leadCouncil: BIRMINGHAM,
        stage: 'draft',
        version: 2,
        createdAt: CREATED_AT,
        updatedAt: UPDATED_AT,
      },
    },
  },
  ChallengeStageChanged: {
    id: '01KJWP5CQGXFVJ68FDFK7312KW',
    type: 'ChallengeStageChanged',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 26,
    occurredAt: '2026-03-04T15:06:19.248Z',
    actor: actors.birminghamOfficer,
    audience: CONSORTIUM,
    data: {
      from: 'forming',
      to: 'market_engagement',
      reason: 'Share agreement v2 is active; the joint programme board approved soft market testing on 4 March 2026',
    },
  },
  MemberInvited: {
    id: '01KFDED2BXM64B5JVD3KZ0JT3J',
    type: 'MemberInvited',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 4,
    occurredAt: '2026-01-20T10:15:00.221Z',
    actor: actors.birminghamOfficer,
    audience: [BIRMINGHAM, COVENTRY],
    data: { council: COVENTRY, role: 'partner' },
  },
  MemberJoinRequested: {
    id: '01KFGFZZHW8EN4Q42KYAVZGW7C',
    type: 'MemberJoinRequested',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 5,
    occurredAt: '2026-01-21T14:40:31.804Z',
    actor: actors.westminsterOfficer,
    audience: [BIRMINGHAM, WESTMINSTER],
    data: { council: WESTMINSTER, role: 'partner' },
  },
  MemberJoined: {
    id: '01KFJF6PNSEXGYASZVWT217P8D',
    type: 'MemberJoined',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 6,
    occurredAt: '2026-01-22T09:05:12.377Z',
    actor: actors.coventryOfficer,
    audience: [BIRMINGHAM, COVENTRY],
    data: { council: COVENTRY, role: 'partner', via: 'invitation' },
  },
  MemberDeclined: {
    id: '01KG2PFACWJSTBCH5QFXF2B8ZZ',
    type: 'MemberDeclined',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 9,
    occurredAt: '2026-01-28T16:20:05.660Z',
    actor: actors.plymouthOfficer,
    audience: [PLYMOUTH, BIRMINGHAM, COVENTRY, WESTMINSTER],
    data: { council: PLYMOUTH, role: 'partner', via: 'invitation' },
  },
  MemberWithdrew: {
    id: '01KH14D0KEB1XVETR2C69JJ4EK',
    type: 'MemberWithdrew',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 12,
    occurredAt: '2026-02-09T12:00:43.118Z',
    actor: actors.dudleyOfficer,
    audience: CONSORTIUM,
    data: { council: DUDLEY, role: 'observer' },
  },
  LeadTransferred: {
    id: '01KN44BDV5H1EAZKPGB8GPGGK5',
    type: 'LeadTransferred',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 33,
    occurredAt: '2026-04-01T09:00:21.733Z',
    actor: actors.birminghamOfficer,
    audience: CONSORTIUM,
    data: { from: BIRMINGHAM, to: COVENTRY },
  },
  ShareAgreementProposed: {
    id: '01KHNFTWG05F3WVN6PQMHZZZ37',
    type: 'ShareAgreementProposed',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 19,
    occurredAt: '2026-02-17T09:45:20.640Z',
    actor: actors.birminghamOfficer,
    audience: CONSORTIUM,
    // Pledges of £120,000, £60,000 and £40,000: 5454.5 / 2727.3 / 1818.2 bps, the
    // leftover unit going to the largest remainder (Birmingham).
    data: {
      version: 2,
      basis: 'pledge',
      shares: [
        { council: BIRMINGHAM, costBps: 5455, riskBps: 5455 },
        { council: COVENTRY, costBps: 2727, riskBps: 2727 },
        { council: WESTMINSTER, costBps: 1818, riskBps: 1818 },
      ],
      supersedes: 1,
    },
  },
  ShareAgreementApproved: {
    id: '01KHRF5385NQG4P3MAPATB2GRV',
    type: 'ShareAgreementApproved',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 20,
    occurredAt: '2026-02-18T13:31:09.957Z',
    actor: actors.coventryOfficer,
    audience: CONSORTIUM,
    data: { version: 2, council: COVENTRY },
  },
  ShareAgreementActivated: {
    id: '01KHTHQEK4FG6037D4RPQ518XS',
    type: 'ShareAgreementActivated',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 22,
    occurredAt: '2026-02-19T08:54:37.412Z',
    actor: actors.westminsterOfficer,
    audience: CONSORTIUM,
    data: { version: 2 },
  },
  ShareAgreementRejected: {
    id: '01KMDBJYGRKGTZAR0D3VJ0NSS8',
    type: 'ShareAgreementRejected',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 32,
    occurredAt: '2026-03-23T12:44:16.280Z',
    actor: actors.westminsterOfficer,
    audience: CONSORTIUM,
    data: {
      version: 3,
      council: WESTMINSTER,
      reason: 'Our cabinet approved a risk share equal to our cost share only; please resubmit with risk following cost',
    },
  },
  PledgeSet: {
    id: '01KHJZ0M3KQW3RHVQTH6Q4HGXJ',
    type: 'PledgeSet',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 18,
    occurredAt: '2026-02-16T10:12:54.003Z',
    actor: actors.westminsterFinance,
    audience: CONSORTIUM,
    data: { council: WESTMINSTER, amountPence: 4_000_000, previousPence: 2_500_000, entryId: '01KHJZ0M3KBN63MKCDZKZ6BKY4' },
  },
  CommitmentRecorded: {
    id: '01KJ53GY7F76NVVZSQC7WHBXD4',
    type: 'CommitmentRecorded',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 24,
    occurredAt: '2026-02-23T11:18:02.735Z',
    actor: actors.coventryFinance,
    audience: CONSORTIUM,
    data: { council: COVENTRY, amountPence: 6_000_000, entryId: '01KJ53GY7F0G886C99RHR25BD5', reference: 'PO 4500231876' },
  },
  ReceiptRecorded: {
    id: '01KK9300GH65V8BGP34HA1XTET',
    type: 'ReceiptRecorded',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 28,
    occurredAt: '2026-03-09T10:41:27.569Z',
    actor: actors.birminghamFinance,
    audience: CONSORTIUM,
    data: { council: COVENTRY, amountPence: 6_000_000, entryId: '01KK9300GHJ60R4T8N2HB24RGW', reference: 'BACS COV-HUB-0001' },
  },
  CostRecorded: {
    id: '01KKVGEAZD1Y9CJMY09S2736D0',
    type: 'CostRecorded',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 29,
    occurredAt: '2026-03-16T14:22:48.301Z',
    actor: actors.birminghamFinance,
    audience: CONSORTIUM,
    // £37,500 within the headroom, split by cost shares 5455 / 2727 / 1818 bps.
    data: {
      entryId: COST_ENTRY_ID,
      amountPence: 3_750_000,
      description: 'Soft market testing: supplier day and two-week discovery sprint',
      supplier: 'Civic Sensing Co-operative Ltd',
      category: 'market engagement',
      reference: 'INV-2026-0318',
      allocations: [
        { council: BIRMINGHAM, costPence: 2_045_625, riskPence: 0 },
        { council: COVENTRY, costPence: 1_022_625, riskPence: 0 },
        { council: WESTMINSTER, costPence: 681_750, riskPence: 0 },
      ],
    },
  },
  CostReversed: {
    id: '01KM0377A28W6J6AK9EN567QRN',
    type: 'CostReversed',
    version: 1,
    challengeId: CHALLENGE_ID,
    seq: 30,
    occurredAt: '2026-03-18T09:07:55.842Z',
    actor: actors.birminghamFinance,
    audience: CONSORTIUM,
    data: {
      entryId: '01KM0377A28X17P6YQKTTZ7NHY',
      reversesId: COST_ENTRY_ID,
      amountPence: -3_750_000,
      reason: 'Supplier cancelled invoice INV-2026-0318 (credit note CN-0042); it will be reissued with the correct VAT',
      allocations: [
        { council: BIRMINGHAM, costPence: -2_045_625, riskPence: 0 },
        { council: COVENTRY, costPence: -1_022_625, riskPence: 0 },
        { council: WESTMINSTER, costPence: -681_750, riskPence: 0 },
      ],
    },
  },
};
