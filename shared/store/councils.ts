import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Council } from '../schemas/council';
import { batchGet } from './challenges';
import { documents, tableName, withoutKeys } from './client';
import { decodeCursor, encodeCursor, position } from './cursor';
import { present } from './errors';
import { keys, ranges } from './keys';
import { queryRange } from './ranges';

/** Council records: one item each, listed in code order through GSI1. Undefined when none is registered with `code`. */
export async function getCouncil(code: string): Promise<Council | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: keys.council(code) }));
  return Item ? (withoutKeys(Item) as Council) : undefined;
}

/** The council registered with `code`; a MissingItemError when there is none. */
export const registeredCouncil = async (code: string): Promise<Council> => present(await getCouncil(code), 'council', code);

const OPTIONAL_FIELDS = ['region', 'population'] as const;

/**
 * Upsert in one call: PUT replaces the council's fields (an omitted optional
 * field is removed), keeps its first createdAt, and the old image tells
 * created from updated.
 */
export async function putCouncil(
  code: string,
  input: Omit<Council, 'code' | 'createdAt' | 'updatedAt'>,
  now: string,
): Promise<{ council: Council; created: boolean }> {
  const fields: Record<string, unknown> = { ...keys.councilListing(code), ...input, code, updatedAt: now };
  const names = Object.keys(fields);
  const removed = OPTIONAL_FIELDS.filter((f) => input[f] === undefined);
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.council(code),
      UpdateExpression:
        `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}, createdAt = if_not_exists(createdAt, :now)` +
        (removed.length ? ` REMOVE ${removed.map((f) => `#${f}`).join(', ')}` : ''),
      ExpressionAttributeNames: {
        ...Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
        ...Object.fromEntries(removed.map((f) => [`#${f}`, f])),
      },
      ExpressionAttributeValues: { ...Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n]])), ':now': now },
      ReturnValues: 'ALL_OLD',
    }),
  );
  const createdAt = (Attributes?.createdAt as string | undefined) ?? now;
  return { council: { ...input, code, createdAt, updatedAt: now }, created: Attributes === undefined };
}

export async function listCouncils({ limit, cursor }: { limit: number; cursor?: string | undefined }): Promise<{ items: Council[]; nextCursor?: string }> {
  const after = decodeCursor(cursor, position.byCode);
  const page = await queryRange(ranges.councils, {
    limit,
    startKey: after ? { ...keys.council(after.code), ...keys.councilListing(after.code) } : undefined,
  });
  const items = page.items.map((i) => withoutKeys(i) as Council);
  const nextCursor = page.lastKey ? encodeCursor({ code: items.at(-1)!.code }) : undefined;
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}

/** Council records by code (one BatchGet per 100, unprocessed keys retried); absent codes are left out. */
export async function getCouncils(codes: readonly string[], fields?: Array<keyof Council>): Promise<Map<string, Partial<Council>>> {
  const items = await batchGet(codes.map((c) => keys.council(c)), fields ? [...new Set(['code', ...fields])] : undefined);
  return new Map(items.map((i) => [i.code as string, withoutKeys(i) as Partial<Council>]));
}
