/**
 * A 1:1 campaign task in the clerk's 今日 at 390×844 (issue 16): the demo's running 1:1 follow-up (server/demo/
 * campaigns.ts) put a personalised script for a few of the demo clerk's customers in their 今日. The clerk reads the
 * script (the customer's name, their last item and the clerk's own name filled in), copies it, marks it 已发送; the
 * task leaves 今日 and stays gone after a reload, and the customer's card shows the campaign as received. In the
 * WeCom sidebar (through the harness that stands in for the WeCom client), the same kind of task goes into the chat
 * as the script followed by its link card, is recorded as sent and leaves 今日.
 */
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { login, screenshot, until, useBrowser } from '../support/browser';

const base = inject('appUrl');
const PHONE = { viewport: { width: 390, height: 844 }, locale: 'zh-CN', deviceScaleFactor: 1 };
const CAMPAIGN = '老客 1 对 1 回访';
const browser = useBrowser();

/** The card's line for the demo's 1:1 campaign (date · name · received or not). */
async function campaignLine(page: Page, customerId: string): Promise<string> {
  await page.goto(`${base}/m/customers/${customerId}`);
  await page.waitForSelector('[data-testid=card-campaigns]');
  return page.locator('[data-testid=card-campaigns] li', { hasText: CAMPAIGN }).innerText();
}

describe('a 1:1 campaign task in 今日', () => {
  it('shows the personalised script, copies it, and 已发送 closes the task for good and counts the customer as reached', async () => {
    const ctx = await browser().newContext(PHONE);
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await ctx.newPage();
    await login(page, base, 'clerk@demo.huike');
    expect(new URL(page.url()).pathname).toBe('/m');
    const clerk = (await page.locator('.m-head h1').innerText()).split('·').pop()!.trim();

    const task = page.locator('[data-testid=task][data-kind=campaign]').first();
    await task.waitFor();
    // What the clerk sees: the kind, the customer, the script with every variable filled in, 复制话术 and 已发送.
    expect(await task.locator('.badge').first().innerText()).toBe('活动任务');
    const customer = (await task.locator('strong').first().innerText()).trim();
    expect(customer).not.toBe('');
    const script = await task.locator('[data-testid=task-script]').innerText();
    expect(script).toContain(`的${clerk}。`);
    expect(script).toContain('到新货了，这周来店给您留一份？');
    expect(script).not.toMatch(/[{}]/);
    expect(await task.locator('button[value=done]').innerText()).toBe('已发送');
    // The campaign's link goes with the script (the sidebar sends it as a card; on the phone it is listed to open).
    expect(await task.locator('[data-testid=task-attachments]').innerText()).toContain('链接：本周新品到店');
    const href = (await task.locator('[data-testid=task-open]').getAttribute('href'))!;
    const customerId = href.split('/').pop()!;
    await screenshot(page, 'clerk-m-campaign-task');

    // Before sending, the customer's card lists the campaign as not received yet.
    expect(await campaignLine(page, customerId)).toContain('未送达');
    await page.goto(`${base}/m`);
    const mine = page.locator(`[data-testid=task][data-kind=campaign]:has([data-testid=task-open][href="${href}"])`);
    await mine.waitFor();

    // 复制话术: the script is on the clipboard and the button says so.
    await mine.locator('[data-testid=campaign-script] button').click();
    await until(page, async () => (await mine.locator('[data-testid=campaign-script] button').innerText()) === '已复制，去聊天里粘贴发送');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(script);

    // 已发送: the task leaves the list and the tab's count drops by one.
    const count = Number(await page.locator('[data-testid=tab-count]').innerText());
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/m'), mine.locator('button[value=done]').click()]);
    await until(page, async () => (await mine.count()) === 0 && Number(await page.locator('[data-testid=tab-count]').innerText()) === count - 1);

    // It stays closed: a fresh 今日 no longer has it, and the card shows the campaign received.
    await page.goto(`${base}/m`);
    await page.waitForSelector('[data-testid=today-counts]');
    expect(await mine.count()).toBe(0);
    expect(await page.locator('[data-testid=tab-count]').innerText()).toBe(String(count - 1));
    expect(await campaignLine(page, customerId)).toContain('已收到');
    await screenshot(page, 'clerk-m-campaign-received');
    await ctx.close();
  });
});

