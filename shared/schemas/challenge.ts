import * as z from 'zod';
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

const text = (max: number) => z.string().trim().max(max);
const listOf = (max: number, itemMax: number) => z.array(z.string().trim().min(1).max(itemMax)).max(max);
/** Themes are matched exactly by `?theme=`, so they are kept lower-case. */
const theme = z.string().trim().toLowerCase().min(1).max(60);

export const challengeIdParams = z.object({ id: ulid });

export const challengeCreateInput = z
  .strictObject({
    title: text(200).min(1),
    statement: text(10_000).default(''),
    howMightWe: text(1_000).default(''),
    outcomes: listOf(30, 500).default([]),
    themes: z.array(theme).max(20).default([]),
    visibility: visibility.default('consortium'),
    procurementRoute: procurementRoute.default('undecided'),
    targetBudgetPence: nonNegativePence.optional(),
  })
  .meta({ id: 'ChallengeCreate' });

export const challengePatchInput = z
  .strictObject({
    title: text(200).min(1),
    statement: text(10_000),
    howMightWe: text(1_000),
    outcomes: listOf(30, 500),
    themes: z.array(theme).max(20),
    visibility,
    procurementRoute,
    /** null clears the target. */
    targetBudgetPence: nonNegativePence.nullable(),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Name at least one field to change.' })
  .meta({ id: 'ChallengePatch' });
export type ChallengePatch = z.infer<typeof challengePatchInput>;

/** The API's challenge is the events' snapshot, with the statement for active members only. */
export const challenge = challengeSnapshot
  .extend({ statement: z.string().optional().describe('Shown to active members only') })
  .meta({ id: 'Challenge' });

export const challengeListQuery = pageQuery.extend({
  stage: stage.optional(),
  visibility: visibility.optional(),
  theme: theme.optional(),
});

export const stageChangeInput = z
  .strictObject({ to: stage, reason: text(1_000).min(1).optional() })
  .meta({ id: 'StageChange' });

export const member = z
  .object({
    council: gssCode,
    role: memberRole,
    status: memberStatus,
    via: z.enum(['creation', 'invitation', 'request']),
    invitedAt: isoDateTime.optional(),
    requestedAt: isoDateTime.optional(),
    joinedAt: isoDateTime.optional(),
    leftAt: isoDateTime.optional(),
    updatedAt: isoDateTime,
  })
  .meta({ id: 'Member' });

export const memberParams = challengeIdParams.extend({ council: gssCode });
export const invitationInput = z.strictObject({ council: gssCode, role: invitableRole }).meta({ id: 'Invitation' });
export const joinRequestInput = z.strictObject({ role: invitableRole }).meta({ id: 'JoinRequest' });
export const leadTransferInput = z.strictObject({ council: gssCode }).meta({ id: 'LeadTransfer' });

export const membership = z
  .object({ challenge: challenge, membership: member })
  .meta({ id: 'CouncilMembership' });

export const eventFeedQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
