import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LedgerEntry, poolTotals, recomputeFigures } from '../../shared/domain/ledger';
import { FORM_ACTIONS, fieldErrorsOf } from '../../shared/web/actions';
import { describeEvent } from '../../shared/web/activity-words';
import { asset, assetVersion, GOVUK_VERSION } from '../../shared/web/assets';
import { formPathOf, webRoutes } from '../../shared/route-groups/web';
import { routes } from '../../shared/routes';
import { buildOpenApiDocument } from '../../shared/openapi';
import { parsePounds, percent, pounds, shortDate, shortTime, when } from '../../shared/web/format';
import { html } from '../../shared/web/html';
import { ledgerCsv } from '../../shared/web/exports';
import { poolSeries } from '../../shared/web/pool-series';
import { csrfTokenOf, readCookies, sameToken, setCookie } from '../../shared/web/session';
import { safeReturnTo } from '../../shared/web/sign-in';

const COUNCILS = ['E08000025', 'E08000026', 'E09000033'];
const by = { council: 'E08000025', sub: 'finance' };

/** A random but valid ledger: commitments, receipts, costs split by equal shares, reversals. */
const ledgers = fc
  .array(fc.record({ kind: fc.constantFrom('commitment', 'receipt', 'cost', 'reversal', 'pledge'), council: fc.constantFrom(...COUNCILS), amount: fc.integer({ min: 1, max: 1_000_000 }) }), { maxLength: 60 })
  .map((steps) => {
    const entries: LedgerEntry[] = [];
    const costs: LedgerEntry[] = [];
    steps.forEach((s, i) => {
      const base = { id: `E${String(i).padStart(25, '0')}`, recordedBy: by, recordedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() };
      if (s.kind === 'pledge') entries.push({ ...base, type: 'pledge', council: s.council, amountPence: s.amount, previousPence: 0 });
      else if (s.kind === 'commitment' || s.kind === 'receipt') entries.push({ ...base, type: s.kind, council: s.council, amountPence: s.amount });
      else if (s.kind === 'cost') {
        const share = Math.floor(s.amount / 3);
        const cost: LedgerEntry = { ...base, type: 'cost', amountPence: s.amount, allocations: COUNCILS.map((c, j) => ({ council: c, costPence: j === 0 ? s.amount - 2 * share : share, riskPence: 0 })) };
        entries.push(cost);
        costs.push(cost);
      } else if (costs.length) {
        const original = costs.shift()!;
        entries.push({ ...base, type: 'cost_reversal', amountPence: -original.amountPence, reversesId: original.id, allocations: original.allocations!.map((a) => ({ council: a.council, costPence: -a.costPence, riskPence: -a.riskPence })) });
      }
    });
    // Pledges record what they replaced.
    const pledged = new Map<string, number>();
    for (const e of entries) if (e.type === 'pledge') { e.previousPence = pledged.get(e.council!) ?? 0; pledged.set(e.council!, e.amountPence); }
    return entries;
  });