describe('a 1:1 campaign task in the WeCom sidebar', () => {
  it('puts the script and its link card into the chat, records the touch and closes the task', async () => {
    const ctx = await browser().newContext(PHONE);
    const page = await ctx.newPage();
    await login(page, base, 'clerk@demo.huike');
    await page.locator('[data-testid=task][data-kind=campaign]').first().waitFor();
    // The clerk's open 1:1 tasks, last first (the phone test above takes the first one): customer name → card link.
    const tasks = page.locator('[data-testid=task][data-kind=campaign]');
    const open: { name: string; href: string }[] = [];
    for (let i = (await tasks.count()) - 1; i >= 0; i--) {
      open.push({ name: (await tasks.nth(i).locator('strong').first().innerText()).trim(), href: (await tasks.nth(i).locator('[data-testid=task-open]').getAttribute('href'))! });
    }
    const harness = await ctx.newPage();
    await harness.goto(`${base}/wecom/harness?t=demo`);
    const contacts = await harness.locator('[data-testid=harness-contact] option').evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, name: o.textContent?.trim() ?? '' })));
    // Names can repeat among a clerk's contacts: a candidate is the task's customer when the sidebar opens on them.
    let found: { task: { name: string; href: string }; side: Page } | null = null;
    for (const task of open) {
      for (const c of contacts.filter((x) => x.name === task.name)) {
        await harness.selectOption('[data-testid=harness-contact]', c.value);
        const [side] = await Promise.all([ctx.waitForEvent('page'), harness.click('[data-testid=harness-open]')]);
        await side.waitForSelector('[data-testid=customer-card]', { timeout: 30_000 });
        if (new URL(side.url()).pathname === `/wecom/sidebar/customers/${task.href.split('/').pop()}`) {
          found = { task, side };
          break;
        }
        await side.close();
      }
      if (found) break;
    }
    expect(found, `a 1:1 task's customer among the harness's contacts (${open.map((t) => t.name).join(', ')})`).not.toBeNull();
    const { task, side } = found!;
    await side.waitForSelector('[data-testid=sidebar-campaign-scripts]');
    const item = side.locator('[data-testid=sidebar-campaign-scripts] [data-testid=campaign-script]').first();
    expect(await item.locator('[data-testid=campaign-script-attachments]').innerText()).toBe('另有 1 个附件，一并发送');
    const script = (await item.locator('p').innerText()).trim();
    expect(script).toContain('到新货了，这周来店给您留一份？');
    expect(script).not.toMatch(/[{}]/);
    await item.locator('button').click();
    // The task is closed by the touch, yet its item stays with what to do next (tap send in the chat) and cannot be
    // sent twice.
    await until(side, async () => (await item.getAttribute('data-sent')) === 'true');
    expect(await item.locator('[data-testid=campaign-script-note]').innerText()).toBe('已放入聊天，点发送即可');
    expect(await item.locator('button').isDisabled()).toBe(true);
    expect(await item.locator('button').innerText()).toBe('已发送到聊天');
    // 已发送 lists it by its opening words (the touch is recorded, read back after revalidation).
    await until(side, async () => (await side.locator('[data-testid=touches]').innerText()).includes(`消息：${script.slice(0, 24)}…`));
    await screenshot(side, 'sidebar-campaign-task');

    // The chat got two messages, in order: the filled script as text, then the link as a card.
    await harness.bringToFront();
    const messages = harness.locator('[data-testid=harness-message]');
    await until(harness, async () => (await messages.count()) === 2);
    expect(await messages.nth(0).getAttribute('data-msgtype')).toBe('text');
    expect((await messages.nth(0).innerText()).trim()).toBe(script);
    expect(await messages.nth(1).getAttribute('data-msgtype')).toBe('news');
    expect(await messages.nth(1).innerText()).toBe('本周新品到店 https://example.com/new-arrivals');
    await screenshot(harness, 'sidebar-campaign-task-harness');

    // Recorded: the task is no longer in the clerk's 今日, and the customer's card shows the campaign received.
    await page.bringToFront();
    await page.goto(`${base}/m`);
    await page.waitForSelector('[data-testid=today-counts]');
    expect(await page.locator(`[data-testid=task][data-kind=campaign]:has([data-testid=task-open][href="${task.href}"])`).count()).toBe(0);
    expect(await campaignLine(page, task.href.split('/').pop()!)).toContain('已收到');
    await ctx.close();
  });
});
