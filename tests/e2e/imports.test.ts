/**
 * The order import, in a real browser, as an operations person: upload a GBK CSV with a few bad rows, preview,
 * accept the guessed mapping and save it as a preset, start, watch the progress page reach done, download the
 * error report, re-import with the preset (nothing changes); a manager may not open imports.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gotoRefused, launch, login, screenshot } from '../support/browser';

const base = inject('appUrl');
let browser: Browser;
const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-e2e-import-'));
const tag = Date.now().toString(36).toUpperCase();

// 7 item lines of 4 good orders (2 new customers by member number, 1 mobile-only and 1 anonymous order), 3 bad rows.
const header = ['订单号', '支付时间', '门店编码', '门店名称', '导购', '会员号', '手机号', '商品编码', '商品名称', '数量', '单价'];
const rows = [
  [`E2E${tag}-1`, '2025-03-01 10:12:00', 'S001', '杭州西湖体验店', '', '7700001', '', 'SKU1', '玫瑰精油', '1', '88.00'],
  [`E2E${tag}-1`, '2025-03-01 10:12:00', 'S001', '杭州西湖体验店', '', '7700001', '', 'SKU2', '护手霜', '2', '19.90'],
  [`E2E${tag}-2`, '2025-03-02 15:00:00', 'S001', '杭州西湖体验店', '', '', '138 0013 8000', 'SKU3', '香薰蜡烛', '1', '59.00'],
  [`E2E${tag}-3`, '2025-03-03 11:30:00', 'S002', '苏州观前街店', '', '7700002', '', 'SKU1', '玫瑰精油', '1', '88.00'],
  [`E2E${tag}-3`, '2025-03-03 11:30:00', 'S002', '苏州观前街店', '', '7700002', '', 'SKU4', '洗发水', '1', '45.50'],
  [`E2E${tag}-4`, '2025-03-04 18:45:00', 'S002', '苏州观前街店', '', '', '', 'SKU2', '护手霜', '3', '19.90'],
  [`E2E${tag}-4`, '2025-03-04 18:45:00', 'S002', '苏州观前街店', '', '', '', 'SKU3', '香薰蜡烛', '1', '59.00'],
  // bad rows: an impossible date, a quantity that is not a number, a mobile that is not one
  [`E2E${tag}-5`, '2025-02-30 10:00:00', 'S001', '杭州西湖体验店', '', '7700003', '', 'SKU1', '玫瑰精油', '1', '88.00'],
  [`E2E${tag}-6`, '2025-03-05 10:00:00', 'S001', '杭州西湖体验店', '', '7700004', '', 'SKU1', '玫瑰精油', '两个', '88.00'],
  [`E2E${tag}-7`, '2025-03-05 12:00:00', 'S002', '苏州观前街店', '', '', '1234', 'SKU1', '玫瑰精油', '1', '88.00'],
];
const csv = [header, ...rows].map((r) => r.join(',')).join('\r\n') + '\r\n';
const file = path.join(dir, `门店订单-${tag}.csv`);
writeFileSync(file, iconv.encode(csv, 'gbk'));

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function upload(page: Page): Promise<string> {
  await page.goto(`${base}/imports`);
  await page.click('a:has-text("导入订单")');
  await page.waitForURL((u) => u.pathname === '/imports/new');
  await page.setInputFiles('input[type=file]', file);
  await Promise.all([page.waitForURL((u) => u.searchParams.has('id'), { timeout: 30_000 }), page.click('button:has-text("上传并预览")')]);
  return new URL(page.url()).searchParams.get('id')!;
}

async function waitDone(page: Page): Promise<void> {
  await page.waitForSelector('.badge:has-text("已完成")', { timeout: 60_000 });
}

async function kpi(page: Page, label: string): Promise<string> {
  return (await page.locator('.kpi', { has: page.locator('.label', { hasText: label }) }).first().locator('.value').innerText()).trim();
}

describe('order import in the browser', () => {
  it('ops uploads a GBK file, maps, saves a preset, imports, downloads the error report and re-imports', async () => {
    const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    await login(page, base, 'ops@demo.huike');
    await page.click('.sidebar nav a:has-text("数据导入")');
    await page.waitForURL((u) => u.pathname === '/imports');
    await screenshot(page, 'imports-history');

    const id = await upload(page);
    await page.waitForSelector('select[name=col_order_no]');
    await screenshot(page, 'imports-preview-mapping');
    // preview: the GBK store names are decoded, the encoding is named, the mapping is guessed
    await expect(page.locator('text=GBK/GB18030').first().isVisible()).resolves.toBe(true);
    await expect(page.locator('td', { hasText: '杭州西湖体验店' }).count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('select[name=col_order_no]').inputValue()).resolves.toBe('订单号');
    await expect(page.locator('select[name=col_paid_at]').inputValue()).resolves.toBe('支付时间');
    await expect(page.locator('select[name=col_store_name]').inputValue()).resolves.toBe('门店名称');
    await expect(page.locator('select[name=col_mobile]').inputValue()).resolves.toBe('手机号');
    await page.fill('input[name=savePreset]', `门店POS-${tag}`);
    await screenshot(page, 'imports-preview-mapping');
    await Promise.all([page.waitForURL((u) => u.pathname === `/imports/${id}`), page.click('button[name=intent][value=start]')]);
    await waitDone(page);
    await screenshot(page, 'imports-progress-done');
    expect(await kpi(page, '已读取行数')).toBe('10');
    expect(await kpi(page, '拒绝行数')).toBe('3');
    expect(await kpi(page, '新建订单')).toBe('4');
    expect(await kpi(page, '新建客户')).toBe('2'); // by member number (the default); the mobile-only order stays anonymous
    await expect(page.locator('.progress[role=progressbar]').getAttribute('aria-valuenow')).resolves.toBe('100');

    // the error report: line numbers, reasons and the original row
    const link = page.locator('a:has-text("下载错误报告")');
    const href = await link.getAttribute('href');
    const res = await page.request.get(`${base}${href}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('text/csv');
    const report = (await res.text()).replace(/^\ufeff/, '').trim().split(/\r?\n/);
    expect(report[0]).toContain('行号 line');
    expect(report.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['9,支付时间,invalid_paid_at', '10,数量,invalid_quantity', '11,手机号,invalid_mobile']);
    expect(report[1]).toContain(`E2E${tag}-5`);
    expect(report[1]).toContain('杭州西湖体验店');

    // history lists it with its counts
    await page.goto(`${base}/imports`);
    await expect(page.locator('tr', { hasText: `门店订单-${tag}.csv` }).first().locator('.badge').innerText()).resolves.toBe('已完成');

    // re-import the same file with the saved preset: nothing changes
    const id2 = await upload(page);
    expect(id2).not.toBe(id);
    await page.selectOption('select[name=preset]', `门店POS-${tag}`);
    await Promise.all([page.waitForURL((u) => u.searchParams.get('preset') === `门店POS-${tag}`), page.click('button:has-text("应用")')]);
    await Promise.all([page.waitForURL((u) => u.pathname === `/imports/${id2}`), page.click('button[name=intent][value=start]')]);
    await waitDone(page);
    expect(await kpi(page, '新建订单')).toBe('0');
    expect(await kpi(page, '更新订单')).toBe('0');
    expect(await kpi(page, '未变化订单')).toBe('4');
    expect(await kpi(page, '新建客户')).toBe('0');
    // the file was not read again: the result names the earlier import it is taken from
    await expect(page.locator('[data-testid=identical-to] a').getAttribute('href')).resolves.toBe(`/imports/${id}`);
    await screenshot(page, 'imports-reimport-unchanged');

    // English
    await page.click('.sidebar .lang-switch button');
    await page.waitForSelector('text=Orders unchanged');
    await screenshot(page, 'imports-progress-en');
    await page.close();
  });

  it('a manager may not open imports', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await login(page, base, 'manager@demo.huike');
    await gotoRefused(page, `${base}/imports`);
    await gotoRefused(page, `${base}/imports/new`);
    await page.close();
  });
});
