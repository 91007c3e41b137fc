import * as z from 'zod';

export const health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const docsAssetParams = z.object({ asset: z.string().regex(/^[\w.-]+$/) });

export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() }).meta({ id });
