/**
 * Member import in a real browser (#13.11): ops picks "导入会员", uploads a member file, starts with the guessed
 * mapping, sees the member counts, and finds the new member's level, points, birthday, register store and opt-out on
 * the customer profile.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, login, screenshot } from '../support/browser';

const base = inject('appUrl');
let browser: Browser;
const tag = Date.now().toString(36).toUpperCase();
const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-e2e-members-'));
const file = path.join(dir, `会员-${tag}.csv`);
writeFileSync(file, `会员卡号,手机,姓名,性别,生日,会员等级,积分,开卡日期,拒收营销\r\nE2EM${tag},,会员${tag},女,1990-05-06,黑金卡,4321,2024-01-02,是\r\nE2EN${tag},12345,坏号${tag},,,,,,\r\n`);

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('member import (e2e)', () => {
  it('ops uploads a member file and sees the member fields on the profile', async () => {
    const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await login(page, base, 'ops@demo.huike');
    await page.goto(`${base}/imports/new?kind=members`, { waitUntil: 'networkidle' });
    await page.setInputFiles('input[type=file]', file);
    await Promise.all([page.waitForURL((u) => u.searchParams.has('id'), { timeout: 30_000 }), page.click('button:has-text("上传并预览")')]);
    expect(await page.locator('select[name=col_member_no]').inputValue()).toBe('会员卡号');
    await screenshot(page, 'member-import-mapping');
    await Promise.all([page.waitForURL((u) => /^\/imports\/[0-9a-f-]{36}$/.test(u.pathname), { timeout: 30_000 }), page.click('button:has-text("开始导入")')]);
    await page.waitForSelector('.badge:has-text("已完成")', { timeout: 60_000 });
    const result = page.locator('[data-testid=member-result]');
    expect(await result.locator('.kpi', { hasText: '新建客户' }).locator('.value').innerText()).toBe('1');
    expect(await result.locator('.kpi', { hasText: '被拒会员' }).locator('.value').innerText()).toBe('0');
    expect(await page.locator('a:has-text("下载错误报告")').count()).toBe(1);
    await screenshot(page, 'member-import-done');

    await page.goto(`${base}/customers?q=${encodeURIComponent(`会员${tag}`)}`);
    await Promise.all([page.waitForURL((u) => /^\/customers\/[0-9a-f-]{36}$/.test(u.pathname), { timeout: 30_000 }), page.click(`a:has-text("会员${tag}")`)]);
    const facts = page.locator('[data-testid=member-facts]');
    const text = await facts.innerText();
    expect(text).toContain(`E2EM${tag}`);
    expect(text).toContain('黑金卡');
    expect(text).toContain('4,321');
    expect(text).toContain('1990-05-06');
    expect(text).toContain('2024-01-02');
    expect(await page.locator('[data-testid=opted-out]').count()).toBe(1);
    await screenshot(page, 'member-profile');
    expect(errors).toEqual([]);
  });
});
