/**
 * The one cursor codec for every paged list. A cursor carries only the position
 * within the list (e.g. the last id returned), never a raw DynamoDB key: the store
 * rebuilds the key for the partition it is listing, so a forged cursor cannot point
 * a query at another partition. Anything that does not decode to the list's own
 * position shape is a BadCursorError (a clean 422), never a DynamoDB error.
 */
import * as z from '../schemas/zod';
import { BadCursorError } from './errors';

export function encodeCursor<T extends Record<string, string | number>>(position: T | undefined): string | undefined {
  return position ? Buffer.from(JSON.stringify(position)).toString('base64url') : undefined;
}

export function decodeCursor<S extends z.ZodMiniType<Record<string, string | number>>>(cursor: string | undefined, shape: S): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new BadCursorError();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursorError();
  }
  const parsed = shape.safeParse(raw);
  if (!parsed.success) throw new BadCursorError();
  return parsed.data;
}

/** Positions the lists use. */
export const position = {
  byId: z.strictObject({ id: z.string().check(z.regex(/^[0-9A-Z]{1,40}$/)) }),
  byCode: z.strictObject({ code: z.string().check(z.regex(/^[EWSN]\d{8}$/)) }),
  bySk: (prefix: string) => z.strictObject({ sk: z.string().check(z.maxLength(300), z.refine((sk) => sk.startsWith(prefix))) }),
  byVersion: z.strictObject({ version: z.int().check(z.gte(0), z.lte(999_999)) }),
};
