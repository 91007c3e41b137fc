/**
 * The ledger as CSV, with the statement's conventions (shared/domain/statement.ts:
 * UTF-8 with BOM, CRLF, RFC 4180 quoting, formula-safe text cells, integer pence).
 * Long form, for a spreadsheet's pivot table: one row per entry and council it
 * touches. A pledge, commitment or receipt is one row (its council; `partPence`
 * is the amount moved: 0 for a pledge, which moves none); a cost or a reversal is
 * one row per council it is split between, `partPence` being that council's part
 * (costPence + riskPence), so `partPence` sums to `amountPence` over its rows.
 */
import type { RecordedEntry } from '../domain/account';
import { numberCell, textCell } from '../domain/statement';

export const LEDGER_CSV_COLUMNS = [
  'entryId',
  'recordedAt',
  'type',
  'council',
  'amountPence',
  'partPence',
  'costPence',
  'riskPence',
  'previousPence',
  'description',
  'supplier',
  'category',
  'reference',
  'reason',
  'reversesId',
  'reversedBy',
  'agreementVersion',
  'recordedByCouncil',
] as const;

export function ledgerCsv(entries: Iterable<RecordedEntry>): string {
  const lines: string[] = [LEDGER_CSV_COLUMNS.join(',')];
  for (const { entry: e, reversedBy } of entries) {
    const text = (v: string | undefined) => textCell(v ?? '');
    const common = (council: string, part: number, cost: number, risk: number) =>
      [
        text(e.id),
        text(e.recordedAt),
        text(e.type),
        text(council),
        numberCell(e.amountPence),
        numberCell(part),
        numberCell(cost),
        numberCell(risk),
        e.previousPence === undefined ? '' : numberCell(e.previousPence),
        text(e.description),
        text(e.supplier),
        text(e.category),
        text(e.reference),
        text(e.reason),
        text(e.reversesId),
        text(reversedBy),
        e.agreementVersion === undefined ? '' : numberCell(e.agreementVersion),
        text(e.recordedBy.council),
      ].join(',');
    if (e.allocations) for (const a of e.allocations) lines.push(common(a.council, a.costPence + a.riskPence, a.costPence, a.riskPence));
    else lines.push(common(e.council ?? '', e.type === 'receipt' || e.type === 'commitment' ? e.amountPence : 0, 0, 0));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
