/**
 * The lead's finance in a real browser (Debian's Chromium): sees the split and the
 * balances, records a cost and sees every council's balance move by its part to
 * the penny, gets the hub's own problem back when a form is refused, downloads
 * the CSVs, reverses a cost; the same without JavaScript. axe-core on every page,
 * a screenshot of every page, page weights written beside them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pounds } from '../../shared/web/format';
import { COUNCILS, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { agreeShares, Callers, expectStatus, formConsortium } from '../support/money';
import { axeViolations, consoleProblems, focusedText, launchBrowser, newContext, SCREENSHOT_DIR, screenshot, signIn } from '../support/browser';
import { expectLedgerSound } from '../support/invariants';

const { birmingham: B, coventry: C, westminster: W } = COUNCILS;
const FUNDING = [B.code, C.code, W.code];

let hub: TestHub;
let callers: Callers;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];
let id: string;
const weights: Record<string, { requests: number; bytes: number; html: number }> = {};

/** Balances as the statement table shows them (each cell carries its pence too). */
async function balances(p: Page): Promise<Record<string, { pence: number; text: string }>> {
  const cells = await p.locator('#statement [data-balance-pence]').all();
  const out: Record<string, { pence: number; text: string }> = {};
  for (const cell of cells) out[(await cell.getAttribute('data-council'))!] = { pence: Number(await cell.getAttribute('data-balance-pence')), text: (await cell.innerText()).trim() };
  return out;
}

/** Loads `path` fresh (cache off) and counts every byte the browser received for it. */
async function weigh(p: Page, name: string, path: string) {
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  let requests = 0;
  let html = 0;
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
    bytes += e.encodedDataLength;
    requests++;
  });
  const response = await p.goto(`${hub.url}${path}`, { waitUntil: 'networkidle' });
  html = (await response!.body()).length;
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await cdp.detach();
  weights[name] = { requests, bytes, html };
}

async function visit(p: Page, path: string, name: string) {
  const response = await p.goto(`${hub.url}${path}`);
  expect(response!.status(), path).toBeLessThan(400);
  await check(p, name);
}

/** A screenshot of every state; axe on each distinct page and form state (a second look at the same markup only costs time). */
async function check(p: Page, name: string, { axe = true } = {}) {
  await screenshot(p, name);
  if (axe) expect(await axeViolations(p), `axe on ${name}`).toEqual([]);
}

const apiLedger = async () => (await hub.call('GET', `/v1/challenges/${id}/ledger?limit=100`, { token: await callers.finance(B.code) })).body.items as Array<{ id: string; type: string; amountPence: number; allocations?: Array<{ council: string; costPence: number; riskPence: number }> }>;

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, [B, C, W]);
  id = await formConsortium(hub, callers, B.code, [C.code, W.code], 'Reducing school transport costs');
  await agreeShares(hub, callers, id, B.code, FUNDING, {
    basis: 'custom',
    shares: [
      { council: B.code, costBps: 5000, riskBps: 4000 },
      { council: C.code, costBps: 3000, riskBps: 3500 },
      { council: W.code, costBps: 2000, riskBps: 2500 },
    ],
  });
  for (const [council, pledge] of [[B.code, 2_000_000], [C.code, 1_200_000], [W.code, 800_000]] as const) {
    const token = await callers.finance(council);
    await expectStatus(await hub.call('PUT', `/v1/challenges/${id}/pledges/${council}`, { token, body: { amountPence: pledge } }), 200, 'pledge');
    await expectStatus(await hub.call('POST', `/v1/challenges/${id}/commitments`, { token, body: { amountPence: pledge } }), 201, 'commit');
    await expectStatus(await hub.call('POST', `/v1/challenges/${id}/receipts`, { token: await callers.finance(B.code), body: { council, amountPence: pledge / 2 } }), 201, 'receipt');
  }
  browser = await launchBrowser();
  context = await newContext(browser);
  page = await context.newPage();
  problems = consoleProblems(page);
}, 120_000);

afterAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  if (Object.keys(weights).length) writeFileSync(join(SCREENSHOT_DIR, '..', 'page-weights.json'), `${JSON.stringify(weights, null, 2)}\n`);
  await browser?.close();
  await hub?.stop();
});

