import * as z from './zod';
import { described, withMeta } from './zod';
import { pageQuery } from '../http/paging';
import {
  gssCode,
  invitableRole,
  isoDateTime,
  memberRole,
  memberStatus,
  nonNegativePence,
  procurementRoute,
  stage,
  ulid,
  visibility,
} from './common';
import { challengeSnapshot } from './events';

const text = (max: number) => z.string().check(z.trim(), z.maxLength(max));
const listOf = (max: number, itemMax: number) =>
  z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(itemMax))).check(z.maxLength(max));
/** Themes are matched exactly by `?theme=`, so they are kept lower-case. */
const theme = z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(60));

export const challengeIdParams = z.object({ id: ulid });

export const challengeCreateInput = withMeta(
  z.strictObject({
    title: text(200).check(z.minLength(1)),
    statement: z._default(text(10_000), ''),
    howMightWe: z._default(text(1_000), ''),
    outcomes: z._default(listOf(30, 500), []),
    themes: z._default(z.array(theme).check(z.maxLength(20)), []),
    visibility: z._default(visibility, 'consortium'),
    procurementRoute: z._default(procurementRoute, 'undecided'),
    targetBudgetPence: z.optional(nonNegativePence),
  }),
  { id: 'ChallengeCreate' },
);

export const challengePatchInput = withMeta(
  z
    .partial(
      z.strictObject({
        title: text(200).check(z.minLength(1)),
        statement: text(10_000),
        howMightWe: text(1_000),
        outcomes: listOf(30, 500),
        themes: z.array(theme).check(z.maxLength(20)),
        visibility,
        procurementRoute,
        /** null clears the target. */
        targetBudgetPence: z.nullable(nonNegativePence),
      }),
    )
    .check(z.refine((patch) => Object.keys(patch).length > 0, { message: 'Name at least one field to change.' })),
  { id: 'ChallengePatch' },
);
export type ChallengePatch = z.infer<typeof challengePatchInput>;

/** The API's challenge is the events' snapshot, with the statement for active members only. */
export const challenge = withMeta(
  z.extend(challengeSnapshot, { statement: described(z.optional(z.string()), 'Shown to active members only') }),
  { id: 'Challenge' },
);

export const challengeListQuery = z.extend(pageQuery, {
  stage: z.optional(stage),
  visibility: z.optional(visibility),
  theme: z.optional(theme),
});

export const stageChangeInput = withMeta(z.strictObject({ to: stage, reason: z.optional(text(1_000).check(z.minLength(1))) }), {
  id: 'StageChange',
});

export const member = withMeta(
  z.object({
    council: gssCode,
    role: memberRole,
    status: memberStatus,
    via: z.enum(['creation', 'invitation', 'request']),
    invitedAt: z.optional(isoDateTime),
    requestedAt: z.optional(isoDateTime),
    joinedAt: z.optional(isoDateTime),
    leftAt: z.optional(isoDateTime),
    updatedAt: isoDateTime,
  }),
  { id: 'Member' },
);

export const memberParams = z.extend(challengeIdParams, { council: gssCode });
export const invitationInput = withMeta(z.strictObject({ council: gssCode, role: invitableRole }), { id: 'Invitation' });
export const joinRequestInput = withMeta(z.strictObject({ role: invitableRole }), { id: 'JoinRequest' });
export const leadTransferInput = withMeta(z.strictObject({ council: gssCode }), { id: 'LeadTransfer' });

export const membership = withMeta(z.object({ challenge: challenge, membership: member }), { id: 'CouncilMembership' });

export const eventFeedQuery = z.object({
  after: z._default(z.coerce.number().check(z.int(), z.gte(0)), 0),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50),
});
