import { describe, expect, inject, it } from 'vitest';
import { login, screenshot, until, useBrowser } from '../support/browser';

const base = inject('appUrl');
const browser = useBrowser();

describe('WeCom in the demo (in-process simulator)', () => {
  it('admin: the connection is set up and synced; test connection reads well; a simulated add arrives as a callback and is processed', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'admin@demo.huike');
    await page.goto(`${base}/settings/wecom`);
    expect(await page.locator('[data-testid=callback-url]').innerText()).toMatch(/\/wecom\/callback\/demo$/);
    expect(await page.locator('[data-testid=sync-history] tbody tr').first().innerText()).toContain('完成');
    // The secret is never sent to the page again.
    expect(await page.locator('input[name=secret]').inputValue()).toBe('');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('form:has(input[value=test]) button')]);
    await page.waitForSelector('[data-testid=test-result]');
    expect(await page.locator('[data-testid=test-result]').innerText()).toMatch(/连接成功.*员工 \d+ 人/);
    await page.click('form:has(input[value=customer-adds-via-channel]) button');
    await until(page, async () => {
      await page.goto(`${base}/settings/wecom`);
      const text = await page.locator('table').last().innerText();
      // Processed by re-reading WeCom: the new relation was created and attributed to the code's state (the demo
      // picks one of the active channel codes at random: a store's, or a campaign's such as poster_618).
      return text.includes('add_external_contact') && text.includes('已处理') && /relations \+1 new/.test(text) && /; state [\w-]+/.test(text);
    });
    await screenshot(page, 'wecom-settings');
    await page.close();
  });

  it('ops: channel codes with the customers they acquired, and the tag catalogue with internal tags', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'ops@demo.huike');
    await page.goto(`${base}/channels`);
    const rows = page.locator('.data-table tbody tr');
    expect(await rows.count()).toBeGreaterThan(10);
    // Sorted by customers acquired: the first code brought some.
    expect(Number(await page.locator('[data-testid=acquired]').first().getAttribute('data-value'))).toBeGreaterThan(0);
    // The whole table fits a 1280 px screen: no sideways scrolling to see when and by whom a code was created.
    expect(page.viewportSize()?.width).toBe(1280);
    const overflow = await page.locator('.data-table').first().evaluate((el) => el.querySelector('table')!.scrollWidth - el.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'wecom-channels');
    await page.goto(`${base}/tags`);
    const groups = await page.locator('[data-testid=tag-group]').allInnerTexts();
    expect(groups.some((g) => g.includes('回客内部'))).toBe(true);
    expect(groups.some((g) => g.includes('客户等级'))).toBe(true);
    await screenshot(page, 'wecom-tags');
    await page.close();
  });

  it('clerk: sees only the customers they serve, with tags and how they came; adds a tag that is written back to WeCom', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'clerk@demo.huike');
    await page.goto(`${base}/customers`);
    await page.waitForSelector('.data-table tbody tr a');
    await page.locator('.data-table tbody tr a').first().click();
    await page.waitForSelector('[data-testid=customer-wecom]');
    const relations = await page.locator('[data-testid=wecom-relation]').allInnerTexts();
    expect(relations.some((r) => r.includes('我') || r.includes('me'))).toBe(true);
    const select = page.locator('[data-testid=customer-tags] select[name=tagId]');
    // A WeCom corp tag (internal tags apply at once and are never written back).
    const value = await select.locator('optgroup:not([label^="（内部）"]) option').first().getAttribute('value');
    await select.selectOption(value!);
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('[data-testid=customer-tags] button[value=add]')]);
    expect(res.status()).toBe(200);
    await until(page, async () => {
      await page.reload();
      const t = await page.locator('[data-testid=tag-changes]').innerText().catch(() => '');
        return t.includes('已同步');
    });
    await screenshot(page, 'wecom-customer-profile');
    await page.close();
  });
});
