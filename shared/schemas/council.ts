import * as z from 'zod';
import { councilKind, gssCode } from './common';

export const councilCodeParams = z.object({ code: gssCode });

/** What a hub administrator sends to register or update a council. */
export const councilInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: councilKind,
    region: z.string().trim().min(1).max(100).optional(),
    population: z.number().int().positive().max(100_000_000).optional(),
  })
  .strict()
  .meta({ id: 'CouncilInput' });

export const council = councilInput
  .extend({
    code: gssCode,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Council' });
export type Council = z.infer<typeof council>;
