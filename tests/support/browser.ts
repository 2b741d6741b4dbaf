/**
 * Debian's chromium driven by playwright-core (no browser download). Screenshots go to tests/e2e/screenshots/.
 *
 * Every page of every e2e test is watched: an uncaught exception in the page (`pageerror`) or a `console.error`
 * (React's hydration errors, failed loads) fails the test that was running, or the file's last test. Pages are
 * watched through `launch()`: each context and page the browser opens gets the watcher, so no test can forget it.
 * A test that provokes an error on purpose (opening a page it may not see) declares it with `expectPageErrors`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../e2e/screenshots');

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

let problems: string[] = [];
const expected = new WeakMap<Page, RegExp[]>();
const watched = new WeakSet<Page>();

function watchPage(page: Page): void {
  if (watched.has(page)) return;
  watched.add(page);
  page.on('pageerror', (e) => problems.push(`uncaught in page ${page.url()}: ${e.stack ?? e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = `${m.text()}${m.location().url ? ` (${m.location().url})` : ''}`;
    if ((expected.get(page) ?? []).some((re) => re.test(text))) return;
    problems.push(`console.error in page ${page.url()}: ${text}`);
  });
}

function watchContext(context: BrowserContext): void {
  context.on('page', watchPage);
  for (const p of context.pages()) watchPage(p);
}

/**
 * Declares console errors this page will show on purpose (matched against "message (source url)"). Anything else
 * still fails the test.
 */
export function expectPageErrors(page: Page, ...patterns: RegExp[]): void {
  expected.set(page, [...(expected.get(page) ?? []), ...patterns]);
}

/**
 * Opens a page the signed-in user may not see and checks the refusal; the browser's own "Failed to load resource:
 * … status of 403" for exactly that document is expected, nothing else.
 */
export async function gotoRefused(page: Page, url: string, status = 403): Promise<Response | null> {
  const escaped = url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expectPageErrors(page, new RegExp(`^Failed to load resource: the server responded with a status of ${status}\\b.*\\(${escaped}\\)$`));
  const r = await page.goto(url);
  expect(r?.status(), url).toBe(status);
  return r;
}

/** The errors seen since the last check, cleared. */
export function takePageErrors(): string[] {
  const out = problems;
  problems = [];
  return out;
}

function failOnPageErrors(): void {
  const p = takePageErrors();
  if (p.length) throw new Error(`The browser reported ${p.length} error(s):\n${p.join('\n')}`);
}
afterEach(failOnPageErrors);
afterAll(failOnPageErrors);

export async function launch(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  // browser.newPage opens its own context through newContext, so both paths end up watched.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    watchContext(context);
    return context;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => {
    const page = await newPage(options);
    watchPage(page);
    return page;
  };
  return browser;
}

/** The test file's browser: launched before its tests and closed after them; call the returned function for it. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function login(page: Page, base: string, identifier: string, password = 'huike-demo'): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=identifier]', identifier);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

/** Polls `check` every half second until it is true (e.g. a write-back reaching "synced"); fails after `ms`. */
export async function until(page: Page, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await page.waitForTimeout(500);
  }
}
