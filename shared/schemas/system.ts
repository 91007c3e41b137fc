import * as z from './zod';
import { withMeta } from './zod';

export const health = withMeta(z.object({ status: z.literal('ok') }), { id: 'Health' });
export const docsAssetParams = z.object({ asset: z.string().check(z.regex(/^[\w.-]+$/)) });

export const problem = withMeta(
  z.object({
    type: z.string(),
    title: z.string(),
    status: z.number().check(z.int()),
    detail: z.string(),
    code: z.optional(z.string()),
    errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  }),
  { id: 'Problem', description: 'RFC 9457 problem details' },
);

export const pageOf = <T extends z.ZodMiniType>(item: T, id: string) =>
  withMeta(z.object({ items: z.array(item), nextCursor: z.optional(z.string()) }), { id });
