/**
 * A partner's officer in a real browser: signs in on the local sign-in page,
 * accepts the lead's invitation, reads the challenge and its stages, approves a
 * share agreement with the keyboard alone, and signs out. The pages a visitor
 * must not see answer as the API does (404 hidden, 403 members only). axe-core
 * and a screenshot on every page.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNCILS, registerCouncils } from '../support/councils';
import { startTestHub, type TestHub } from '../support/hub';
import { Callers, expectStatus, formConsortium } from '../support/money';
import { axeViolations, consoleProblems, focusedText, launchBrowser, newContext, screenshot, signIn } from '../support/browser';

const { birmingham: B, coventry: C, westminster: W, plymouth: P } = COUNCILS;

let hub: TestHub;
let callers: Callers;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];
let id: string;
let version: number;

async function check(p: Page, name: string) {
  await screenshot(p, name);
  expect(await axeViolations(p), `axe on ${name}`).toEqual([]);
}

beforeAll(async () => {
  hub = await startTestHub();
  callers = new Callers(hub);
  await registerCouncils(hub, [B, C, W, P]);
  id = await formConsortium(hub, callers, B.code, [W.code], 'Reducing school transport costs');
  await expectStatus(
    await hub.call('PATCH', `/v1/challenges/${id}`, {
      token: await callers.officer(B.code),
      headers: { 'if-match': '"1"' },
      body: { statement: 'Home-to-school transport costs have doubled in five years.', howMightWe: 'How might we get children to school safely for less?', outcomes: ['Lower cost per pupil'], targetBudgetPence: 5_000_000 },
    }),
    200,
    'patch',
  );
  await expectStatus(await hub.call('POST', `/v1/challenges/${id}/invitations`, { token: await callers.officer(B.code), body: { council: C.code, role: 'partner' } }), 201, 'invite');
  browser = await launchBrowser();
  context = await newContext(browser);
  page = await context.newPage();
  problems = consoleProblems(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

describe('a partner’s officer, in a browser', () => {
  it('is sent to sign in first, and chooses a registered council and groups', async () => {
    await page.goto(`${hub.url}/challenges/${id}`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(new URL(page.url()).searchParams.get('returnTo')).toBe(`/challenges/${id}`);
    await check(page, 'sign-in');
    await signIn(page, hub.url, { council: C.code, groups: ['officer'], user: 'officer-E08000026' });
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === '__Host-hub-session')!;
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
  });

  it('sees the invitation on its challenges page and accepts it', async () => {
    await page.goto(hub.url);
    await expect(page.locator('h2:has-text("Invitations to answer")').count()).resolves.toBe(1);
    await check(page, 'home-invitation');
    await Promise.all([page.waitForURL(/done=accepted/), page.click('button:has-text("Accept invitation")')]);
    await expect(page.locator('.govuk-notification-banner').innerText()).resolves.toContain('Accepted');
    const members = (await hub.call('GET', `/v1/challenges/${id}/members`, { token: await callers.officer(C.code) })).body.items;
    expect(members.find((m: { council: string }) => m.council === C.code).status).toBe('active');
    await check(page, 'home');
  });

  it('reads the challenge: the problem, the stages with what the next needs, the members', async () => {
    await page.goto(`${hub.url}/challenges/${id}`);
    const text = await page.locator('main').innerText();
    expect(text).toContain('Home-to-school transport costs have doubled in five years.');
    expect(text).toContain('How might we get children to school safely for less?');
    await expect(page.locator('[aria-current="step"]').innerText()).resolves.toContain('Draft');
    // The lead moves it on; the guard on "forming" is already met.
    await expectStatus(await hub.call('POST', `/v1/challenges/${id}/stage`, { token: await callers.officer(B.code), body: { to: 'scoping' } }), 200, 'to scoping');
    await page.reload();
    const steps = await page.locator('.hub-steps').innerText();
    expect(steps).toMatch(/Forming the consortium\s*Next\s*Needs a problem statement and a “how might we” question, both filled in\. Ready:/);
    await check(page, 'challenge');
    // Before an agreement exists, procurement's guard is shown not met (from the same check the API runs).
    await expectStatus(await hub.call('POST', `/v1/challenges/${id}/stage`, { token: await callers.officer(B.code), body: { to: 'forming' } }), 200, 'to forming');
    await expectStatus(await hub.call('POST', `/v1/challenges/${id}/stage`, { token: await callers.officer(B.code), body: { to: 'market_engagement' } }), 200, 'to market engagement');
    await page.reload();
    await expect(page.locator('.hub-steps').innerText()).resolves.toContain('Not yet: Moving into procurement needs an active share agreement covering exactly the current funding members.');
  });

  it('approves the pending share agreement with the keyboard alone', async () => {
    const proposed = await expectStatus(
      await hub.call('POST', `/v1/challenges/${id}/share-agreements`, {
        token: await callers.officer(B.code),
        body: { basis: 'custom', shares: [{ council: B.code, costBps: 5000, riskBps: 6000 }, { council: C.code, costBps: 3000, riskBps: 2500 }, { council: W.code, costBps: 2000, riskBps: 1500 }] },
      }),
      201,
      'propose',
    );
    version = proposed.body.version;
    await expectStatus(await hub.call('POST', `/v1/challenges/${id}/share-agreements/${version}/approve`, { token: await callers.officer(W.code) }), 200, 'Westminster approves');
    await page.goto(`${hub.url}/challenges/${id}/shares`);
    const pending = await page.locator(`section[aria-labelledby="agreement-${version}"]`).innerText();
    expect(pending).toContain('Waiting for approval');
    expect(pending).toMatch(new RegExp(`Waiting for\\s+${C.name}`));
    expect(pending).toContain('60.00%');
    await check(page, 'shares-pending');
    // Tab through the page until the approve button has focus, then press Enter.
    let focused = '';
    for (let i = 0; i < 80 && focused !== `Approve version ${version}`; i++) {
      await page.keyboard.press('Tab');
      focused = await focusedText(page);
    }
    expect(focused).toBe(`Approve version ${version}`);
    await Promise.all([page.waitForURL(/done=approved/), page.keyboard.press('Enter')]);
    await expect(page.locator('.govuk-notification-banner').innerText()).resolves.toContain('You approved the share agreement');
    const current = (await hub.call('GET', `/v1/challenges/${id}/share-agreements/current`, { token: await callers.officer(C.code) })).body;
    expect(current).toMatchObject({ version, status: 'active' });
    expect(current.approvals.sort()).toEqual([B.code, C.code, W.code].sort());
    await expect(page.locator(`section[aria-labelledby="agreement-${version}"]`).innerText()).resolves.toContain('Active');
    await check(page, 'shares-active');
  });

  it('shows the activity in words, and a partner’s money page without the lead’s forms', async () => {
    await page.goto(`${hub.url}/challenges/${id}/activity`);
    const text = await page.locator('.hub-activity').innerText();
    expect(text).toContain(`${C.name} approved share agreement v${version}`);
    expect(text).toContain(`Share agreement v${version} became active`);
    expect(text).toContain(`${C.name} accepted the invitation and joined as a partner`);
    await page.goto(`${hub.url}/challenges/${id}/money`);
    // An officer (not finance) sees the figures and downloads, and no money forms.
    await expect(page.locator('form[action$="/costs"]').count()).resolves.toBe(0);
    await expect(page.locator('form[action*="/pledges/"]').count()).resolves.toBe(0);
    await expect(page.locator('#statement').count()).resolves.toBe(1);
    await expect(page.locator('svg[role="img"]').count()).resolves.toBe(1); // balances; no ledger yet, so no pool chart
  });

  it('answers a hidden challenge 404 and a members-only page 403, as the API does', async () => {
    const other = await formConsortium(hub, callers, W.code, [], 'Westminster only');
    const hidden = await page.goto(`${hub.url}/challenges/${other}`);
    expect(hidden!.status()).toBe(404);
    await check(page, 'not-found');
  });

  it('signs out: the cookie goes, and the pages ask to sign in again', async () => {
    await page.goto(hub.url);
    await Promise.all([page.waitForURL(/\/sign-out$/), page.click('button:has-text("Sign out")')]);
    await expect(page.locator('h1').innerText()).resolves.toBe('You have signed out');
    await check(page, 'signed-out');
    expect((await context.cookies()).find((c) => c.name === '__Host-hub-session')).toBeUndefined();
    await page.goto(`${hub.url}/challenges/${id}/money`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(problems).toEqual([]);
  });
});

describe('what the hub sends with its pages', () => {
  it('a strict Content-Security-Policy, and govuk-frontend’s files from /assets (a greedy route), nothing else', async () => {
    const signInPage = await fetch(`${hub.url}/sign-in`);
    const csp = signInPage.headers.get('content-security-policy')!;
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "object-src 'none'", "require-trusted-types-for 'script'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(signInPage.headers.get('set-cookie')).toMatch(/^__Host-hub-presession=[^;]+; Path=\/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax$/);
    const font = await fetch(`${hub.url}/assets/fonts/bold-b542beb274-v2.woff2`);
    expect([font.status, font.headers.get('content-type')]).toEqual([200, 'font/woff2']);
    expect((await font.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    for (const path of ['/assets/..%2Fpackage.json', '/assets/fonts/../../package.json', '/assets/images/nope.png', '/assets/all.mjs']) {
      expect((await fetch(`${hub.url}${path}`)).status, path).toBe(404);
    }
    // Pages are not part of the API's contract.
    const doc = (await hub.call('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths).filter((p: string) => !p.startsWith('/v1/') && !['/health', '/openapi.json', '/docs', '/docs/{asset}'].includes(p))).toEqual([]);
  });
});

describe('an invited council that has not joined', () => {
  it('sees the summary and members but not the money (403)', async () => {
    const id2 = await formConsortium(hub, callers, B.code, [C.code], 'Adult social care rostering');
    await expectStatus(await hub.call('POST', `/v1/challenges/${id2}/invitations`, { token: await callers.officer(B.code), body: { council: P.code, role: 'observer' } }), 201, 'invite Plymouth');
    const p = await context.newPage();
    await signIn(p, hub.url, { council: P.code, groups: ['officer', 'finance'] });
    await p.goto(`${hub.url}/challenges/${id2}`);
    await expect(p.locator('main').innerText()).resolves.toContain('The problem statement, money and records are for the consortium’s active members.');
    const money = await p.goto(`${hub.url}/challenges/${id2}/money`);
    expect(money!.status()).toBe(403);
    await expect(p.locator('h1').innerText()).resolves.toBe('You cannot see this page');
    await check(p, 'forbidden');
    await p.close();
  });
});
