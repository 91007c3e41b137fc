/**
 * Share agreements over HTTP (api.md, Share agreements): what the lead proposes,
 * what a version looks like. Bases and share lines are the event catalogue's, so
 * the API and the events can never disagree on them.
 */
import * as z from './zod';
import { described, withMeta } from './zod';
import { pageQuery } from '../http/paging';
import { challengeIdParams } from './challenge';
import { basisPoints, gssCode, isoDateTime, shareBasis } from './common';

export const shareInput = withMeta(z.strictObject({ council: gssCode, costBps: basisPoints, riskBps: basisPoints }), {
  id: 'ShareLine',
  description: 'A funding member’s share in integer basis points (10000 = 100%).',
});

export const agreementProposal = withMeta(
  z.strictObject({
    basis: described(
      shareBasis,
      '`equal`, `population` and `pledge` are computed by the hub (cost and risk alike); `custom` takes `shares`.',
    ),
    shares: described(
      z.optional(z.array(shareInput).check(z.minLength(1), z.maxLength(50))),
      'custom only: one line per funding member; each column sums to exactly 10000.',
    ),
  }),
  { id: 'ShareAgreementProposal' },
);
export type AgreementProposal = z.infer<typeof agreementProposal>;

/** The reject route's optional body. */
export const agreementRejection = withMeta(
  z.strictObject({ reason: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(1_000))) }),
  { id: 'ShareAgreementRejection' },
);

/**
 * `{version}` as a plain decimal (1..999999, no sign, no leading zero): coercing with
 * Number() would read `0x1`, `1e0`, ` 1` and `01` as version 1 too, so one version
 * would have many URLs. The pattern is what OpenAPI shows; the handler gets a number.
 */
export const AGREEMENT_VERSION_PATTERN = /^[1-9][0-9]{0,5}$/;
export const agreementVersionParams = z.extend(challengeIdParams, {
  version: z.pipe(
    z.pipe(
      z.string().check(
        z.regex(AGREEMENT_VERSION_PATTERN, 'Must be a version number: a positive decimal integer without leading zeros (1, 2, 3...)'),
      ),
      z.transform(Number),
    ),
    z.int().check(z.gte(1), z.lte(999_999)),
  ),
});

export const agreementListQuery = pageQuery;

const actor = z.object({ council: gssCode, sub: z.string() });
const version = z.int().check(z.gte(1));

export const shareAgreement = withMeta(
  z.object({
    version,
    status: z.enum(['pending', 'active', 'superseded', 'rejected']),
    basis: shareBasis,
    shares: described(z.array(shareInput), 'By council code.'),
    approvals: described(z.array(gssCode), 'Councils whose officers approved; the proposal counts as the proposer’s approval.'),
    awaiting: described(z.optional(z.array(gssCode)), 'Pending only: councils still to approve.'),
    coversFundingMembers: described(
      z.boolean(),
      'Whether the agreement names exactly the current funding members (costs need that of the active one).',
    ),
    proposedBy: actor,
    proposedAt: isoDateTime,
    updatedAt: isoDateTime,
    replaces: described(z.optional(version), 'The pending version this proposal superseded.'),
    activatedAt: z.optional(isoDateTime),
    supersedes: described(z.optional(version), 'The active version this one replaced on activation.'),
    supersededBy: z.optional(version),
    supersededAt: z.optional(isoDateTime),
    rejectedBy: z.optional(gssCode),
    rejectedAt: z.optional(isoDateTime),
    reason: described(z.optional(z.string()), 'The rejection’s reason, when one was given.'),
  }),
  { id: 'ShareAgreement' },
);
