/**
 * Share agreements over HTTP (api.md, Share agreements): what the lead proposes,
 * what a version looks like. Bases and share lines are the event catalogue's, so
 * the API and the events can never disagree on them.
 */
import * as z from 'zod';
import { pageQuery } from '../http/paging';
import { challengeIdParams } from './challenge';
import { basisPoints, gssCode, isoDateTime, shareBasis } from './common';

export const shareInput = z
  .strictObject({ council: gssCode, costBps: basisPoints, riskBps: basisPoints })
  .meta({ id: 'ShareLine', description: 'A funding member’s share in integer basis points (10000 = 100%).' });

export const agreementProposal = z
  .strictObject({
    basis: shareBasis.describe('`equal`, `population` and `pledge` are computed by the hub (cost and risk alike); `custom` takes `shares`.'),
    shares: z
      .array(shareInput)
      .min(1)
      .max(50)
      .optional()
      .describe('custom only: one line per funding member; each column sums to exactly 10000.'),
  })
  .meta({ id: 'ShareAgreementProposal' });
export type AgreementProposal = z.infer<typeof agreementProposal>;

/** The reject route's optional body. */
export const agreementRejection = z
  .strictObject({ reason: z.string().trim().min(1).max(1_000).optional() })
  .meta({ id: 'ShareAgreementRejection' });

/**
 * `{version}` as a plain decimal (1..999999, no sign, no leading zero): coercing with
 * Number() would read `0x1`, `1e0`, ` 1` and `01` as version 1 too, so one version
 * would have many URLs. The pattern is what OpenAPI shows; the handler gets a number.
 */
export const AGREEMENT_VERSION_PATTERN = /^[1-9][0-9]{0,5}$/;
export const agreementVersionParams = challengeIdParams.extend({
  version: z
    .string()
    .regex(AGREEMENT_VERSION_PATTERN, 'Must be a version number: a positive decimal integer without leading zeros (1, 2, 3...)')
    .transform(Number)
    .pipe(z.int().min(1).max(999_999)),
});

export const agreementListQuery = pageQuery;

const actor = z.object({ council: gssCode, sub: z.string() });
const version = z.int().min(1);

export const shareAgreement = z
  .object({
    version,
    status: z.enum(['pending', 'active', 'superseded', 'rejected']),
    basis: shareBasis,
    shares: z.array(shareInput).describe('By council code.'),
    approvals: z.array(gssCode).describe('Councils whose officers approved; the proposal counts as the proposer’s approval.'),
    awaiting: z.array(gssCode).optional().describe('Pending only: councils still to approve.'),
    coversFundingMembers: z.boolean().describe('Whether the agreement names exactly the current funding members (costs need that of the active one).'),
    proposedBy: actor,
    proposedAt: isoDateTime,
    updatedAt: isoDateTime,
    replaces: version.optional().describe('The pending version this proposal superseded.'),
    activatedAt: isoDateTime.optional(),
    supersedes: version.optional().describe('The active version this one replaced on activation.'),
    supersededBy: version.optional(),
    supersededAt: isoDateTime.optional(),
    rejectedBy: gssCode.optional(),
    rejectedAt: isoDateTime.optional(),
    reason: z.string().optional().describe('The rejection’s reason, when one was given.'),
  })
  .meta({ id: 'ShareAgreement' });