describe('the lead’s finance, in a browser', () => {
  it('signs in and sees the split and every balance, as the API’s statement has them', async () => {
    await signIn(page, hub.url, { council: B.code, groups: ['finance'], user: 'finance-E08000025' });
    expect(new URL(page.url()).pathname).toBe('/');
    await check(page, 'home-lead-finance');
    await visit(page, `/challenges/${id}/money`, 'money');
    const statement = (await hub.call('GET', `/v1/challenges/${id}/statement`, { token: await callers.finance(B.code) })).body;
    const shown = await balances(page);
    for (const row of statement.members) {
      expect(shown[row.council], row.council).toEqual({ pence: row.balancePence, text: pounds(row.balancePence) });
    }
    await expect(page.locator('#pool-cash').innerText()).resolves.toBe(pounds(statement.totals.poolBalancePence));
    // The charts are images with names, and the tables beside them carry every figure.
    await expect(page.locator('svg[role="img"]').count()).resolves.toBe(2);
    await expect(page.locator('#balances-chart-title').textContent()).resolves.toContain('balance');
    await weigh(page, 'money', `/challenges/${id}/money`);
  });

  it('records a cost with the keyboard and sees each council’s balance fall by its split, to the penny', async () => {
    await page.goto(`${hub.url}/challenges/${id}/money`);
    const before = await balances(page);
    // Keyboard only: the skip link is the first stop; then the cost form's boxes, in order, and Enter.
    await page.keyboard.press('Tab');
    await expect(focusedText(page)).resolves.toBe('Skip to main content');
    await page.focus('#cost-amount');
    await page.keyboard.type('10,000.01');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Route optimisation discovery');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Acme Routing Ltd');
    await Promise.all([page.waitForURL(/done=cost/), page.keyboard.press('Enter')]);
    await expect(page.locator('.govuk-notification-banner').innerText()).resolves.toContain('Cost recorded');
    await check(page, 'money-after-cost', { axe: false });

    const after = await balances(page);
    const cost = (await apiLedger()).filter((e) => e.type === 'cost').at(-1)!;
    expect(cost.amountPence).toBe(1_000_001);
    expect(cost.allocations!.reduce((s, a) => s + a.costPence + a.riskPence, 0)).toBe(1_000_001);
    for (const a of cost.allocations!) {
      expect(before[a.council]!.pence - after[a.council]!.pence, a.council).toBe(a.costPence + a.riskPence);
      expect(after[a.council]!.text).toBe(pounds(before[a.council]!.pence - a.costPence - a.riskPence));
    }
    // Within the headroom: split by cost shares 50/30/20, the odd penny to the largest remainder.
    expect(Object.fromEntries(cost.allocations!.map((a) => [a.council, a.costPence]))).toEqual({ [B.code]: 500_001, [C.code]: 300_000, [W.code]: 200_000 });
    await expectLedgerSound(hub, id, 'after the page recorded a cost');
  });

  it('records a double-submitted form once: the form’s write id is the Idempotency-Key', async () => {
    await page.goto(`${hub.url}/challenges/${id}/money`);
    const form = page.locator('form[action$="/costs"]');
    const field = (name: string) => form.locator(`input[name="${name}"]`).inputValue();
    const fields = { csrf: await field('csrf'), writeId: await field('writeId'), amount: '12.34', description: 'Printing', supplier: '', category: '', reference: '' };
    const costsBefore = (await apiLedger()).filter((e) => e.type === 'cost').length;
    const [first, second] = await Promise.all([
      page.request.post(`${hub.url}/challenges/${id}/costs`, { form: fields, maxRedirects: 0 }),
      page.request.post(`${hub.url}/challenges/${id}/costs`, { form: fields, maxRedirects: 0 }),
    ]);
    expect([first.status(), second.status()]).toEqual([303, 303]);
    const third = await page.request.post(`${hub.url}/challenges/${id}/costs`, { form: fields, maxRedirects: 0 });
    expect(third.status()).toBe(303);
    expect((await apiLedger()).filter((e) => e.type === 'cost').length).toBe(costsBefore + 1);
  });

  it('refuses a form without the session’s CSRF token', async () => {
    const response = await page.request.post(`${hub.url}/challenges/${id}/costs`, { form: { csrf: 'forged', writeId: 'abcdefghijklmnopqrstuv', amount: '1', description: 'x' }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('This form has expired');
  });

  it('shows the GOV.UK error summary with the hub’s own problem when the hub refuses', async () => {
    await page.goto(`${hub.url}/challenges/${id}/money`);
    // Coventry committed £12,000 and paid £6,000: £6,000.01 more would exceed its commitment (409 exceeds_commitment).
    await page.selectOption('#receipt-council', C.code);
    await page.fill('#receipt-amount', '6000.01');
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/receipts')), page.click('button:has-text("Record receipt")')]);
    expect(response.status()).toBe(409);
    const summary = page.locator('.govuk-error-summary');
    await expect(summary.innerText()).resolves.toContain('would exceed the commitment');
    await expect(page.title()).resolves.toMatch(/^Error: /);
    // The values stay, and the summary links to the form.
    await expect(page.inputValue('#receipt-amount')).resolves.toBe('6000.01');
    await expect(summary.locator('a').first().getAttribute('href')).resolves.toBe('#receipt-council');
    await check(page, 'money-refused');
  });

  it('says what is wrong with a box before asking the hub', async () => {
    await page.goto(`${hub.url}/challenges/${id}/money`);
    await page.fill('#cost-amount', '12.345');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/costs')), page.click('button:has-text("Record cost")')]);
    const summary = page.locator('.govuk-error-summary');
    await expect(summary.innerText()).resolves.toContain('no more than 2 decimal places');
    await expect(summary.innerText()).resolves.toContain('Enter what the cost was for');
    await expect(page.locator('#cost-amount-error').innerText()).resolves.toContain('Error:');
    await expect(page.getAttribute('#cost-amount', 'aria-describedby')).resolves.toContain('cost-amount-error');
    await check(page, 'money-field-errors');
  });

  it('downloads the statement, the ledger and each council’s account as CSV', async () => {
    await page.goto(`${hub.url}/challenges/${id}/money`);
    const read = async (text: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`a:has-text("${text}")`)]);
      const stream = await download.createReadStream();
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return { name: download.suggestedFilename(), body: Buffer.concat(chunks).toString('utf8') };
    };
    const statement = await read('Statement of account (CSV)');
    const fromApi = await hub.call('GET', `/v1/challenges/${id}/statement`, { token: await callers.finance(B.code), headers: { accept: 'text/csv' } });
    // The API's own CSV, byte for byte (fetch's text() drops the byte-order mark the file keeps).
    expect(statement.body).toBe(`\uFEFF${fromApi.body}`);
    expect(statement.name).toMatch(/^statement-.*\.csv$/);
    const ledger = await read('The whole ledger (CSV');
    expect(ledger.body.startsWith('\uFEFFentryId,recordedAt,type,council,amountPence,partPence')).toBe(true);
    expect(ledger.body).toContain(`cost,${B.code},1000001,500001,500001,0`);
    const account = await read(`${C.name}’s account (CSV)`);
    const accountApi = await hub.call('GET', `/v1/challenges/${id}/members/${C.code}/account`, { token: await callers.finance(B.code), headers: { accept: 'text/csv' } });
    expect(account.body).toBe(`\uFEFF${accountApi.body}`);
  });

  it('pages and filters the ledger, and reverses a cost from it', async () => {
    await visit(page, `/challenges/${id}/ledger`, 'ledger');
    await page.selectOption('#type', 'cost');
    await page.selectOption('#council', W.code);
    await Promise.all([page.waitForURL(/type=cost/), page.click('button:has-text("Show entries")')]);
    await expect(page.locator('tbody tr').count()).resolves.toBe(2);
    await check(page, 'ledger-filtered', { axe: false });
    const before = await (await hub.call('GET', `/v1/challenges/${id}/statement`, { token: await callers.finance(B.code) })).body;
    await page.locator('a:has-text("Reverse")').first().click();
    await expect(page.locator('#reverse-heading').innerText()).resolves.toBe('Reverse a cost');
    await check(page, 'ledger-reverse');
    await page.fill('#reverse-reason', 'Recorded against the wrong challenge');
    await Promise.all([page.waitForURL(/done=reversed/), page.click('button:has-text("Reverse cost")')]);
    await expect(page.locator('.govuk-notification-banner').innerText()).resolves.toContain('Cost reversed');
    const after = (await hub.call('GET', `/v1/challenges/${id}/statement`, { token: await callers.finance(B.code) })).body;
    const reversal = (await apiLedger()).at(-1)!;
    expect(reversal.type).toBe('cost_reversal');
    expect(reversal.amountPence).toBe(-1_000_001);
    for (const m of after.members) {
      const a = reversal.allocations!.find((x) => x.council === m.council)!;
      expect(m.balancePence - before.members.find((b: { council: string }) => b.council === m.council).balancePence).toBe(-(a.costPence + a.riskPence));
    }
    await expectLedgerSound(hub, id, 'after the page reversed a cost');
  });

  it('tells the story in words on the activity page', async () => {
    await visit(page, `/challenges/${id}/activity`, 'activity');
    const text = await page.locator('.hub-activity').innerText();
    expect(text).toContain(`${B.name} recorded a cost of £10,000.01: Route optimisation discovery (Acme Routing Ltd), split between 3 councils`);
    expect(text).toContain(`${B.name} reversed a cost of £10,000.01: Recorded against the wrong challenge`);
    expect(text).toContain(`${C.name} approved share agreement v1`);
    expect(problems).toEqual([]);
  });

  it('weighs each page as a first visit downloads it (no cache)', async () => {
    for (const [name, path] of [['home', '/'], ['challenge', `/challenges/${id}`], ['shares', `/challenges/${id}/shares`], ['ledger', `/challenges/${id}/ledger`], ['activity', `/challenges/${id}/activity`]] as const) {
      await weigh(page, name, path);
    }
    // govuk-frontend's CSS (136 KB), JS (47 KB) and two fonts are most of it; no page's own HTML is near it.
    for (const [name, w] of Object.entries(weights)) {
      expect(w.bytes, name).toBeLessThan(400 * 1024);
      expect(w.html, name).toBeLessThan(60 * 1024);
    }
  });
});

