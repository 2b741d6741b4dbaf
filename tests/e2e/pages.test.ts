/**
 * Every page of the navigation, for each demo role, opened the way a user opens it: loaded directly (server render
 * + hydration) and reached by clicking (client-side navigation: the route module is loaded in the browser and the
 * page must not fall back to a full reload). The shared page watcher (tests/support/browser.ts) fails the test on
 * any page error or console error, e.g. `new ZodEnum` on a sort list that is empty in the browser, or a hydration
 * mismatch.
 */
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { login, useBrowser } from '../support/browser';

const base = inject('appUrl');
const browser = useBrowser();

/** Marks the loaded document: a full reload loses the mark, a client-side navigation keeps it. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __e2eDoc: number }).__e2eDoc = 1));
}

async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const router = (window as unknown as { __remixRouter?: { state: { navigation: { state: string } } } }).__remixRouter;
    return router?.state.navigation.state === 'idle';
  });
  await page.waitForSelector('main h1, .main h1');
}

/** Clicks a link and checks that the browser stayed on the same document (no reload) and landed on `href`. */
async function clickThrough(page: Page, link: ReturnType<Page['locator']>): Promise<string> {
  const href = (await link.getAttribute('href'))!;
  const target = new URL(href, base);
  // A section link may redirect inside its section (/wecom-ops → /wecom-ops/welcome).
  const landed = (u: URL) => (u.pathname === target.pathname && u.search === target.search) || u.pathname.startsWith(`${target.pathname}/`);
  await Promise.all([page.waitForURL(landed), link.click()]);
  await settled(page);
  const same = await page.evaluate(() => (window as unknown as { __e2eDoc?: number }).__e2eDoc === 1);
  expect(same, `clicking ${href} reloaded the page instead of navigating in the browser`).toBe(true);
  return target.pathname;
}

async function hrefs(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
}

const ROLES = [
  { who: 'admin', email: 'admin@demo.huike', nav: 9, settingsTabs: ['/settings', '/settings/stores', '/settings/staff', '/settings/wecom', '/settings/campaigns', '/settings/api-keys', '/settings/audit'] },
  { who: 'ops', email: 'ops@demo.huike', nav: 9, settingsTabs: ['/settings', '/settings/stores'] },
  { who: 'manager', email: 'manager@demo.huike', nav: 4, settingsTabs: [] },
  { who: 'clerk', email: 'clerk@demo.huike', nav: 1, settingsTabs: [] },
];

describe('every navigation page renders and hydrates without a browser error', () => {
  for (const role of ROLES) {
    it(`${role.who}: each page loaded directly, then every nav link and tab clicked in the browser`, async () => {
      const page = await browser().newPage({ locale: 'zh-CN', viewport: { width: 1360, height: 900 } });
      // The login page itself must hydrate cleanly (it once put a form inside a <p>: React #418/#423).
      await login(page, base, role.email);
      // A clerk lands on the phone workspace (/m, its own pages and test); the desktop pages are checked here.
      if (role.who === 'clerk') await page.goto(`${base}/customers`);
      await page.waitForSelector('.sidebar nav a');
      const nav = await hrefs(page, '.sidebar nav a');
      expect(nav).toHaveLength(role.nav);
      const tabsOf: Record<string, string[]> = {};
      for (const to of nav) {
        const r = await page.goto(`${base}${to}`);
        expect(r?.status(), to).toBe(200);
        await settled(page);
        // Navigation tabs; a row of filter links styled as tabs (.filter-tabs, e.g. campaign statuses) is not one.
        tabsOf[to] = await hrefs(page, '.main .tabs:not(.filter-tabs) a');
        for (const tab of tabsOf[to]!) {
          const t = await page.goto(`${base}${tab}`);
          expect(t?.status(), tab).toBe(200);
          await settled(page);
        }
      }
      expect((tabsOf['/settings'] ?? []).map((h) => new URL(h, base).pathname)).toEqual(role.settingsTabs);

      // Client-side: from the first page, click every nav link, and on a page with tabs every tab.
      await page.goto(`${base}${nav[0]}`);
      await settled(page);
      await markDocument(page);
      for (const to of [...nav.slice(1), nav[0]!]) {
        await clickThrough(page, page.locator(`.sidebar nav a[href="${to}"]`));
        for (const tab of tabsOf[to] ?? []) await clickThrough(page, page.locator(`.main .tabs:not(.filter-tabs) a[href="${tab}"]`));
      }
      await page.close();
    }, 300_000); // some 40 page loads for an admin
  }

  it('ops: 渠道活码 opened by a click shows its table, and sorting it stays in the browser', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'ops@demo.huike');
    await markDocument(page);
    await clickThrough(page, page.locator('.sidebar nav a', { hasText: '渠道活码' }));
    expect(await page.locator('h1').innerText()).toContain('渠道活码');
    expect(await page.locator('.data-table tbody tr').count()).toBeGreaterThan(0);
    const sortLink = page.locator('.data-table th a').first();
    await clickThrough(page, sortLink);
    expect(new URL(page.url()).searchParams.get('sort')).toBeTruthy();
    await page.close();
  });

  it('admin: the settings tabs (门店, 员工, 企业微信) by clicks, with their forms working in the browser', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'admin@demo.huike');
    await markDocument(page);
    await clickThrough(page, page.locator('.sidebar nav a', { hasText: '设置' }));
    for (const [label, check] of [
      ['区域与门店', 'form.toolbar.card input[name=code]'],
      ['员工', 'select[name=role] option[value=clerk]'],
      ['企业微信', '[data-testid=callback-url]'],
    ] as const) {
      await clickThrough(page, page.locator('.main .tabs a', { hasText: label }).first());
      await page.waitForSelector(check, { state: 'attached' });
    }
    await page.close();
  });
});
