/**
 * Reads offered as JSON or CSV (a route spec's `csv: true`: the statement, a council's
 * account): Accept decides, and both answers vary on it. The CSV is a download.
 */
import type { AccountRow } from '../domain/account';
import { accountCsv, csvTooLarge, type Statement, statementCsv } from '../domain/statement';
import { negotiate } from './negotiation';
import { refuseWith } from './problem-details';
import { type HttpResult, json, text } from './responses';

/** True when Accept prefers text/csv to JSON (JSON when it names neither, or is absent). */
export const wantsCsv = (headers: Readonly<Record<string, string | undefined>>) => negotiate(headers.accept, ['application/json', 'text/csv']) === 'text/csv';

/** The JSON answer of a read that also offers CSV. */
export const negotiatedJson = (body: unknown): HttpResult => json(200, body, { vary: 'Accept' });

/** The CSV answer: a download named `filename`, its first line the header. */
export const csvDownload = (body: string, filename: string): HttpResult =>
  text(200, body, 'text/csv; charset=utf-8; header=present', { 'content-disposition': `attachment; filename="${filename}"`, vary: 'Accept' });

/** The statement as CSV (a row a member: far below what a Lambda can answer). */
export const statementDownload = (s: Statement): HttpResult => csvDownload(statementCsv(s), `statement-${s.challengeId}-seq${s.asOfSeq}.csv`);

/** A council's whole account as CSV: a row an entry, so refused (409 export_too_large) beyond what a Lambda can answer. */
export function accountDownload(challengeId: string, council: string, rows: readonly AccountRow[]): HttpResult {
  const body = accountCsv(rows);
  refuseWith(csvTooLarge(body));
  return csvDownload(body, `account-${challengeId}-${council}.csv`);
}
