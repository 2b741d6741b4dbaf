/**
 * Numbers a manager can trust at a glance (issue #13, docs/metrics.md of 2026-12-07) on the demo chain:
 * the clerk's 待回访 list is a worklist in priority order, the current cohort month is marked partial, the
 * Predictions page leads with what a manager acts on (model details collapsed, English labels), and the audit log
 * lists changed fields instead of JSON.
 */
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { login, screenshot, useBrowser } from '../support/browser';

const base = inject('appUrl');
const browser = useBrowser();
const errors: string[] = [];

async function open(email: string): Promise<Page> {
  const page = await browser().newPage({ locale: 'zh-CN', viewport: { width: 1360, height: 900 } });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}\n${e.stack ?? ''}`));
  await login(page, base, email);
  return page;
}

const fen = (s: string) => (/[\d]/.test(s) ? Math.round(Number(s.replace(/[^\d.-]/g, '')) * 100) : null);

describe('numbers a manager can trust', () => {
  let windowDays = 0;

  it('the repurchase window W and a sane number of customers due, as ops read them on the overview', async () => {
    const page = await open('ops@demo.huike');
    const text = await page.locator('.card.chain').innerText();
    windowDays = Number(/W = (\d+) 天/.exec(text)?.[1]);
    expect(windowDays).toBeGreaterThanOrEqual(14);
    // 待回访 is a worklist, not most of the buyers (2,042 of 2,618 under the old rule).
    const kpi = async (label: string) => Number((await page.locator('.kpi', { has: page.locator('.label', { hasText: label }) }).locator('.value').first().innerText()).replace(/,/g, ''));
    const due = await kpi('待回访');
    const buyers = await kpi('购买客户');
    expect(due).toBeGreaterThan(0);
    expect(due).toBeLessThan(buyers / 3);
    await page.close();
  });

  it("clerk: the 待回访 list starts with a customer inside the due window, in priority order", async () => {
    const page = await open('clerk@demo.huike');
    // A clerk lands on the phone workspace (/m); the desktop customer list is theirs too.
    expect(new URL(page.url()).pathname).toBe('/m');
    await page.goto(`${base}/customers`);
    await Promise.all([page.waitForURL((u) => u.searchParams.get('due') === '1'), page.check('input[name=due]')]);
    await page.waitForSelector('[data-testid=priority-note]');
    const heads = (await page.locator('.data-table thead th').allInnerTexts()).map((s) => s.replace(/[↕▲▼]/g, '').trim());
    const col = (name: string) => heads.indexOf(name) + 1;
    const rows = page.locator('.data-table tbody tr');
    const n = await rows.count();
    expect(n).toBeGreaterThan(0);
    const overdue: number[] = [];
    const value: number[] = [];
    for (let i = 0; i < n; i++) {
      const next = await rows.nth(i).locator(`td:nth-child(${col('预计下次购买')})`).innerText();
      expect(next).toContain('待回访');
      overdue.push(Number(/已到期 (\d+) 天/.exec(next)?.[1]));
      const v = fen(await rows.nth(i).locator(`td:nth-child(${col('12个月预测价值')})`).innerText());
      value.push(v ?? fen(await rows.nth(i).locator(`td:nth-child(${col('累计消费')})`).innerText())!);
    }
    // The first customer (and every other) is due within W days of their expected purchase — not 656 days ago.
    expect(overdue[0]).toBeGreaterThanOrEqual(0);
    expect(overdue[0]).toBeLessThanOrEqual(windowDays);
    expect(overdue.every((d) => d >= 0 && d <= windowDays)).toBe(true);
    const last = await rows.first().locator(`td:nth-child(${col('最近购买')})`).innerText();
    expect(Number(/（(\d+) 天前）/.exec(last)?.[1])).toBeLessThanOrEqual(2 * windowDays);
    // Priority: the value (net spend without a prediction) never rises down the page.
    expect(value).toEqual([...value].sort((a, b) => b - a));
    await screenshot(page, 'clerk-due-list');
    await page.close();
  });

  it('manager: the unfinished month of the cohort heatmap is hatched, with a legend and a tooltip', async () => {
    const page = await open('manager@demo.huike');
    await page.goto(`${base}/dashboard/repurchase`);
    await page.waitForSelector('[data-chart="cohorts"] .heatmap');
    const today = new Date();
    const lastDayOfMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 0)).getUTCDate() === today.getUTCDate();
    const partial = page.locator('[data-chart="cohorts"] td[data-partial="true"]');
    if (lastDayOfMonth) {
      await expect(partial.count()).resolves.toBe(0);
    } else {
      // One partial cell per cohort row: the current month.
      await expect(partial.count()).resolves.toBe(12);
      await expect(partial.first().getAttribute('title')).resolves.toContain('本月未结束');
      await expect(page.locator('[data-chart="cohorts"] .heatmap-legend').innerText()).resolves.toContain('斜线格');
      const bg = await partial.first().evaluate((el) => getComputedStyle(el).backgroundImage);
      expect(bg).toContain('repeating-linear-gradient');
      const full = await page.locator('[data-chart="cohorts"] td[data-col="1"]:not([data-partial])').first().evaluate((el) => getComputedStyle(el).backgroundImage);
      expect(full).toBe('none');
    }
    await screenshot(page, 'cohorts-partial');
    await page.close();
  });

  it('predictions: what to act on first, per store; the model details collapsed; English tier labels', async () => {
    const page = await open('manager@demo.huike');
    await page.goto(`${base}/dashboard/predictions`);
    await page.waitForSelector('[data-testid=prediction-stores]');
    const first = await page.locator('.cards.kpis .kpi .label').first().innerText();
    expect(first).toBe('未来 90 天预计复购');
    await expect(page.locator('.kpi', { hasText: '流失风险金额' }).locator('.value').innerText()).resolves.toMatch(/^¥[\d,.]+$/);
    await expect(page.locator('[data-testid=prediction-stores] tbody tr').count()).resolves.toBeGreaterThan(0);
    const details = page.locator('[data-testid=model-details]');
    await expect(details.getAttribute('open')).resolves.toBeNull();
    await expect(page.locator('.model-params').isVisible()).resolves.toBe(false);
    await details.locator('summary').click();
    await expect(page.locator('.model-params').isVisible()).resolves.toBe(true);
    await expect(page.locator('.model-params').innerText()).resolves.toContain('α');
    await screenshot(page, 'predictions-manager');
    await page.click('.sidebar .lang-switch button');
    await page.waitForSelector('.sidebar nav a:has-text("Dashboard")');
    const card = page.locator('[data-chart="value-tiers"]');
    await card.getByRole('button', { name: 'Table' }).click();
    const tiers = await card.locator('.chart-table tbody tr td:first-child').allInnerTexts();
    expect(tiers).toContain('Top 10%');
    expect(tiers).toContain('Bottom 40%');
    expect(tiers.join(' ')).not.toMatch(/[前后]/);
    await page.click('.sidebar .lang-switch button');
    await page.waitForSelector('.sidebar nav a:has-text("数据看板")');
    await page.close();
  });

  it('a one-purchase customer: P(仍活跃) shows "—" with the reason, not 100%', async () => {
    const page = await open('manager@demo.huike');
    // A lapsed one-time buyer: "已流失" next to "P(仍活跃) 100.0%" before.
    await page.goto(`${base}/customers?stage=lapsed&sort=frequency&dir=asc`);
    await Promise.all([page.waitForURL((u) => /^\/customers\/[0-9a-f-]{36}$/.test(u.pathname)), page.locator('.data-table tbody tr td a').first().click()]);
    await expect(page.locator('.metric-grid').innerText()).resolves.toMatch(/购买天数 F\s*1\b/);
    const p = await page.locator('[data-testid=p-alive]').innerText();
    expect(p).toContain('—');
    expect(p).toContain('仅购买一次');
    expect(p).not.toContain('%');
    await screenshot(page, 'profile-one-purchase');
    await page.close();
  });

  it('audit log: a change reads as fields, old → new, not JSON', async () => {
    const page = await open('admin@demo.huike');
    await page.goto(`${base}/settings/stores`);
    await page.fill('form.toolbar.card input[name=code]', 'E2E13');
    await page.fill('form.toolbar.card input[name=name]', '可读审计店');
    await page.click('form.toolbar.card button[type=submit]');
    await page.waitForSelector('text=已保存');
    await page.goto(`${base}/settings/audit`);
    const row = page.locator('tr', { has: page.locator('code', { hasText: 'store.create' }) }).first();
    const change = row.locator('.audit-changes');
    await expect(change.locator('li[data-field=code]').innerText()).resolves.toBe('代码: E2E13');
    await expect(change.locator('li[data-field=name]').innerText()).resolves.toContain('可读审计店');
    expect(await change.innerText()).not.toMatch(/[{}"]/);
    await screenshot(page, 'audit-readable');
    await page.close();
  });

  it('rendered without client errors', () => {
    expect(errors).toEqual([]);
  });
});
