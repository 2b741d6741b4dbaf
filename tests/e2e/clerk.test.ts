/**
 * The clerk's workspace at 390×844 (a phone) and the WeCom sidebar through the harness that stands in for the
 * WeCom client; then the manager's execution view shows the clerk's follow-up.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { login, screenshot, until, useBrowser } from '../support/browser';

const base = inject('appUrl');
const PHONE = { viewport: { width: 390, height: 844 }, locale: 'zh-CN', deviceScaleFactor: 1 };
const browser = useBrowser();
const errors: string[] = [];
const NOTE = `e2e 跟进：客户说周末到店 ${Date.now()}`;
let clerkName = '';

function watch(ctx: BrowserContext): void {
  ctx.on('page', (p) => p.on('pageerror', (e) => errors.push(`${p.url()}: ${e.message}`)));
}

/** No sideways scrolling, and every visible control is at least 44 px each way (radios count by their label). */
async function assertPhoneFriendly(page: Page): Promise<void> {
  const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('a, button, select, textarea, summary, input:not([type=hidden]):not([type=radio]), .m-fieldset label')]
      .filter((e) => !e.closest('.lang-switch, .m-head'))
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0 && (r.height < 44 || r.width < 44))
      .map(({ e, r }) => `${e.tagName} ${Math.round(r.width)}×${Math.round(r.height)} ${(e.textContent ?? '').trim().slice(0, 20)}`),
  );
  expect(small).toEqual([]);
}

describe('the clerk on a phone', () => {
  it('lands on 今日, closes a task, opens a card, logs a follow-up and toggles a tag written back to WeCom', async () => {
    const ctx = await browser().newContext(PHONE);
    watch(ctx);
    const page = await ctx.newPage();
    await login(page, base, 'clerk@demo.huike');
    expect(new URL(page.url()).pathname).toBe('/m');
    clerkName = (await page.locator('.m-head h1').innerText()).split('·').pop()!.trim();
    const count = Number(await page.locator('[data-testid=tab-count]').innerText());
    expect(count).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=task]').count()).toBeGreaterThan(0);
    await assertPhoneFriendly(page);
    await screenshot(page, 'clerk-m-today');

    // Done: the task leaves the list and the tab's count drops by one.
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/m')), page.locator('[data-testid=task] button[value=done]').first().click()]);
    await until(page, async () => Number(await page.locator('[data-testid=tab-count]').innerText()) === count - 1);

    // The card of the first task's customer.
    await page.locator('[data-testid=task-open]').first().click();
    await page.waitForSelector('[data-testid=customer-card]');
    expect(await page.locator('[data-testid=card-summary]').innerText()).toMatch(/累计 \d+ 单 ¥[\d,]+|还没有购买记录/);
    await assertPhoneFriendly(page);
    await screenshot(page, 'clerk-m-card');
    const cardUrl = page.url();

    // A follow-up record.
    await page.locator('[data-testid=follow-up-form] input[value=call]').check();
    await page.fill('[data-testid=follow-up-form] textarea[name=note]', NOTE);
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('[data-testid=follow-up-form] button[type=submit]')]);
    await until(page, async () => (await page.locator('[data-testid=follow-ups]').innerText()).includes(NOTE));
    expect(await page.locator('[data-testid=follow-ups] li').first().innerText()).toContain('电话');

    // A WeCom tag toggled on: syncing, then synced by the write-back job.
    await page.click('[data-testid=add-tags]');
    const option = page.locator('[data-testid=tag-toggle][data-kind=wecom][aria-pressed=false]').first();
    const tagName = (await option.getAttribute('data-name'))!;
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), option.click()]);
    const chip = page.locator(`[data-testid=card-tags] .m-chips > form [data-testid=tag-toggle][data-name="${tagName}"]`).first();
    await until(page, async () => (await chip.count()) > 0 && (await chip.getAttribute('aria-pressed')) === 'true');
    await until(page, async () => {
      await page.goto(cardUrl);
      return (await chip.getAttribute('data-state')) === 'synced';
    });
    expect(await chip.innerText()).toContain('已同步');
    await screenshot(page, 'clerk-m-card-tag-synced');

    // My customers and scripts.
    await page.goto(`${base}/m/customers?due=1`);
    expect(await page.locator('[data-testid=customer-row]').count()).toBeGreaterThan(0);
    await assertPhoneFriendly(page);
    await screenshot(page, 'clerk-m-customers');
    await page.goto(`${base}/m/scripts`);
    expect(await page.locator('[data-testid=script]').count()).toBeGreaterThan(0);
    // Without a customer, the clerk's own name fills {导购} and customer variables fall back: ready to copy.
    const library = await page.locator('[data-testid=script-list]').innerText();
    expect(library).not.toMatch(/[{}]/);
    expect(library).toContain(clerkName);
    await assertPhoneFriendly(page);
    await screenshot(page, 'clerk-m-scripts');
    await ctx.close();
  });
});

