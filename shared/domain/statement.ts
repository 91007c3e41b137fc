// The statement of account: one row per funding member (and per former member the
// ledger still holds money for), built from the running figures, plus the pool
// totals; and its CSV form. A council's account CSV follows the same conventions.
// Pure: the handler reads the figures and council names.

import { type AccountFigures, accountFigures, type AccountRow } from './account';
import { FIGURE_FIELDS, type MemberFigures, type PoolTotals } from './ledger';
import type { Share } from './shares';
import { type Refusal, refuse } from './transition';

export interface StatementMember {
  council: string;
  name: string;
  role: string;
  /** `active` for funding members; a former member's status (e.g. `withdrawn`) otherwise. */
  status: string;
  figures: MemberFigures;
}

/** A member, its shares, and its figures as its account shows them (FIGURE_FIELDS, then balance and outstanding). */
export type StatementRow = {
  council: string;
  name: string;
  role: string;
  status: string;
  costBps: number;
  riskBps: number;
} & AccountFigures;

export interface Statement {
  challengeId: string;
  currency: 'GBP';
  asOfSeq: number;
  /** The active share agreement the bps columns come from, if any. */
  agreementVersion?: number;
  members: StatementRow[];
  totals: PoolTotals;
}

/**
 * Rows in council-code order. Shares come from the active agreement; a member it
 * does not name (or every member, when none is active) shows 0 bps.
 */
export function buildStatement(input: {
  challengeId: string;
  asOfSeq: number;
  members: readonly StatementMember[];
  agreement?: { version: number; shares: readonly Share[] } | undefined;
  totals: Omit<PoolTotals, 'poolBalancePence'>;
}): Statement {
  const shares = new Map((input.agreement?.shares ?? []).map((s) => [s.council, s]));
  const members = [...input.members]
    .sort((a, b) => (a.council < b.council ? -1 : a.council > b.council ? 1 : 0))
    .map(({ council, name, role, status, figures }) => ({
      council,
      name,
      role,
      status,
      costBps: shares.get(council)?.costBps ?? 0,
      riskBps: shares.get(council)?.riskBps ?? 0,
      ...accountFigures(figures),
    }));
  const t = input.totals;
  return {
    challengeId: input.challengeId,
    currency: 'GBP',
    asOfSeq: input.asOfSeq,
    ...(input.agreement ? { agreementVersion: input.agreement.version } : {}),
    members,
    totals: {
      pledgedPence: t.pledgedPence,
      committedPence: t.committedPence,
      receivedPence: t.receivedPence,
      spentPence: t.spentPence,
      poolBalancePence: t.receivedPence - t.spentPence,
    },
  };
}

/** A member's figures as CSV columns: the one figure list (FIGURE_FIELDS), then what follows from it. */
const FIGURE_COLUMNS = [...FIGURE_FIELDS, 'balancePence', 'outstandingPence'] as const satisfies ReadonlyArray<keyof AccountFigures>;
type FigureColumn = (typeof FIGURE_COLUMNS)[number];

export const CSV_COLUMNS = [
  'council',
  'name',
  'role',
  'costBps',
  'riskBps',
  ...FIGURE_COLUMNS,
] as const;

/** A cell a spreadsheet would run as a formula (OWASP: = + - @, and tab / CR that some apps strip first). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell: a leading formula character is neutralised with a single quote,
 * then RFC 4180 quoting (double quotes doubled) when it holds a comma, quote or
 * line break, or begins/ends with a space a spreadsheet might trim.
 */
export function textCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A number cell: integers only (pence, bps), written plainly so a spreadsheet reads a number, sign and all. */
export function numberCell(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`CSV money cells are whole numbers (got ${String(value)})`);
  return String(value);
}

const roleLabel = (row: Pick<StatementRow, 'role' | 'status'>) => (row.status === 'active' ? row.role : `${row.role} (${row.status})`);

/**
 * The statement as CSV: UTF-8 with a byte-order mark (so Excel reads accented
 * names correctly), a header line, one row per member, a final `Total` row,
 * CRLF line endings (RFC 4180). Money stays in integer pence, as in the JSON.
 */
export function statementCsv(statement: Statement): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const row of statement.members) {
    lines.push(
      [
        textCell(row.council),
        textCell(row.name),
        textCell(roleLabel(row)),
        ...[row.costBps, row.riskBps, ...FIGURE_COLUMNS.map((column) => row[column])].map(numberCell),
      ].join(','),
    );
  }
  const sum = (pick: (r: StatementRow) => number) => statement.members.reduce((acc, r) => acc + pick(r), 0);
  const t = statement.totals;
  // The pool's own total where it has one; otherwise the members' column summed.
  const pooled: Partial<Record<FigureColumn, number>> = {
    pledgedPence: t.pledgedPence,
    committedPence: t.committedPence,
    receivedPence: t.receivedPence,
    balancePence: t.poolBalancePence,
  };
  const totals = FIGURE_COLUMNS.map((column) => pooled[column] ?? sum((r) => r[column]));
  lines.push(['Total', '', '', ...[sum((r) => r.costBps), sum((r) => r.riskBps), ...totals].map(numberCell)].join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** A council's account as CSV: one row per entry that touched it, oldest first; the figures are the running ones after it. */
export const ACCOUNT_CSV_COLUMNS = [
  'entryId',
  'recordedAt',
  'type',
  'reference',
  'description',
  'supplier',
  'category',
  'reason',
  'reversesId',
  'reversedBy',
  'amountPence',
  'costPence',
  'riskPence',
  ...FIGURE_COLUMNS,
] as const;

/**
 * The account as CSV, with the statement's conventions: UTF-8 with a byte-order
 * mark, a header line, CRLF, RFC 4180 quoting, text cells guarded against formula
 * injection, integer pence. No total row: the last row's figures are the totals
 * (and equal the council's statement row). `amountPence` is the entry's own
 * amount (a pledge: the new pledged total; a cost: all of it); `costPence` and
 * `riskPence` are this council's part of a cost or reversal.
 */
export function accountCsv(rows: readonly AccountRow[]): string {
  const lines: string[] = [ACCOUNT_CSV_COLUMNS.join(',')];
  for (const { entry, reversedBy, costPence, riskPence, figures } of rows) {
    lines.push(
      [
        ...[
          entry.id,
          entry.recordedAt,
          entry.type,
          entry.reference,
          entry.description,
          entry.supplier,
          entry.category,
          entry.reason,
          entry.reversesId,
          reversedBy,
        ].map((v) => textCell(v ?? '')),
        ...[entry.amountPence, costPence, riskPence, ...FIGURE_COLUMNS.map((column) => figures[column])].map(numberCell),
      ].join(','),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** Lambda answers at most 6 MB, JSON-escaped: a CSV export stays well under it (the JSON pages have no such limit). */
export const MAX_CSV_BYTES = 4 * 1024 * 1024;

export function csvTooLarge(body: string): Refusal | null {
  return Buffer.byteLength(body, 'utf8') > MAX_CSV_BYTES
    ? refuse.conflict('export_too_large', `The CSV would be larger than ${MAX_CSV_BYTES / 1024 / 1024} MB; read the JSON pages instead.`)
    : null;
}
