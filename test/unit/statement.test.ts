import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildStatement, CSV_COLUMNS, numberCell, statementCsv, textCell } from '../../shared/domain/statement';
import { negotiate } from '../../shared/http/negotiation';

const figures = (council: string, f: Partial<Record<string, number>> = {}) => ({
  council, pledgedPence: 0, committedPence: 0, receivedPence: 0, allocatedCostPence: 0, allocatedRiskPence: 0, ...f,
});

describe('textCell: RFC 4180 quoting and spreadsheet formula injection', () => {
  it.each([
    ['Birmingham City Council', 'Birmingham City Council'],
    ['Bath and North East Somerset, Council', '"Bath and North East Somerset, Council"'],
    ['The "Royal" Borough', '"The ""Royal"" Borough"'],
    ['Line\r\nbreak', '"Line\r\nbreak"'],
    ['=HYPERLINK("http://evil","click")', `"'=HYPERLINK(""http://evil"",""click"")"`],
    ['+44 1234', "'+44 1234"],
    ['-1+2', "'-1+2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['Cyngor Sir Ynys Môn', 'Cyngor Sir Ynys Môn'],
  ])('%j becomes %j', (input, output) => {
    expect(textCell(input)).toBe(output);
  });

  it('numbers are written plainly, negative ones too (they are numbers, not text)', () => {
    expect(numberCell(-583_643)).toBe('-583643');
    expect(numberCell(0)).toBe('0');
    expect(() => numberCell(1.5)).toThrow(RangeError);
  });

  it('never lets a text cell start with a formula character, and always parses back to the guarded text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        const cell = textCell(s);
        const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell;
        expect(/^[=+\-@\t\r]/.test(unquoted)).toBe(false);
        expect(unquoted === s || unquoted === `'${s}`).toBe(true);
        if (!cell.startsWith('"')) expect(/[",\r\n]/.test(cell)).toBe(false);
      }),
    );
  });
});

describe('statement and its CSV', () => {
  const statement = buildStatement({
    challengeId: '01J0000000000000000000000A',
    asOfSeq: 42,
    agreement: { version: 2, shares: [{ council: 'E08000026', costBps: 4000, riskBps: 5000 }, { council: 'E08000025', costBps: 6000, riskBps: 5000 }] },
    totals: { pledgedPence: 300, committedPence: 250, receivedPence: 200, spentPence: 260 },
    members: [
      { council: 'E08000026', name: '=cmd|" /C calc"!A0', role: 'partner', status: 'active', figures: figures('E08000026', { pledgedPence: 100, committedPence: 100, receivedPence: 50, allocatedCostPence: 100, allocatedRiskPence: 4 }) },
      { council: 'E08000025', name: 'Birmingham, City of', role: 'lead', status: 'active', figures: figures('E08000025', { pledgedPence: 150, committedPence: 100, receivedPence: 100, allocatedCostPence: 150, allocatedRiskPence: 6 }) },
      { council: 'E09000033', name: 'Westminster City Council', role: 'partner', status: 'withdrawn', figures: figures('E09000033', { pledgedPence: 50, committedPence: 50, receivedPence: 50 }) },
    ],
  });

  it('rows by council code, shares from the active agreement (0 for a member it does not name), balances and totals', () => {
    expect(statement.members.map((r) => [r.council, r.costBps, r.riskBps, r.balancePence, r.outstandingPence])).toEqual([
      ['E08000025', 6000, 5000, 100 - 150 - 6, 0],
      ['E08000026', 4000, 5000, 50 - 100 - 4, 50],
      ['E09000033', 0, 0, 50, 0],
    ]);
    expect(statement.totals).toEqual({ pledgedPence: 300, committedPence: 250, receivedPence: 200, spentPence: 260, poolBalancePence: -60 });
    expect(statement.members.reduce((a, r) => a + r.balancePence, 0)).toBe(statement.totals.poolBalancePence);
    expect(statement.agreementVersion).toBe(2);
  });

  it('CSV: BOM, header, one row per member, a Total row, CRLF, quoted and guarded text', () => {
    const csv = statementCsv(statement);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual([
      CSV_COLUMNS.join(','),
      'E08000025,"Birmingham, City of",lead,6000,5000,150,100,100,150,6,-56,0',
      `E08000026,"'=cmd|"" /C calc""!A0",partner,4000,5000,100,100,50,100,4,-54,50`,
      'E09000033,Westminster City Council,partner (withdrawn),0,0,50,50,50,0,0,50,0',
      'Total,,,10000,10000,300,250,200,250,10,-60,50',
    ]);
    expect(csv.replaceAll('\r\n', '')).not.toContain('\n');
  });
});

describe('negotiate', () => {
  const offered = ['application/json', 'text/csv'] as const;
  it.each([
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['text/csv', 'text/csv'],
    ['text/*', 'text/csv'],
    ['application/json, text/csv;q=0.5', 'application/json'],
    ['text/csv, application/json;q=0.9', 'text/csv'],
    ['text/csv;q=0.8, */*;q=0.1', 'text/csv'],
    ['application/xml', 'application/json'],
    ['TEXT/CSV; charset=utf-8', 'text/csv'],
  ])('Accept %j gives %s', (accept, type) => {
    expect(negotiate(accept, offered)).toBe(type);
  });
});