describe('the WeCom sidebar through the harness', () => {
  it('signs in by OAuth, opens the chat customer, puts a script into the chat and records the touch', async () => {
    const ctx = await browser().newContext(PHONE);
    watch(ctx);
    const harness = await ctx.newPage();
    await harness.goto(`${base}/wecom/harness?t=demo`);
    expect(await harness.locator('[data-testid=harness-user] option').first().innerText()).toContain('clerk@demo.huike');
    const [side] = await Promise.all([ctx.waitForEvent('page'), harness.click('[data-testid=harness-open]')]);
    await side.waitForSelector('[data-testid=customer-card]', { timeout: 30_000 });
    expect(new URL(side.url()).pathname).toMatch(/^\/wecom\/sidebar\/customers\//);
    expect(await side.locator('[data-testid=sidebar]').getAttribute('data-sdk-status')).toBe('ready');
    const script = side.locator('[data-testid=sidebar-scripts] [data-testid=script]').first();
    const text = await script.locator('[data-testid=script-text]').innerText();
    expect(text).not.toMatch(/[{}]/);
    const title = await script.locator('strong').first().innerText();
    expect(await side.locator('[data-testid=touches]').innerText()).toContain('还没有');
    await script.locator('[data-testid=script-send]').click();
    await until(side, async () => (await script.locator('[data-testid=script-note]').count()) > 0);
    expect(await script.locator('[data-testid=script-note]').innerText()).toContain('已放入聊天');
    // The touch is recorded: the sidebar lists it under 已发送 (from the database, after revalidation).
    await until(side, async () => (await side.locator('[data-testid=touches]').innerText()).includes(title));
    await assertPhoneFriendly(side);
    await screenshot(side, 'sidebar-customer');
    await harness.bringToFront();
    await until(harness, async () => (await harness.locator('[data-testid=harness-message]').count()) > 0);
    expect(await harness.locator('[data-testid=harness-message]').first().innerText()).toBe(text);
    await screenshot(harness, 'sidebar-harness');
    await ctx.close();
  });
});

describe('the manager sees execution', () => {
  it("the clerk's follow-up is counted in the execution view", async () => {
    const ctx = await browser().newContext({ locale: 'zh-CN', viewport: { width: 1360, height: 900 } });
    watch(ctx);
    const page = await ctx.newPage();
    await login(page, base, 'manager@demo.huike');
    await page.goto(`${base}/dashboard/execution?sort=follow_ups&dir=desc`);
    const row = page.locator('[data-testid=execution-row]').first();
    expect(await row.locator('td').first().innerText()).toBe(clerkName);
    expect(Number(await row.locator('[data-testid=follow-ups-count]').innerText())).toBeGreaterThanOrEqual(1);
    await page.waitForSelector('[data-chart="execution-chart"] svg.recharts-surface', { timeout: 15_000 });
    await screenshot(page, 'manager-execution');
    await ctx.close();
  });

  it('the admin is told the trusted domain and the toolbar URL to configure', async () => {
    const ctx = await browser().newContext({ locale: 'zh-CN', viewport: { width: 1360, height: 900 } });
    watch(ctx);
    const page = await ctx.newPage();
    await login(page, base, 'admin@demo.huike');
    await page.goto(`${base}/settings/wecom`);
    expect(await page.locator('[data-testid=trusted-domain]').innerText()).toBe(new URL(base).host);
    expect(await page.locator('[data-testid=toolbar-url]').innerText()).toBe(`${base}/wecom/sidebar?t=demo`);
    await ctx.close();
  });

  it('rendered without client errors', () => {
    expect(errors).toEqual([]);
  });
});
