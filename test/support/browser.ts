/**
 * A real browser for the page tests: Debian's headless Chromium (the `chromium`
 * package; `.ci/run` installs it) driven by playwright-core through
 * `executablePath`, so nothing is downloaded. One browser per test file; pages
 * are reused. axe-core runs inside the page (through the DevTools protocol, so
 * the pages' strict CSP stays on), and every page a test visits can be saved
 * as a screenshot under test-results/screenshots/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where Chromium may be: CHROMIUM_PATH, then Debian's package paths (test/support/ensure-chromium.ts installs it). */
export const chromiumCandidates = () =>
  [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/lib/chromium/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
const CANDIDATES = chromiumCandidates();

export function chromiumPath(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error("The page tests need Chromium: install Debian's `chromium` package (apt-get install -y chromium) or set CHROMIUM_PATH.");
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  // As root (CI containers) Chromium's sandbox cannot start; the pages under test are the hub's own.
  return chromium.launch({ executablePath: chromiumPath(), chromiumSandbox: false, args: ['--disable-dev-shm-usage'] });
}

export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** WCAG 2.0, 2.1 and 2.2 A and AA rules, plus axe's best practices. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // A string, run in the page (its types are the browser's, not this file's).
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })`)) as {
    violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Watches a page for what must never happen: a script error, or a CSP violation the console reports. */
export function consoleProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A refused form answers 4xx with its page: Chromium logs that status, which is no fault.
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return problems;
}

/** Signs in through the local sign-in page, as a person would. */
export async function signIn(page: Page, hubUrl: string, who: { council?: string; groups: string[]; user?: string }): Promise<void> {
  await page.goto(`${hubUrl}/sign-in`);
  await page.selectOption('#council', who.council ?? '');
  for (const group of ['officer', 'finance', 'hub-admin']) {
    const box = page.locator(`input[name="groups"][value="${group}"]`);
    if ((await box.isChecked()) !== who.groups.includes(group)) await box.click();
  }
  if (who.user) await page.fill('#user', who.user);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/sign-in')), page.click('button:has-text("Sign in")')]);
}

export async function newContext(browser: Browser, options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, ...options });
}

/** The text of the element that has the keyboard focus. */
export const focusedText = (page: Page) => page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
