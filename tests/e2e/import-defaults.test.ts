/**
 * Imports that don't surprise, in a real browser as an operations person: a store code typo is rejected (not
 * silently created) and the result page shows the rejected row with its reason; re-importing with "create unknown
 * stores" chosen creates it and the result page names it. The mapping step has the field guide and the template;
 * a draft left at the mapping step is deleted from the history; the history filters by status.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, login, screenshot } from '../support/browser';

const base = inject('appUrl');
let browser: Browser;
const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-e2e-import-defaults-'));
const tag = Date.now().toString(36).toUpperCase();
const typo = `S9${tag}`;

const csv =
  [
    ['订单号', '支付时间', '门店编码', '门店名称', '金额'],
    [`DEF${tag}-1`, '2025-04-01 10:00:00', 'S001', '', '58.00'],
    [`DEF${tag}-2`, '2025-04-01 11:00:00', typo, '打错编码的门店', '99.00'],
  ]
    .map((r) => r.join(','))
    .join('\r\n') + '\r\n';
const file = path.join(dir, `门店编码-${tag}.csv`);
writeFileSync(file, csv);

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function upload(page: Page): Promise<string> {
  await page.goto(`${base}/imports/new`);
  await page.setInputFiles('input[type=file]', file);
  await Promise.all([page.waitForURL((u) => u.searchParams.has('id'), { timeout: 30_000 }), page.click('button:has-text("上传并预览")')]);
  await page.waitForSelector('select[name=col_order_no]');
  return new URL(page.url()).searchParams.get('id')!;
}

async function start(page: Page, id: string): Promise<void> {
  await Promise.all([page.waitForURL((u) => u.pathname === `/imports/${id}`), page.click('button[name=intent][value=start]')]);
  await page.waitForSelector('.badge:has-text("已完成")', { timeout: 60_000 });
}

const kpi = async (page: Page, label: string) => (await page.locator('.kpi', { has: page.locator('.label', { hasText: label }) }).first().locator('.value').innerText()).trim();

describe('import defaults in the browser', () => {
  it('rejects an unknown store code with its reason on the result page; creating it is a choice the result names', async () => {
    const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    await login(page, base, 'ops@demo.huike');

    const id = await upload(page);
    // the default is to reject unknown stores and clerks
    await expect(page.locator('select[name=unknownStores]').inputValue()).resolves.toBe('reject');
    await expect(page.locator('select[name=unknownClerks]').inputValue()).resolves.toBe('reject');
    // the field guide sits next to the mapping, with the template to download
    const guide = page.locator('details.field-guide');
    await expect(guide.locator('tr[data-field=store_code]').innerText()).resolves.toContain('门店编码');
    await expect(guide.locator('tr[data-field=paid_at]').innerText()).resolves.toContain('必填');
    const tpl = await page.request.get(`${base}${await guide.locator('a:has-text("下载模板")').getAttribute('href')}`);
    expect(tpl.status()).toBe(200);
    expect(tpl.headers()['content-type']).toContain('text/csv');
    const tplText = await tpl.text();
    expect(tplText.charCodeAt(0)).toBe(0xfeff);
    expect(tplText.slice(1).split('\r\n')[0]).toMatch(/^订单号,支付时间,金额,数量,单价,/);
    await screenshot(page, 'imports-mapping-guide');

    await start(page, id);
    expect(await kpi(page, '新建订单')).toBe('1');
    expect(await kpi(page, '拒绝行数')).toBe('1');
    expect(await kpi(page, '新建门店 / 导购')).toBe('0 / 0');
    // the rejected row, its line and its reason, under the file's own columns
    const rejected = page.locator('table[aria-label="被拒绝的行"]');
    await expect(rejected.locator('thead').innerText()).resolves.toContain('门店编码');
    const line3 = rejected.locator('tr[data-line="3"]');
    await expect(line3.innerText()).resolves.toContain('门店不存在');
    await expect(line3.innerText()).resolves.toContain(typo);
    await expect(page.locator('[data-testid=created-entities]').count()).resolves.toBe(0);
    await screenshot(page, 'imports-result-rejected-store');

    // the same file again, choosing to create unknown stores
    const id2 = await upload(page);
    await page.selectOption('select[name=unknownStores]', 'create');
    await start(page, id2);
    expect(await kpi(page, '新建订单')).toBe('1');
    expect(await kpi(page, '未变化订单')).toBe('1');
    expect(await kpi(page, '拒绝行数')).toBe('0');
    await expect(page.locator('[data-testid=created-entities]').innerText()).resolves.toContain(typo);
    await expect(page.locator('table[aria-label="被拒绝的行"]').count()).resolves.toBe(0);
    await screenshot(page, 'imports-result-created-store');
    await page.close();
  });

  it('a draft left at the mapping step is deleted from the history; the history filters by status', async () => {
    const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    await login(page, base, 'ops@demo.huike');
    const id = await upload(page);

    // abandoned: the history, filtered to drafts, lists it with a delete button
    await page.goto(`${base}/imports`);
    await Promise.all([page.waitForURL((u) => u.searchParams.get('status') === 'uploaded'), page.selectOption('select[name=status]', 'uploaded')]);
    // The URL changes a moment before the list re-renders: wait for the filtered rows themselves.
    await page.waitForFunction((label) => {
      const b = [...document.querySelectorAll('tbody .badge')].map((x) => x.textContent);
      return b.length > 0 && b.every((t) => t === label);
    }, '草稿（待映射）');
    const draftRow = page.locator('tr', { has: page.locator(`a[href="/imports/new?id=${id}"]`) });
    await expect(draftRow.count()).resolves.toBe(1);
    const badges = await page.locator('tbody .badge').allInnerTexts();
    expect(badges.length).toBeGreaterThan(0);
    expect(new Set(badges)).toEqual(new Set(['草稿（待映射）']));
    await screenshot(page, 'imports-history-drafts');
    await draftRow.locator('button:has-text("删除草稿")').click();
    await page.waitForFunction((href) => !document.querySelector(`a[href="${href}"]`), `/imports/new?id=${id}`);
    await expect(page.locator(`a[href="/imports/new?id=${id}"]`).count()).resolves.toBe(0);

    // done only
    await Promise.all([page.waitForURL((u) => u.searchParams.get('status') === 'done'), page.selectOption('select[name=status]', 'done')]);
    // The URL changes a moment before the list re-renders: wait for the filtered rows themselves.
    await page.waitForFunction((label) => {
      const b = [...document.querySelectorAll('tbody .badge')].map((x) => x.textContent);
      return b.length > 0 && b.every((t) => t === label);
    }, '已完成');
    const done = await page.locator('tbody .badge').allInnerTexts();
    expect(done.length).toBeGreaterThan(0);
    expect(new Set(done)).toEqual(new Set(['已完成']));
    await page.close();
  });
});
