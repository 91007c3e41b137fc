/**
 * The consortium's record read back: a council's account and the statement as it
 * stood at a point. A page of an account is one key range read from its cursor,
 * the figures its entries stored; the rest is a store read (a key range from the
 * first entry or event, paged only as far as needed) folded by a pure replay in
 * domain/account.ts.
 */
import { type AccountPage, accountPage, asOfRefusal, consortiumAt, figuresAt, pageReadSizes, storedAccountPage } from './domain/account';
import type { ChallengeState } from './domain/records';
import { isRefusal, type Refusal } from './domain/transition';
import { problemOf, refuseWith } from './http/problem-details';
import { getCouncils } from './store/councils';
import { decodeCursor, encodeCursor, position } from './store/cursor';
import { eventsFromStart, ledgerAfter, ledgerFromStart } from './store/ledger';
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
 * A page of `council`'s account after the cursor's entry: one key range read from
 * the cursor (a first Query sized for the page, continued only where the range is
 * sparser than that), each row's figures those its entry stored, so it costs the
 * same however long the ledger is and wherever the page is. A page over an entry
 * that stores no figures (recorded before entries carried them) is replayed from
 * the ledger's first entry instead, as is the whole account (`limit` absent: the
 * CSV). The cursor is the entry id the page continues after; a bad one rejects
 * (422), after any access check it is read alongside.
 */
export async function readAccount(challengeId: string, council: string, page: { cursor?: string | undefined; limit?: number | undefined }): Promise<AccountPage | Refusal> {
  const after = decodeCursor(page.cursor, position.byId)?.id;
  const replay = () => accountPage(ledgerFromStart(challengeId), council, { after, limit: page.limit });
  if (page.limit === undefined) return replay();
  // The first Query holds the page's rows, the row past it and the item that completes it (an entry is complete once the
  // next item is read), and a quarter as many again for reversal markers and other councils' entries; a sparser range is
  // read on, sized by how densely the rows came (pageReadSizes). Every item read costs (DynamoDB Local: about 0.15 ms
  // each), so it is not sized for the worst case.
  const firstQuery = page.limit + 2 + Math.ceil(page.limit / 4);
  const progress = { entries: 0, rows: 0 };
  const ledger = ledgerAfter(challengeId, after, pageReadSizes(page.limit, firstQuery, progress));
  return (await storedAccountPage(ledger, council, { limit: page.limit, progress })) ?? replay();
}

/** The next page's cursor: the entry it continues after (the last row's, or the last entry a short page read). */
export const accountCursor = ({ rows, more, after }: AccountPage) => (more ? encodeCursor({ id: after ?? rows.at(-1)!.entry.id }) : undefined);

/** The statement's records at `at`: the events replayed up to it, then the ledger entries recorded by the same event. */
export async function readStatementAt(state: ChallengeState, at: { seq: number } | { time: string }) {
  refuseWith(asOfRefusal(state.challenge.seq, at, new Date().toISOString()));
  const id = state.challenge.id;
  const consortium = must(await consortiumAt(eventsFromStart(id, 'seq' in at ? at.seq : undefined), at));
  return statementInputAt(id, consortium, must(await figuresAt(ledgerFromStart(id), consortium)));
}