describe('the pool over time', () => {
  it('equals a replay from the ledger’s first entry at every point, whatever window of newest entries it reads', () => {
    fc.assert(
      fc.property(ledgers, fc.nat(), (entries, cut) => {
        const current = [...recomputeFigures(entries, COUNCILS).values()];
        const window = entries.length ? cut % (entries.length + 1) : 0;
        const newest = entries.slice(entries.length - window).reverse();
        const series = poolSeries(current, newest);
        const start = entries.length - window;
        const expected = [];
        if (window > 0) {
          for (let k = start; k <= entries.length; k++) {
            const t = poolTotals(recomputeFigures(entries.slice(0, k), COUNCILS).values());
            expected.push({ at: entries[Math.max(start, k - 1)]!.recordedAt, cashPence: t.poolBalancePence, committedPence: t.committedPence });
          }
        }
        expect(series).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('starts from zero when the window reaches the ledger’s first entry', () => {
    const entries: LedgerEntry[] = [
      { id: 'A', type: 'commitment', council: 'E08000025', amountPence: 500, recordedBy: by, recordedAt: '2026-01-01T00:00:00.000Z' },
      { id: 'B', type: 'receipt', council: 'E08000025', amountPence: 200, recordedBy: by, recordedAt: '2026-01-02T00:00:00.000Z' },
    ];
    const series = poolSeries([...recomputeFigures(entries, ['E08000025']).values()], [...entries].reverse());
    expect(series.map((p) => [p.cashPence, p.committedPence])).toEqual([[0, 0], [0, 500], [200, 500]]);
  });
});

describe('money in the pages is whole pence', () => {
  it('writes pence as pounds exactly', () => {
    expect(pounds(0)).toBe('£0.00');
    expect(pounds(5)).toBe('£0.05');
    expect(pounds(123_456_789)).toBe('£1,234,567.89');
    expect(pounds(-161_481)).toBe('-£1,614.81');
    expect(pounds(1_000_000_000_000)).toBe('£10,000,000,000.00');
    expect(() => pounds(0.5)).toThrow(RangeError);
    expect(percent(3334)).toBe('33.34%');
    expect(percent(10_000)).toBe('100.00%');
    expect(percent(5)).toBe('0.05%');
  });

  it('reads pounds typed in a box as pence, never through a float', () => {
    expect(parsePounds('1250')).toBe(125_000);
    expect(parsePounds('£1,250.5')).toBe(125_050);
    expect(parsePounds(' 10000.01 ')).toBe(1_000_001);
    expect(parsePounds('0.29')).toBe(29);
    expect(parsePounds('1.005')).toBeUndefined();
    expect(parsePounds('-5')).toBeUndefined();
    expect(parsePounds('1e3')).toBeUndefined();
    expect(parsePounds('')).toBeUndefined();
    expect(parsePounds('ten')).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), (p) => parsePounds(pounds(p)) === p));
  });
});

describe('dates in the pages are UK time', () => {
  it('writes GMT in winter and BST in summer, GOV.UK style', () => {
    expect(when('2026-03-04T14:05:00Z')).toBe('4 March 2026 at 2:05pm');
    expect(when('2026-07-01T13:05:00Z')).toBe('1 July 2026 at 2:05pm');
    expect(when('2026-10-25T00:30:00Z')).toBe('25 October 2026 at 1:30am');
    expect(shortDate('2026-12-31T23:59:00Z')).toBe('31 Dec 2026');
    expect(shortDate('2026-06-30T23:30:00Z')).toBe('1 Jul 2026');
    expect(shortTime('2026-06-30T11:30:00Z')).toBe('12:30pm');
    expect(shortTime('2026-06-30T11:00:00Z')).toBe('midday');
    expect(when('2026-01-05T00:00:00Z')).toBe('5 January 2026 at midnight');
    expect(shortTime('2026-01-05T00:10:00Z')).toBe('12:10am');
  });
});

describe('forms', () => {
  it('turn the amount box into the API body’s integer pence, and refuse what is not an amount before calling it', () => {
    expect(FORM_ACTIONS.costForm.body({ amount: '10,000.01', description: ' Discovery ', supplier: '', category: 'Research', reference: '' })).toEqual({
      body: { amountPence: 1_000_001, description: 'Discovery', category: 'Research' },
    });
    expect(FORM_ACTIONS.costForm.body({ amount: '12.345', description: '' })).toEqual({
      errors: [expect.objectContaining({ field: 'cost-amount' }), { field: 'cost-description', message: 'Enter what the cost was for' }],
    });
    expect(FORM_ACTIONS.receiptForm.body({ council: '', amount: '5' })).toEqual({ errors: [expect.objectContaining({ field: 'receipt-council' })] });
    expect(FORM_ACTIONS.rejectAgreementForm.body({ reason: '' })).toEqual({ body: {} });
  });

  it('put the hub’s field errors on the form’s own fields', () => {
    const errors = fieldErrorsOf(FORM_ACTIONS.costForm, [{ path: 'body.amountPence', message: 'Too big' }, { path: 'body.description', message: 'Too long' }, { path: 'params.id', message: 'No' }], 'cost-amount');
    expect(errors).toEqual([
      { field: 'cost-amount', message: 'Too big' },
      { field: 'cost-description', message: 'Too long' },
      { field: 'cost-amount', message: 'No' },
    ]);
  });

  it('post to the API operation’s own path, without /v1, each in the route table', () => {
    for (const [name, action] of Object.entries(FORM_ACTIONS)) {
      const route = webRoutes[name as keyof typeof webRoutes];
      expect(route.method, name).toBe('POST');
      expect(route.path, name).toBe(formPathOf(action.api));
      expect(action.api.path, name).toBe(`/v1${route.path}`);
      expect(Object.values(routes)).toContain(action.api);
    }
  });

  it('are left out of the OpenAPI document, with every other page', () => {
    const doc = buildOpenApiDocument('/');
    const paths = Object.keys(doc.paths ?? {});
    expect(paths.some((p) => p.startsWith('/challenges') || p === '/' || p.startsWith('/sign') || p.startsWith('/assets'))).toBe(false);
    expect(paths).toContain('/v1/challenges/{id}/costs');
  });
});

describe('the session cookie and CSRF', () => {
  it('reads cookies as API Gateway passes them (payload 2.0 `cookies`) or from a Cookie header', () => {
    expect(readCookies({ cookies: ['a=1', '__Host-hub-session=x.y.z'], headers: {} }).get('__Host-hub-session')).toBe('x.y.z');
    expect(readCookies({ headers: { cookie: 'a=1; b=2=3' } }).get('b')).toBe('2=3');
  });

  it('sets only __Host- cookies that are HttpOnly, Secure and SameSite=Lax', () => {
    expect(setCookie('__Host-hub-session', 'tok', 3600)).toBe('__Host-hub-session=tok; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax');
  });

  it('ties the CSRF token to the session: another session’s token does not match', () => {
    const a = csrfTokenOf('session-a');
    expect(sameToken(a, csrfTokenOf('session-a'))).toBe(true);
    expect(sameToken(a, csrfTokenOf('session-b'))).toBe(false);
    expect(sameToken(undefined, a)).toBe(false);
    expect(sameToken('', '')).toBe(false);
  });

  it('returns only to a path on this site after signing in', () => {
    expect(safeReturnTo('/challenges/01ABC/money?x=1')).toBe('/challenges/01ABC/money?x=1');
    for (const bad of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/a"b', undefined, null]) expect(safeReturnTo(bad)).toBe('/');
  });
});

describe('markup', () => {
  it('escapes every value it is given', () => {
    expect(html`<p title="${'"x"'}">${'<b>&'}</p>`.value).toBe('<p title="&quot;x&quot;">&lt;b&gt;&amp;</p>');
    expect(html`${[html`<i>a</i>`, '<i>']}`.value).toBe('<i>a</i>&lt;i&gt;');
  });
});

describe('assets', () => {
  it('serves govuk-frontend’s files and the hub’s own, and nothing else', async () => {
    const css = await asset('govuk-frontend.min.css', assetVersion());
    expect(css?.headers).toEqual({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' });
    expect((await asset('govuk-frontend.min.css'))?.headers?.['cache-control']).toBe('public, max-age=3600');
    const font = await asset('fonts/bold-b542beb274-v2.woff2');
    expect(font?.isBase64Encoded).toBe(true);
    expect((await asset('hub.js'))?.body).toContain("from './govuk-frontend.min.js'");
    expect(assetVersion()).toMatch(/^6\.6\.0-[0-9a-f]{10}$/);
    for (const bad of ['../package.json', 'fonts/../../package.json', 'package.json', 'images/nope.png', 'all.mjs', 'hub.ts', '']) expect(await asset(bad), bad).toBeUndefined();
  });
});

it('pins the govuk-frontend release the pages are written for', async () => {
  const { version } = JSON.parse(await (await import('node:fs/promises')).readFile(new URL('../../node_modules/govuk-frontend/package.json', import.meta.url), 'utf8')) as { version: string };
  expect(version).toBe(GOVUK_VERSION);
});

describe('activity in words', () => {
  const base = { id: '01J0000000000000000000000A', challengeId: '01J0000000000000000000000B', seq: 7, version: 1 as const, occurredAt: '2026-03-01T10:00:00.000Z', audience: ['E08000025'] };
  const name = (c: string) => ({ E08000025: 'Birmingham City Council', E08000026: 'Coventry City Council' })[c] ?? c;
  it('names councils and amounts as an officer would write them', () => {
    expect(describeEvent({ ...base, type: 'ShareAgreementApproved', actor: { council: 'E08000026', sub: 'x' }, data: { version: 3, council: 'E08000026' } }, name)).toBe('Coventry City Council approved share agreement v3');
    expect(describeEvent({ ...base, type: 'CostRecorded', actor: { council: 'E08000025', sub: 'x' }, data: { entryId: base.id, amountPence: 1_000_001, description: 'Discovery', allocations: [{ council: 'E08000025', costPence: 1_000_001, riskPence: 0 }] } }, name)).toBe(
      'Birmingham City Council recorded a cost of £10,000.01: Discovery, split between 1 council',
    );
    expect(describeEvent({ ...base, type: 'MemberDeclined', actor: { council: 'E08000025', sub: 'x' }, data: { council: 'E08000026', role: 'partner', via: 'request' } }, name)).toBe('Birmingham City Council turned down Coventry City Council’s request to join');
  });
});

describe('the ledger CSV', () => {
  it('has one row per entry and council, parts summing to each entry’s amount', () => {
    const csv = ledgerCsv([
      { entry: { id: 'C1', type: 'cost', amountPence: 1001, allocations: [{ council: 'E08000025', costPence: 501, riskPence: 0 }, { council: 'E08000026', costPence: 300, riskPence: 200 }], description: '=SUM(A1)', recordedBy: by, recordedAt: '2026-01-01T00:00:00.000Z' } },
      { entry: { id: 'R1', type: 'receipt', council: 'E08000026', amountPence: 700, recordedBy: by, recordedAt: '2026-01-02T00:00:00.000Z' } },
    ]);
    const lines = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('entryId,recordedAt,type,council,amountPence,partPence,costPence,riskPence,previousPence,description,supplier,category,reference,reason,reversesId,reversedBy,agreementVersion,recordedByCouncil');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(',E08000025,1001,501,501,0,,');
    expect(lines[2]).toContain(',E08000026,1001,500,300,200,,');
    expect(lines[1]).toContain(",'=SUM(A1),");
    expect(lines[3]).toContain('receipt,E08000026,700,700,0,0');
  });
});
