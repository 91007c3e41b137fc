/**
 * The one reader of key ranges: the store's Queries of a partition (the table's or
 * an index's, ranges named in ./keys.ts) go through here, a page at a time
 * (queryRange, for lists with a cursor) or page after page as the reader asks
 * (pagesInRange, itemsInRange). Only a count (countCouncilSubscriptions) and the OCDS
 * cost read, which filters by type and counts what it looked at, Query on their own.
 * A range is a partition key and, where given, sort keys from..to (BETWEEN): never
 * begins_with, so DynamoDB (and DynamoDB Local) answer it flat however the partition grows.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documents, projection, tableName } from './client';
import { type IndexName, tableDefinition } from './table';

export type Item = Record<string, unknown>;

export interface KeyRange {
  /** The index read (by its own key attributes); the table when absent. */
  index?: IndexName;
  pk: string;
  /** Sort keys from `from` to `to`, both included (BETWEEN); the whole partition when absent. */
  sk?: { from: string; to: string };
}

export interface RangeOptions {
  consistent?: boolean;
  /** Highest sort key first (ScanIndexForward false); lowest first otherwise. */
  backwards?: boolean;
  attributes?: readonly string[];
}

function keyNames(index: IndexName | undefined): { pk: string; sk: string } {
  const definition = tableDefinition.indexes.find((i) => i.name === index);
  if (definition) return { pk: definition.partitionKey, sk: definition.sortKey };
  return { pk: tableDefinition.partitionKey, sk: tableDefinition.sortKey };
}

/**
 * One Query of the range: up to `limit` items (and at most 1 MB), starting after
 * `startKey`, with the key to carry on from (undefined when the range is read to its end).
 */
export async function queryRange(
  range: KeyRange,
  options: RangeOptions & { limit?: number | undefined; startKey?: Item | undefined } = {},
): Promise<{ items: Item[]; lastKey: Item | undefined }> {
  const names = keyNames(range.index);
  const page = await documents.send(
    new QueryCommand({
      TableName: tableName,
      ...(range.index ? { IndexName: range.index } : {}),
      KeyConditionExpression: range.sk ? `${names.pk} = :pk AND ${names.sk} BETWEEN :from AND :to` : `${names.pk} = :pk`,
      ExpressionAttributeValues: { ':pk': range.pk, ...(range.sk ? { ':from': range.sk.from, ':to': range.sk.to } : {}) },
      ConsistentRead: options.consistent ?? false,
      ...(options.backwards ? { ScanIndexForward: false } : {}),
      ...(options.limit ? { Limit: options.limit } : {}),
      ...(options.attributes ? projection(options.attributes) : {}),
      ExclusiveStartKey: options.startKey,
    }),
  );
  return { items: page.Items ?? [], lastKey: page.LastEvaluatedKey };
}

/**
 * Items per Query: a number for every Query, or a function asked just before each one
 * (what the reader still wants: domain/account.ts pageReadSizes).
 */
export type PageSize = number | (() => number);

/** The range page by page, each Query made only when the reader asks for the next page (stopping early reads no further). */
export async function* pagesInRange(range: KeyRange, options: RangeOptions & { pageSize?: PageSize } = {}): AsyncGenerator<Item[]> {
  const { pageSize, ...read } = options;
  let startKey: Item | undefined;
  do {
    const limit = typeof pageSize === 'function' ? pageSize() : pageSize;
    const page = await queryRange(range, { ...read, limit, startKey });
    yield page.items;
    startKey = page.lastKey;
  } while (startKey);
}

/** Every item of the range, in key order (see `backwards`), read page by page as the reader asks. */
export async function* itemsInRange(range: KeyRange, options: RangeOptions & { pageSize?: PageSize } = {}): AsyncGenerator<Item> {
  for await (const page of pagesInRange(range, options)) yield* page;
}
