import { describe, expect, inject, it } from 'vitest';
import { gotoRefused, login, screenshot, useBrowser } from '../support/browser';

const base = inject('appUrl');
const browser = useBrowser();

async function navLabels(page: import('playwright-core').Page): Promise<string[]> {
  await page.waitForSelector('.sidebar nav a');
  return (await page.locator('.sidebar nav a').allInnerTexts()).map((s) => s.trim());
}

describe('each demo role signs in and sees the navigation it may use', () => {
  it('ops: everything but admin-only settings tabs', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'ops@demo.huike');
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    expect(await navLabels(page)).toEqual(['数据看板', '客户', '客户标签', '渠道活码', '企微运营', '客户分群', '营销活动', '数据导入', '设置']);
    await screenshot(page, 'ops-dashboard');
    await page.goto(`${base}/settings`);
    const tabs = await page.locator('.tabs a').allInnerTexts();
    expect(tabs).toEqual(['企业信息', '区域与门店']);
    await gotoRefused(page, `${base}/settings/staff`);
    await page.close();
  });

  it('admin: settings with staff, API keys and audit; creates a store and sees it audited', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'admin@demo.huike');
    expect(await navLabels(page)).toContain('设置');
    await page.goto(`${base}/settings/stores`);
    await page.fill('form.toolbar.card input[name=code]', 'E2E01');
    await page.fill('form.toolbar.card input[name=name]', '端到端测试店');
    await page.click('form.toolbar.card button[type=submit]');
    await page.waitForSelector('text=已保存');
    await page.goto(`${base}/settings/stores?q=E2E01`);
    await expect(page.locator('td', { hasText: '端到端测试店' }).count()).resolves.toBe(1);
    await page.goto(`${base}/settings/audit`);
    await expect(page.locator('code', { hasText: 'store.create' }).first().isVisible()).resolves.toBe(true);
    await screenshot(page, 'admin-audit');
    await page.goto(`${base}/settings/staff`);
    await screenshot(page, 'admin-staff');
    await page.close();
  });

  it('manager: dashboard limited to their region', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'manager@demo.huike');
    expect(await navLabels(page)).toEqual(['数据看板', '客户', '客户分群', '营销活动']);
    const storesCard = page.locator('.kpi', { hasText: '门店' }).locator('.value');
    expect(await storesCard.innerText()).toBe('4');
    await screenshot(page, 'manager-dashboard');
    await gotoRefused(page, `${base}/settings`);
    await page.close();
  });

  it('clerk: only their customers', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'clerk@demo.huike');
    // A clerk lands on the phone-first workspace (/m); the desktop list is still there.
    expect(new URL(page.url()).pathname).toBe('/m');
    await page.goto(`${base}/customers`);
    expect(await navLabels(page)).toEqual(['客户']);
    await expect(page.locator('h1').innerText()).resolves.toBe('我的客户');
    await screenshot(page, 'clerk-customers');
    await gotoRefused(page, `${base}/dashboard`);
    await page.close();
  });

  it('English switch and sign-out', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'ops@demo.huike');
    await page.click('.sidebar .lang-switch button');
    await page.waitForSelector('.sidebar nav a:has-text("Dashboard")');
    expect(await navLabels(page)).toEqual(['Dashboard', 'Customers', 'Tags', 'Channel codes', 'WeCom ops', 'Segments', 'Campaigns', 'Imports', 'Settings']);
    await screenshot(page, 'ops-dashboard-en');
    await page.click('text=Sign out');
    await page.waitForURL((u) => u.pathname === '/login');
    const back = await page.goto(`${base}/dashboard`);
    expect(new URL(back!.url()).pathname).toBe('/login');
    await page.close();
  });

  it('platform admin creates a tenant whose admin can sign in', async () => {
    const page = await browser().newPage({ locale: 'zh-CN' });
    await login(page, base, 'root@huike.local');
    expect(new URL(page.url()).pathname).toBe('/platform');
    await page.click('summary:has-text("新建企业")');
    await page.fill('input[name=slug]', 'e2e-chain');
    await page.fill('input[name=name]', 'E2E 连锁');
    await page.fill('input[name=adminEmail]', 'boss@e2e.example');
    await page.fill('input[name=adminPassword]', 'e2e-password-1');
    await page.click('form.stack button[type=submit]');
    await page.waitForSelector('td:has-text("e2e-chain")');
    await screenshot(page, 'platform-tenants');
    const other = await browser().newPage();
    await login(other, base, 'boss@e2e.example', 'e2e-password-1');
    expect(new URL(other.url()).pathname).toBe('/dashboard');
    await expect(other.locator('.sidebar .brand small').innerText()).resolves.toBe('E2E 连锁');
    await other.close();
    await page.close();
  });
});
