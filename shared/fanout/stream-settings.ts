/**
 * How the outbox publisher consumes the table's stream, defined once: the CDK event
 * source mapping and the local stream poller (infra/local/stream-poller.ts) both use it.
 */
export const publisherStreamSettings = {
  /** Records per invocation: events are small, and fewer invocations publish faster. */
  batchSize: 100,
  /** Retries of a failing batch (from its first failed record) before it goes to the DLQ. Bounded: never a stuck shard. */
  retryAttempts: 5,
  /** A failing batch is split in two and each half retried, isolating a poison record fast. */
  bisectBatchOnError: true,
  /** One bad record is reported alone (Powertools batch), so its neighbours are not retried for it. */
  reportBatchItemFailures: true,
} as const;
