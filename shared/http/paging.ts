import * as z from 'zod';
import { unprocessable } from '../errors';

/** `?limit=&cursor=` as api.md fixes them: limit 1..100, default 50. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(2048).optional(),
});
export type PageQuery = z.infer<typeof pageQuery>;

/**
 * Cursors are DynamoDB's LastEvaluatedKey, base64url-encoded. They are opaque to
 * callers; one that does not decode to a key of the expected shape is a 422.
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined, expectedKeys: readonly string[]): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => unprocessable('The cursor is not valid.', [{ path: 'query.cursor', message: 'Not a cursor this list issued.' }]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const valid =
    typeof key === 'object' &&
    key !== null &&
    Object.keys(key).length === expectedKeys.length &&
    expectedKeys.every((k) => typeof (key as Record<string, unknown>)[k] === 'string');
  if (!valid) throw invalid();
  return key as Record<string, string>;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}
