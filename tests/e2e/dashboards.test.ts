/**
 * The regional manager of the demo chain (华东大区) opens every dashboard, changes a filter, reads a chart as a
 * table and exports it, clicks through an RFM cell to the customers of that cell and opens one of them.
 * Screenshots are kept in tests/e2e/screenshots/.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { login, screenshot, useBrowser } from '../support/browser';

const base = inject('appUrl');
const browser = useBrowser();
let page: Page;

beforeAll(async () => {
  page = await browser().newPage({ locale: 'zh-CN', viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  await login(page, base, 'manager@demo.huike');
});

/** Waits until the chart of a card has drawn (recharts renders client-side only). */
async function chartDrawn(id: string): Promise<void> {
  await page.waitForSelector(`[data-chart="${id}"] .chart-area svg.recharts-surface, [data-chart="${id}"] .chart-area .heatmap`, { timeout: 15_000 });
}

const kpi = (label: string) => page.locator('.kpi', { has: page.locator('.label', { hasText: label }) }).locator('.value');

describe('the manager’s dashboards', () => {
  it('overview: KPI cards with changes, three trends, only the manager’s region', async () => {
    await page.goto(`${base}/dashboard`);
    await expect(page.locator('.dash-title p').innerText()).resolves.toContain('华东大区');
    for (const id of ['repurchase-trend', 'active-trend', 'revenue-split', 'stages']) await chartDrawn(id);
    const revenue = await kpi('销售额').innerText();
    expect(revenue).toMatch(/^¥[\d,]+$/);
    expect(await kpi('累计复购率').innerText()).toMatch(/^\d+\.\d%$/);
    await expect(page.locator('.kpi .delta').first().innerText()).resolves.toMatch(/[▲▼–]/);
    // The store filter offers only the manager's four stores (华东: 上海, 杭州, 南京, 苏州).
    const stores = await page.locator('select[name=store] option').allInnerTexts();
    expect(stores).toHaveLength(5);
    expect(stores.slice(1).every((s) => /上海|杭州|南京|苏州/.test(s))).toBe(true);
    expect(await kpi('门店').innerText()).toBe('4');
    await screenshot(page, 'dashboard-overview');

    // Change a filter: one store. The URL holds it, the numbers shrink to that store.
    const code = await page.locator('select[name=store] option').nth(1).getAttribute('value');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('store') === code), page.selectOption('select[name=store]', code!)]);
    await chartDrawn('revenue-split');
    // The URL changes before React renders the new numbers: wait for them.
    await expect.poll(() => kpi('门店').innerText(), { timeout: 15_000 }).toBe('1');
    const storeRevenue = Number((await kpi('销售额').innerText()).replace(/[¥,]/g, ''));
    expect(storeRevenue).toBeLessThan(Number(revenue.replace(/[¥,]/g, '')));
    await screenshot(page, 'dashboard-overview-store');

    // A chart as a table, and its CSV.
    const card = page.locator('[data-chart="revenue-split"]');
    await card.getByRole('button', { name: '表格' }).click();
    await expect(card.locator('.chart-table tbody tr').count()).resolves.toBeGreaterThan(5);
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: '导出 CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('时间,私域销售额（元）,匿名销售额（元）,退款（元）,私域占比');
  });

  it('repurchase: cohorts, the 30/60/90-day curve, intervals and categories', async () => {
    await page.goto(`${base}/dashboard/repurchase`);
    for (const id of ['repurchase-curve', 'intervals', 'cohorts', 'categories']) await chartDrawn(id);
    expect(await kpi('30 天复购率').innerText()).toMatch(/%$/);
    await expect(page.locator('[data-chart="cohorts"] .heatmap tbody tr').count()).resolves.toBe(12);
    await screenshot(page, 'dashboard-repurchase');
  });

  it('lifecycle, stores and clerks, predictions', async () => {
    await page.goto(`${base}/dashboard/lifecycle`);
    for (const id of ['stage-trend', 'stage-flows']) await chartDrawn(id);
    await expect(page.locator('[data-chart="stage-flows"] .recharts-sankey-nodes, [data-chart="stage-flows"] svg').first().isVisible()).resolves.toBe(true);
    await screenshot(page, 'dashboard-lifecycle');

    await page.goto(`${base}/dashboard/stores`);
    await chartDrawn('stores-chart');
    await expect(page.locator('[data-table-id="stores"] tbody tr').count()).resolves.toBe(4);
    // Sort the clerks by repurchase rate (server-side, in the URL).
    await Promise.all([page.waitForURL((u) => u.searchParams.get('cs') === 'repurchase_rate'), page.locator('[data-table-id="clerks"] th a', { hasText: '累计复购率' }).click()]);
    // The URL changes before React re-renders the table: wait for the header to show the new sort.
    await page.waitForSelector('[data-table-id="clerks"] th[aria-sort="descending"] a:has-text("累计复购率")');
    const rates = (await page.locator('[data-table-id="clerks"] tbody tr td:nth-child(4)').allInnerTexts()).map((r) => Number(r.replace('%', '')));
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
    await screenshot(page, 'dashboard-stores');

    await page.goto(`${base}/dashboard/predictions`);
    for (const id of ['p-alive', 'expected-90', 'value-tiers', 'backtest']) await chartDrawn(id);
    // The parameters are for analysts: in the collapsed "model details" section (issue #13).
    await page.locator('[data-testid=model-details] summary').click();
    await expect(page.locator('.model-params').innerText()).resolves.toContain('α');
    await screenshot(page, 'dashboard-predictions');
  });

  it('RFM: the heatmap links each cell to exactly its customers', async () => {
    await page.goto(`${base}/dashboard/rfm`);
    await chartDrawn('rfm-grid');
    await screenshot(page, 'dashboard-rfm');
    // The most populated cell.
    const cells = page.locator('[data-chart="rfm-grid"] td a.cell-link');
    const n = await cells.count();
    expect(n).toBeGreaterThan(5);
    let best = 0;
    let bestCount = -1;
    for (let i = 0; i < n; i++) {
      const c = Number((await cells.nth(i).innerText()).split('\n')[0]!.replace(/,/g, ''));
      if (c > bestCount) [best, bestCount] = [i, c];
    }
    const td = cells.nth(best).locator('xpath=..');
    const r = await td.getAttribute('data-row');
    const fm = await td.getAttribute('data-col');
    await Promise.all([page.waitForURL((u) => u.pathname === '/customers' && u.searchParams.get('r') === r && u.searchParams.get('fm') === fm), cells.nth(best).click()]);
    await expect(page.locator('[data-chip="rfm-cell"]').innerText()).resolves.toContain(`R${r} · FM${fm}`);
    await expect(page.locator('.pager span').first().innerText()).resolves.toContain(`共 ${bestCount.toLocaleString()} 条`);
    await screenshot(page, 'dashboard-rfm-cell-customers');

    // Open the first customer: metrics, order timeline.
    await Promise.all([page.waitForURL((u) => /^\/customers\/[0-9a-f-]{36}$/.test(u.pathname)), page.locator('.data-table tbody tr td a').first().click()]);
    await expect(page.locator('.metric-grid').innerText()).resolves.toContain('购买天数');
    await expect(page.locator('.timeline li').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'customer-profile');
  });
});
