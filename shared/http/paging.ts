import * as z from '../schemas/zod';

/** `?limit=&cursor=` as api.md fixes them: limit 1..100, default 50. The cursor's codec is shared/store/cursor.ts. */
export const pageQuery = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});
export type PageQuery = z.infer<typeof pageQuery>;
