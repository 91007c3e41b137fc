import * as z from 'zod';

/** `?limit=&cursor=` as api.md fixes them: limit 1..100, default 50. The cursor's codec is shared/store/cursor.ts. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(2048).optional(),
});
export type PageQuery = z.infer<typeof pageQuery>;
