/**
 * The hub's events (brief: events.md): one envelope, 18 types, each with its own `data`.
 * The same shape travels everywhere: the pull feed, EventBridge `detail`, a webhook's `data`.
 * `events/generate.ts` turns these schemas into the JSON Schemas and AsyncAPI document
 * under `events/`, so this file is the single source of truth for the event contract.
 *
 * Pure: imports only zod (and ./common), so Lambda handlers can import it.
 * Objects are strict: an event carrying a field not named here is rejected, so nothing
 * leaves the hub that the contract does not document.
 */
import * as z from './zod';
import { described, withMeta } from './zod';
import {
  basisPoints,
  BPS_TOTAL,
  gssCode,
  invitableRole,
  isoDateTime,
  memberRole,
  nonNegativePence,
  positivePence,
  procurementRoute,
  shareBasis,
  stage,
  ulid,
  visibility,
} from './common';

export const EVENT_TYPES = [
  'ChallengeCreated',
  'ChallengeUpdated',
  'ChallengeStageChanged',
  'MemberInvited',
  'MemberJoinRequested',
  'MemberJoined',
  'MemberDeclined',
  'MemberWithdrew',
  'LeadTransferred',
  'ShareAgreementProposed',
  'ShareAgreementApproved',
  'ShareAgreementActivated',
  'ShareAgreementRejected',
  'PledgeSet',
  'CommitmentRecorded',
  'ReceiptRecorded',
  'CostRecorded',
  'CostReversed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

// ---------------------------------------------------------------------------
// Envelope

const hasDuplicates = (values: readonly string[]): boolean => new Set(values).size !== values.length;

/** Who caused the event: the caller's council and JWT `sub`. */
export const eventActor = z.strictObject({ council: gssCode, sub: z.string().check(z.minLength(1)) });
export type EventActor = z.infer<typeof eventActor>;

/** Councils entitled to see the event; EventBridge rules and webhook fan-out match on it. */
export const eventAudience = withMeta(
  z.array(gssCode).check(
    z.minLength(1),
    z.refine((codes) => !hasDuplicates(codes), 'audience lists each council once'),
  ),
  { uniqueItems: true },
);

const envelopeFields = {
  /** ULID, unique: the dedup key everywhere (also the webhook-id). */
  id: ulid,
  challengeId: ulid,
  /** Gapless per challenge, from 1. */
  seq: z.int().check(z.gte(1)),
  occurredAt: isoDateTime,
  actor: eventActor,
  audience: eventAudience,
};

/**
 * Any event, whatever its type or version, with `data` left opaque. For code that only
 * routes events (publisher, fan-out, pull feed); use `hubEvent` to validate a payload.
 */
export const eventEnvelope = z.strictObject({
  id: envelopeFields.id,
  type: z.string().check(z.minLength(1)),
  version: z.int().check(z.gte(1)),
  challengeId: envelopeFields.challengeId,
  seq: envelopeFields.seq,
  occurredAt: envelopeFields.occurredAt,
  actor: envelopeFields.actor,
  audience: envelopeFields.audience,
  data: z.record(z.string(), z.unknown()),
});
export type EventEnvelope = z.infer<typeof eventEnvelope>;

function defineEvent<const T extends EventType, D extends z.ZodMiniType>(type: T, data: D) {
  return z.strictObject({
    id: envelopeFields.id,
    type: z.literal(type),
    version: z.literal(1),
    challengeId: envelopeFields.challengeId,
    seq: envelopeFields.seq,
    occurredAt: envelopeFields.occurredAt,
    actor: envelopeFields.actor,
    audience: envelopeFields.audience,
    data,
  });
}

// ---------------------------------------------------------------------------
// Pieces of data shared by several types

/** The full challenge as it stands after the change (events go to active members only). */
export const challengeSnapshot = z.strictObject({
  id: ulid,
  title: z.string().check(z.minLength(1)),
  statement: z.string(),
  howMightWe: z.string(),
  outcomes: z.array(z.string()),
  themes: z.array(z.string()),
  visibility,
  procurementRoute,
  targetBudgetPence: z.optional(nonNegativePence),
  leadCouncil: gssCode,
  stage,
  version: z.int().check(z.gte(1)),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type ChallengeSnapshot = z.infer<typeof challengeSnapshot>;

/** Fields a `PATCH /v1/challenges/{id}` may change; `ChallengeUpdated.data.changes` names them. */
export const challengeChangeField = z.enum([
  'title',
  'statement',
  'howMightWe',
  'outcomes',
  'themes',
  'visibility',
  'procurementRoute',
  'targetBudgetPence',
]);
export type ChallengeChangeField = z.infer<typeof challengeChangeField>;

export const shareLine = z.strictObject({ council: gssCode, costBps: basisPoints, riskBps: basisPoints });
export type ShareLine = z.infer<typeof shareLine>;

const shareLines = described(
  z.array(shareLine).check(z.minLength(1), z.maxLength(50)),
  'One line per funding member, each council once; costBps and riskBps each sum to exactly 10000.',
).check(
  z.superRefine((lines, ctx) => {
    if (hasDuplicates(lines.map((l) => l.council))) ctx.addIssue({ code: 'custom', message: 'shares name each council once' });
    for (const column of ['costBps', 'riskBps'] as const) {
      const total = lines.reduce((sum, l) => sum + l[column], 0);
      if (total !== BPS_TOTAL) ctx.addIssue({ code: 'custom', message: `${column} sums to ${total}, not ${BPS_TOTAL}` });
    }
  }),
);

export const costAllocation = z.strictObject({ council: gssCode, costPence: z.int(), riskPence: z.int() });
export type CostAllocation = z.infer<typeof costAllocation>;

/** Allocations of a ledger entry: one line per funding member, signs as given, summing to the amount. */
function allocationsOf(sign: 'positive' | 'negative') {
  const amount = sign === 'positive' ? z.int().check(z.gte(0)) : z.int().check(z.lte(0));
  return described(
    z.array(z.strictObject({ council: gssCode, costPence: amount, riskPence: amount })).check(z.minLength(1), z.maxLength(50)),
    'One line per funding member, each council once; costPence + riskPence over all lines sums exactly to amountPence.',
  ).check(z.refine((lines) => !hasDuplicates(lines.map((l) => l.council)), 'allocations name each council once'));
}

const allocationsSumToAmount = (d: { amountPence: number; allocations: readonly CostAllocation[] }): boolean =>
  d.allocations.reduce((sum, a) => sum + a.costPence + a.riskPence, 0) === d.amountPence;
const allocationsSumMessage = { message: 'allocations must sum exactly to amountPence', path: ['allocations'] };

const optionalText = z.optional(z.string().check(z.minLength(1)));
const agreementVersion = z.int().check(z.gte(1));
const joinRoute = z.enum(['invitation', 'request']);

// ---------------------------------------------------------------------------
// Data per type

const challengeCreatedData = z.strictObject({ challenge: challengeSnapshot });

const challengeUpdatedData = z.strictObject({
  /** The fields this update changed. */
  changes: withMeta(
    z.array(challengeChangeField).check(
      z.minLength(1),
      z.refine((fields) => !hasDuplicates(fields), 'changes names each field once'),
    ),
    { uniqueItems: true },
  ),
  challenge: challengeSnapshot,
});

const challengeStageChangedData = z
  .strictObject({ from: stage, to: stage, reason: optionalText })
  .check(z.refine((d) => d.from !== d.to, { message: 'from and to differ', path: ['to'] }));

const memberInvitedData = z.strictObject({ council: gssCode, role: invitableRole });
const memberJoinRequestedData = z.strictObject({ council: gssCode, role: invitableRole });
const memberJoinedData = z.strictObject({ council: gssCode, role: memberRole, via: joinRoute });
/** `via: invitation`: the invitee declined; `via: request`: the lead declined the request. */
const memberDeclinedData = z.strictObject({ council: gssCode, role: invitableRole, via: joinRoute });
const memberWithdrewData = z.strictObject({ council: gssCode, role: invitableRole });
/** Immediate: `from` (the old lead) becomes a partner, `to` the lead. */
const leadTransferredData = z
  .strictObject({ from: gssCode, to: gssCode })
  .check(z.refine((d) => d.from !== d.to, { message: 'from and to differ', path: ['to'] }));

const shareAgreementProposedData = z.strictObject({
  version: agreementVersion,
  basis: shareBasis,
  shares: shareLines,
  /** The still-pending version this proposal replaces, if any. */
  supersedes: z.optional(agreementVersion),
});
const shareAgreementApprovedData = z.strictObject({ version: agreementVersion, council: gssCode });
const shareAgreementActivatedData = z.strictObject({
  version: agreementVersion,
  /** The previously active version, now superseded, if any. */
  supersedes: z.optional(agreementVersion),
});
const shareAgreementRejectedData = z.strictObject({ version: agreementVersion, council: gssCode, reason: optionalText });

const pledgeSetData = z.strictObject({
  council: gssCode,
  amountPence: nonNegativePence,
  previousPence: nonNegativePence,
  entryId: ulid,
});
const commitmentRecordedData = z.strictObject({
  council: gssCode,
  amountPence: positivePence,
  entryId: ulid,
  reference: optionalText,
});
/** `council` is the member the money was received from. */
const receiptRecordedData = z.strictObject({
  council: gssCode,
  amountPence: positivePence,
  entryId: ulid,
  reference: optionalText,
});
const costRecordedData = z
  .strictObject({
    entryId: ulid,
    amountPence: positivePence,
    description: z.string().check(z.minLength(1)),
    supplier: optionalText,
    category: optionalText,
    reference: optionalText,
    allocations: allocationsOf('positive'),
  })
  .check(z.refine(allocationsSumToAmount, allocationsSumMessage));
/** The reversing entry: negative amount and exactly the negated allocations of `reversesId`. */
const costReversedData = z
  .strictObject({
    entryId: ulid,
    reversesId: ulid,
    amountPence: z.int().check(z.negative()),
    reason: z.string().check(z.minLength(1)),
    allocations: allocationsOf('negative'),
  })
  .check(z.refine(allocationsSumToAmount, allocationsSumMessage));

// ---------------------------------------------------------------------------
// Event schemas

export const challengeCreated = defineEvent('ChallengeCreated', challengeCreatedData);
export const challengeUpdated = defineEvent('ChallengeUpdated', challengeUpdatedData);
export const challengeStageChanged = defineEvent('ChallengeStageChanged', challengeStageChangedData);
export const memberInvited = defineEvent('MemberInvited', memberInvitedData);
export const memberJoinRequested = defineEvent('MemberJoinRequested', memberJoinRequestedData);
export const memberJoined = defineEvent('MemberJoined', memberJoinedData);
export const memberDeclined = defineEvent('MemberDeclined', memberDeclinedData);
export const memberWithdrew = defineEvent('MemberWithdrew', memberWithdrewData);
export const leadTransferred = defineEvent('LeadTransferred', leadTransferredData);
export const shareAgreementProposed = defineEvent('ShareAgreementProposed', shareAgreementProposedData);
export const shareAgreementApproved = defineEvent('ShareAgreementApproved', shareAgreementApprovedData);
export const shareAgreementActivated = defineEvent('ShareAgreementActivated', shareAgreementActivatedData);
export const shareAgreementRejected = defineEvent('ShareAgreementRejected', shareAgreementRejectedData);
export const pledgeSet = defineEvent('PledgeSet', pledgeSetData);
export const commitmentRecorded = defineEvent('CommitmentRecorded', commitmentRecordedData);
export const receiptRecorded = defineEvent('ReceiptRecorded', receiptRecordedData);
export const costRecorded = defineEvent('CostRecorded', costRecordedData);
export const costReversed = defineEvent('CostReversed', costReversedData);

export const eventSchemas = {
  ChallengeCreated: challengeCreated,
  ChallengeUpdated: challengeUpdated,
  ChallengeStageChanged: challengeStageChanged,
  MemberInvited: memberInvited,
  MemberJoinRequested: memberJoinRequested,
  MemberJoined: memberJoined,
  MemberDeclined: memberDeclined,
  MemberWithdrew: memberWithdrew,
  LeadTransferred: leadTransferred,
  ShareAgreementProposed: shareAgreementProposed,
  ShareAgreementApproved: shareAgreementApproved,
  ShareAgreementActivated: shareAgreementActivated,
  ShareAgreementRejected: shareAgreementRejected,
  PledgeSet: pledgeSet,
  CommitmentRecorded: commitmentRecorded,
  ReceiptRecorded: receiptRecorded,
  CostRecorded: costRecorded,
  CostReversed: costReversed,
} as const satisfies { [T in EventType]: z.ZodMiniType<{ type: T }> };

export const hubEvent = z.discriminatedUnion('type', [
  challengeCreated,
  challengeUpdated,
  challengeStageChanged,
  memberInvited,
  memberJoinRequested,
  memberJoined,
  memberDeclined,
  memberWithdrew,
  leadTransferred,
  shareAgreementProposed,
  shareAgreementApproved,
  shareAgreementActivated,
  shareAgreementRejected,
  pledgeSet,
  commitmentRecorded,
  receiptRecorded,
  costRecorded,
  costReversed,
]);
export type HubEvent = z.infer<typeof hubEvent>;

/** The event of one type, e.g. `HubEventOf<'MemberJoined'>`. */
export type HubEventOf<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;
/** The `data` of one type, e.g. `EventData<'CostRecorded'>`. */
export type EventData<T extends EventType> = HubEventOf<T>['data'];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}
