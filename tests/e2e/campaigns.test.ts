/**
 * Campaigns in the browser (issue #15): the demo's past campaigns in the list and on the calendar, a run's live
 * page with its progress per store and clerk, and the report showing the uplift over the holdout; then ops build a
 * campaign from a segment, read the dry run and schedule it, an admin approves it, and its run and report pages
 * follow. Screenshots in tests/e2e/screenshots/campaign-*.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { login, screenshot, until, useBrowser } from '../support/browser';

const base = inject('appUrl');
const browser = useBrowser();

async function signedIn(who: string): Promise<Page> {
  const page = await browser().newPage({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
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

  it('ops build a campaign, edit the draft, read the dry run and schedule it; with approval on, an admin approves; the run shows progress and the report its figures', async () => {
    // The admin switches approval on (Settings → 营销活动).
    const admin = await signedIn('admin@demo.huike');
    const setApproval = async (on: boolean) => {
      await admin.goto(`${base}/settings/campaigns`);
      await admin.waitForSelector('[data-testid=campaign-settings]');
      await admin.setChecked('[data-testid=approval-required]', on);
      await admin.click('[data-testid=save-campaign-settings]');
      await admin.waitForSelector('[data-testid=campaign-settings] .alert.ok');
    };
    await setApproval(true);
    try {
      // Ops build the campaign from the demo's segment; an urgent message, so the run does not wait for quiet hours.
      const ops = await signedIn('ops@demo.huike');
      await ops.goto(`${base}/campaigns/new`);
      await ops.waitForSelector('[data-testid=campaign-editor]');
      await ops.fill('[data-testid=campaign-name-input]', 'E2E 新品到店');
      const segment = await ops.locator('[data-testid=segment-select] option', { hasText: '企业微信好友' }).first().getAttribute('value');
      await ops.selectOption('[data-testid=segment-select]', segment!);
      await ops.setChecked('input[name=quiet_hours_off]', true);
      await expect(ops.locator('[data-testid=wecom-preview]').first().innerText()).resolves.toContain('本周会员日');
      // A bad attachment line is named as it is typed, and save waits until it is fixed.
      await ops.fill('[data-testid=campaign-attachments]', '会员日 | 不是链接');
      await ops.waitForSelector('[data-testid="issues-content.attachments"]:has-text("链接地址无效")');
      expect(await ops.locator('[data-testid=save-campaign]').isDisabled()).toBe(true);
      await ops.fill('[data-testid=campaign-attachments]', '');
      await ops.waitForSelector('[data-testid="issues-content.attachments"]', { state: 'detached' });
      await Promise.all([ops.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/), ops.click('[data-testid=save-campaign]')]);
      await ops.waitForSelector('[data-testid=campaign-name]:has-text("E2E 新品到店")');
      const campaignUrl = ops.url();

      // A draft is edited with the same editor: renamed, and sent to the clerks' customer group chats too.
      await ops.click('[data-testid=edit-link]');
      await ops.waitForURL(/\/edit$/);
      await ops.waitForSelector('[data-testid=campaign-editor]');
      await expect(ops.inputValue('[data-testid=campaign-name-input]')).resolves.toBe('E2E 新品到店');
      await expect(ops.isChecked('input[name=quiet_hours_off]')).resolves.toBe(true);
      await ops.fill('[data-testid=campaign-name-input]', 'E2E 新品到店（含客户群）');
      await ops.check('[data-testid=target-groups]');
      await Promise.all([ops.waitForURL(campaignUrl), ops.click('[data-testid=save-campaign]')]);
      await ops.waitForSelector('[data-testid=campaign-name]:has-text("E2E 新品到店（含客户群）")');

      // The dry run: recipients per store, the group chats, exclusions by reason.
      await ops.click('[data-testid=dry-run]');
      await ops.waitForSelector('[data-testid=dry-run-result]');
      await expect(ops.locator('[data-testid=dry-run-stores] tbody tr').count()).resolves.toBeGreaterThan(0);
      await expect(ops.locator('[data-testid=dry-run-exclusions] li').count()).resolves.toBeGreaterThan(0);
      await expect(ops.locator('[data-testid=dry-run-groups]').innerText()).resolves.toMatch(/另发往导购的 [\d,]+ 个客户群/);
      await screenshot(ops, 'campaign-new-dry-run');

      // Scheduling waits for an admin: ops cannot approve.
      await ops.click('[data-testid=schedule]');
      await ops.waitForSelector('.campaign-head .badge[data-status=pending_approval]');
      await expect(ops.locator('[data-testid=approve]').count()).resolves.toBe(0);

      // The admin approves.
      await admin.goto(campaignUrl);
      await admin.waitForSelector('.campaign-head .badge[data-status=pending_approval]');
      await admin.click('[data-testid=approve]');
      await admin.waitForSelector('.campaign-head .badge[data-status=scheduled], .campaign-head .badge[data-status=running]');

      // The tick creates the run and the worker sends it: the run page shows the tasks created and their progress.
      await until(ops, async () => {
        await ops.goto(campaignUrl);
        await ops.waitForSelector('[data-testid=campaign-name]');
        return (await ops.locator('[data-testid=runs-table] tbody tr').count()) > 0;
      }, 90_000);
      await ops.locator('[data-testid=runs-table] tbody tr a').first().click();
      await ops.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
      const runUrl = ops.url();
      let created = 0;
      // Until every task is created (the run is 'sent'); the clerks confirm them later.
      await until(ops, async () => {
        await ops.goto(runUrl);
        const tasks = await ops.locator('[data-testid=progress-tasks] .num').innerText();
        created = num(tasks.split('/')[1]!.split('(')[0]!);
        return (await ops.locator('.campaign-head .badge[data-status=sent], .campaign-head .badge[data-status=done]').count()) > 0;
      }, 90_000);
      expect(created).toBeGreaterThan(0);
      await expect(ops.locator('[data-testid=run-clerks] tbody tr').count()).resolves.toBeGreaterThan(0);
      await expect(ops.locator('[data-testid=progress-reached]').isVisible()).resolves.toBe(true);
      await screenshot(ops, 'campaign-new-run');

      // The run's report: its audience and holdout, the tasks created.
      await ops.click('text=本批报告');
      await ops.waitForURL(/\/report\?run=/);
      await ops.waitForSelector('[data-testid=report-kpis]');
      const [audience, holdout] = (await ops.locator('[data-testid=kpi-audience] .value').innerText()).split('/').map(num) as [number, number];
      expect(audience).toBeGreaterThan(0);
      expect(holdout).toBeGreaterThan(0);
      await expect(ops.locator('[data-testid=kpi-reached] .hint').innerText()).resolves.toContain(`/ ${created}`);
      await screenshot(ops, 'campaign-new-report');
      await ops.close();
    } finally {
      await setApproval(false);
      await admin.close();
    }
  }, 300_000);
});
