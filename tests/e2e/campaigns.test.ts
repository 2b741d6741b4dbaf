/**
 * Campaigns in the browser (issue #15): the demo's past campaigns in the list and on the calendar, a run's live
 * page with its progress per store and clerk, and the report showing the uplift over the holdout; then ops build a
 * campaign from a segment, read the dry run and schedule it, an admin approves it, and its run and report pages
 * follow. Screenshots in tests/e2e/screenshots/campaign-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, login, screenshot } from '../support/browser';

const base = inject('appUrl');
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function signedIn(who: string): Promise<Page> {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  await login(page, base, who);
  return page;
}

const num = (s: string) => Number(s.replace(/[^\d.-]/g, ''));

describe('campaigns', () => {
  it('the demo’s past campaign: list, calendar, live run page and a report with a significant uplift', async () => {
    const page = await signedIn('ops@demo.huike');
    await page.goto(`${base}/campaigns`);
    await page.waitForLoadState('networkidle');
    // The list: the demo's four campaigns; the status filter narrows it to the finished one.
    await expect(page.locator('.data-table tbody tr').count()).resolves.toBeGreaterThanOrEqual(4);
    await page.click('[data-status-filter=done]');
    await page.waitForURL(/status=done/);
    // The URL changes a moment before the list re-renders: wait for the filter to show as the active one.
    await page.waitForSelector('[data-status-filter=done].active');
    const done = page.locator('.data-table tbody tr', { hasText: '双11 老客回购' });
    await expect(done.count()).resolves.toBe(1);
    await expect(page.locator('.data-table tbody tr').count()).resolves.toBe(1);
    await screenshot(page, 'campaign-list');

    // The calendar: this month's runs (the running campaign's, two days ago) and what the schedules plan.
    await page.click('[data-testid=calendar-tab]');
    await page.waitForURL(/view=calendar/);
    await page.waitForSelector('[data-testid=campaign-calendar] td[data-day] .entry');
    await expect(page.locator('[data-testid=campaign-calendar] td[data-day] .entry').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'campaign-calendar');

    // The finished campaign, its run page: tasks confirmed of created, customers reached, execution per clerk.
    await page.goto(`${base}/campaigns?status=done`);
    await page.locator('.data-table tbody tr', { hasText: '双11 老客回购' }).locator('a').first().click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    await expect(page.locator('[data-testid=wecom-preview]').innerText()).resolves.toContain('双11 会员专享');
    await page.locator('[data-testid=runs-table] tbody tr a').first().click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const tasks = await page.locator('[data-testid=progress-tasks] .num').innerText();
    const [confirmed, created] = tasks.split('(')[0]!.split('/').map(num) as [number, number];
    expect(created).toBeGreaterThan(0);
    expect(confirmed).toBeGreaterThan(0);
    expect(confirmed).toBeLessThan(created);
    await expect(page.locator('[data-testid=run-clerks] tbody tr').count()).resolves.toBeGreaterThan(3);
    const rates = (await page.locator('[data-testid=run-clerks] [data-testid=execution-rate]').allInnerTexts()).map(num);
    expect(rates.some((r) => r === 100)).toBe(true);
    expect(rates.some((r) => r === 0)).toBe(true);
    await screenshot(page, 'campaign-run');

    // The report: significant uplift, reached vs holdout, both charts, tables sortable by conversion.
    await page.click('text=本批报告');
    await page.waitForURL(/\/report\?run=/);
    await page.waitForLoadState('networkidle');
    await expect(page.locator('[data-testid=uplift-verdict]').getAttribute('data-significant')).resolves.toBe('yes');
    await expect(page.locator('[data-testid=uplift-verdict]').innerText()).resolves.toContain('显著提升');
    expect(num(await page.locator('[data-testid=kpi-uplift] .value').innerText())).toBeGreaterThan(0);
    await page.waitForSelector('[data-chart=report-daily] .recharts-line');
    await page.waitForSelector('[data-chart=report-stores] .recharts-bar-rectangle');
    await page.click('[data-testid=report-clerks] [data-testid=sort-conversion_rate]');
    await page.waitForURL(/sort=conversion_rate/);
    await page.waitForSelector('[data-testid=report-clerks] [data-testid=sort-conversion_rate].active');
    const clerkRates = (await page.locator('[data-testid=report-clerks] tbody tr td:nth-child(6)').allInnerTexts()).map(num).filter((x) => !Number.isNaN(x));
    expect(clerkRates.length).toBeGreaterThan(2);
    expect([...clerkRates].sort((a, b) => b - a)).toEqual(clerkRates);
    await screenshot(page, 'campaign-report');
  });
});
