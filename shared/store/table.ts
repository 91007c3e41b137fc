/**
 * The hub's one DynamoDB table, defined once. The CDK stack and the local hub
 * both build their table from this object, so keys, indexes, stream and TTL
 * can never drift between deployed and local.
 */
export const tableDefinition = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** Every index projects all attributes; keys are strings. */
  indexes: [
    /** Reverse lookups: a council's memberships, the list of councils. */
    { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    /** Listings by a shared attribute, e.g. public challenges. */
    { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  ],
  /** Epoch seconds; idempotency records and the webhook delivery log expire through it. */
  timeToLiveAttribute: 'expiresAt',
  /** The outbox publisher reads new event items from the stream. */
  streamViewType: 'NEW_IMAGE',
} as const;

export type IndexName = (typeof tableDefinition.indexes)[number]['name'];

/** Every attribute that is part of a key, for stripping keys from items. */
export const keyAttributes: readonly string[] = [
  tableDefinition.partitionKey,
  tableDefinition.sortKey,
  ...tableDefinition.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
];

/** The index names, for queries (never spelled elsewhere). */
export const INDEX = { byCouncil: 'GSI1', byListing: 'GSI2' } as const satisfies Record<string, IndexName>;
