/**
 * What the store can fail with, typed. Only the HTTP layer turns these into
 * problem+json (shared/http/problem-details.ts).
 */

/** Another change to the same challenge kept landing first; nothing was written, a retry is safe. */
export class WriteContentionError extends Error {
  override name = 'WriteContentionError';
  constructor(readonly challengeId: string, readonly attempts: number) {
    super(`Challenge ${challengeId}: still conflicting after ${attempts} attempts`);
  }
}

/**
 * DynamoDB could not be reached or answered, and whether the write landed could not
 * be told from its marker either. A retry with the same Idempotency-Key resolves it.
 */
export class WriteOutcomeUnknownError extends Error {
  override name = 'WriteOutcomeUnknownError';
  constructor(readonly writeId: string, options?: { cause?: unknown }) {
    super(`Write ${writeId}: outcome unknown`, options);
  }
}

/** A cursor the list never issued (forged, truncated, or from another list). */
export class BadCursorError extends Error {
  override name = 'BadCursorError';
  constructor() {
    super('Not a cursor this list issued.');
  }
}

/** The same Idempotency-Key was used for another request (found on the write marker). */
export class KeyReuseError extends Error {
  override name = 'KeyReuseError';
  constructor() {
    super('This Idempotency-Key was already used with a different request.');
  }
}

/** The kinds of item the store may be asked for by id and find missing. */
export type ItemKind = 'council' | 'subscription';

/** An item the caller asked for by id is not there (or, for a council's own items, is another council's). */
export class MissingItemError extends Error {
  override name = 'MissingItemError';
  constructor(readonly kind: ItemKind, readonly id: string) {
    super(`No ${kind} ${id}`);
  }
}

/** The item, or a MissingItemError when there is none. */
export function present<T>(item: T | undefined, kind: ItemKind, id: string): T {
  if (item === undefined) throw new MissingItemError(kind, id);
  return item;
}
