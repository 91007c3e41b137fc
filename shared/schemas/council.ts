import * as z from './zod';
import { withMeta } from './zod';
import { councilKind, gssCode } from './common';

export const councilCodeParams = z.object({ code: gssCode });

/** What a hub administrator sends to register or update a council. */
export const councilInput = withMeta(
  z.strictObject({
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
    kind: councilKind,
    region: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
    population: z.optional(z.number().check(z.int(), z.positive(), z.lte(100_000_000))),
  }),
  { id: 'CouncilInput' },
);

export const council = withMeta(
  z.extend(councilInput, {
    code: gssCode,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  }),
  { id: 'Council' },
);
export type Council = z.infer<typeof council>;
