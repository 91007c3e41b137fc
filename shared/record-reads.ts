/**
 * The consortium's record read back: a council's account and the statement as it
 * stood at a point. Each is a store read (a key range from the first entry or
 * event, paged only as far as needed) folded by a pure replay in domain/account.ts.
 */
import { accountPage, type AccountRow, asOfRefusal, consortiumAt, figuresAt } from './domain/account';
import type { ChallengeState } from './domain/records';
import { isRefusal, type Refusal } from './domain/transition';
import { problemOf, refuseWith } from './http/problem-details';
import { getCouncils } from './store/councils';
import { decodeCursor, encodeCursor, position } from './store/cursor';
import { eventsFromStart, ledgerFromStart } from './store/ledger';
import { statementInputAt } from './views';

/** A value, or its refusal thrown as the caller's problem. */
export function must<T>(value: T | Refusal): T {
  if (isRefusal(value)) throw problemOf(value);
  return value;
}

/** Every read at once; the first failure in argument order (put the access check first) is what the caller sees. */
export async function settledAll<T extends readonly unknown[]>(reads: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(reads);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Councils' names from the register (one BatchGet), by code. */
export async function councilNames(councils: readonly string[]): Promise<Map<string, string>> {
  if (councils.length === 0) return new Map();
  return new Map([...(await getCouncils([...councils], ['name']))].map(([code, c]) => [code, c.name as string]));
}

/**
 * A page of `council`'s account after the cursor's entry (every row when `limit`
 * is absent), replayed from the ledger's first entry. The cursor is the last entry
 * id shown; a bad one rejects (422), after any access check it is read alongside.
 */
export async function readAccount(challengeId: string, council: string, page: { cursor?: string | undefined; limit?: number | undefined }) {
  const after = decodeCursor(page.cursor, position.byId)?.id;
  return accountPage(ledgerFromStart(challengeId), council, { after, limit: page.limit });
}

export const accountCursor = (rows: readonly AccountRow[], more: boolean) => (more ? encodeCursor({ id: rows.at(-1)!.entry.id }) : undefined);

/** The statement's records at `at`: the events replayed up to it, then the ledger entries recorded by the same event. */
export async function readStatementAt(state: ChallengeState, at: { seq: number } | { time: string }) {
  refuseWith(asOfRefusal(state.challenge.seq, at, new Date().toISOString()));
  const id = state.challenge.id;
  const consortium = must(await consortiumAt(eventsFromStart(id, 'seq' in at ? at.seq : undefined), at));
  return statementInputAt(id, consortium, must(await figuresAt(ledgerFromStart(id), consortium)));
}