describe('without JavaScript', () => {
  it('signs in, sees the balances, records a cost and downloads the statement CSV just the same', async () => {
    const noJs = await newContext(browser, { javaScriptEnabled: false });
    const p = await noJs.newPage();
    await signIn(p, hub.url, { council: B.code, groups: ['finance'], user: 'finance-E08000025' });
    await p.goto(`${hub.url}/challenges/${id}/money`);
    await expect(p.locator('body.js-enabled').count()).resolves.toBe(0);
    const before = await balances(p);
    await p.fill('#cost-amount', '0.03');
    await p.fill('#cost-description', 'Three pence of postage');
    await Promise.all([p.waitForURL(/done=cost/), p.click('button:has-text("Record cost")')]);
    const after = await balances(p);
    const cost = (await apiLedger()).filter((e) => e.type === 'cost').at(-1)!;
    expect(cost.amountPence).toBe(3);
    for (const a of cost.allocations!) expect(before[a.council]!.pence - after[a.council]!.pence).toBe(a.costPence + a.riskPence);
    // The statement CSV is a plain link: it downloads without JavaScript, the API's own bytes.
    const [download] = await Promise.all([p.waitForEvent('download'), p.click('a:has-text("Statement of account (CSV)")')]);
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    const fromApi = await hub.call('GET', `/v1/challenges/${id}/statement`, { token: await callers.finance(B.code), headers: { accept: 'text/csv' } });
    expect(Buffer.concat(chunks).toString('utf8')).toBe(`\uFEFF${fromApi.body}`);
    expect(download.suggestedFilename()).toMatch(/^statement-.*\.csv$/);
    // axe-core needs the page's own timers, which are off here; the same markup was checked with JavaScript on.
    await screenshot(p, 'money-no-javascript');
    await noJs.close();
  });
});
