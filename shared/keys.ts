/**
 * Single-table key layout: every key the code writes or queries is built here.
 *
 *   COUNCIL#<code>    / COUNCIL               a council; GSI1 COUNCILS / <code> lists them
 */
export const keys = {
  council: (code: string) => ({ PK: `COUNCIL#${code}`, SK: 'COUNCIL' }),
  councilListing: (code: string) => ({ GSI1PK: 'COUNCILS', GSI1SK: code }),
  councilsPartition: 'COUNCILS',
} as const;

/** Idempotency records (Powertools) live in the same table under their own partition. */
export const idempotencyPartition = 'IDEMPOTENCY';
