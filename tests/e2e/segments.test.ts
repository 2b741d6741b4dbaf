/**
 * Segments in chromium on the demo chain: ops builds a rule of 3 conditions in 2 groups and watches the live count
 * follow each edit, saves it, opens it from the list, exports its members as CSV and bulk-tags them; the regional
 * manager opens the same segment and sees only their region's members; ops picks a category from the builder's
 * type-ahead; and on the customers list ops tags all N customers matching a filter, not only the page (#13.12),
 * watching the queued action's progress. Screenshots in tests/e2e/screenshots/.
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, login, screenshot } from '../support/browser';

const base = inject('appUrl');
let browser: Browser;
const errors: string[] = [];
let segmentUrl = '';
let opsCount = 0;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  expect(errors).toEqual([]);
});

async function newPage(user: string): Promise<Page> {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  await login(page, base, user);
  // Listen from our first page on: the login page and the dashboard it lands on have their own hydration
  // warnings (see dashboards.test.ts); on the segment pages every error counts.
  await page.goto(`${base}/segments`);
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return page;
}

/** Runs an edit and returns the live count once the debounced preview for it has come back. */
async function countAfter(page: Page, edit: () => Promise<void>): Promise<number> {
  const response = page.waitForResponse((r) => r.url().includes('/segments/preview') && r.status() === 200);
  await edit();
  await response;
  const el = page.getByTestId('live-count');
  // "≈" marks an estimate (a count over its time budget); on the demo chain the sample is the whole table.
  await expect.poll(async () => (await el.getAttribute('data-loading')) === 'false' && /^≈?[\d,]+$/.test(await el.innerText()), { timeout: 15_000 }).toBe(true);
  return Number((await el.innerText()).replace(/[,≈]/g, ''));
}

const cond = (page: Page, group: string, i: number) => page.getByTestId(group).getByTestId('condition').nth(i);

describe('segments', () => {
  it('ops builds 3 conditions in 2 groups, sees the count change, saves, opens it from the list, exports and bulk-tags it', async () => {
    const page = await newPage('ops@demo.huike');
    await page.goto(`${base}/segments`);
    await page.getByRole('link', { name: '新建分群' }).click();
    await page.waitForURL(/\/segments\/new/);
    // Group 1, condition 1 (the builder's start): lifecycle stage in [at risk].
    const c1 = await countAfter(page, async () => {
      await cond(page, 'group-0', 0).getByLabel('值').selectOption(['at_risk', 'lapsed']);
    });
    expect(c1).toBeGreaterThan(0);
    // Group 1, condition 2 (OR): RFM group = champions.
    const c2 = await countAfter(page, async () => {
      await page.getByTestId('group-0').getByRole('button', { name: '+ 添加条件' }).click();
      await cond(page, 'group-0', 1).getByLabel('字段').selectOption('rfm_group');
    });
    expect(c2).toBeGreaterThan(c1);
    // Group 2 (AND): paid orders in the last 365 days ≥ 2.
    await page.getByRole('button', { name: '+ 添加条件组' }).click();
    await cond(page, 'group-1', 0).getByLabel('字段').selectOption('orders');
    await cond(page, 'group-1', 0).getByLabel('运算').selectOption('gte');
    await cond(page, 'group-1', 0).getByLabel('时间范围').selectOption('last_days');
    await cond(page, 'group-1', 0).getByLabel('天数').fill('365');
    const c3 = await countAfter(page, async () => {
      await cond(page, 'group-1', 0).getByLabel('值').fill('2');
    });
    expect(c3).toBeLessThan(c2);
    expect(c3).toBeGreaterThan(0);
    await expect(page.locator('.data-table tbody tr').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'segments-builder');

    await page.getByTestId('save').getByLabel('分群名称').fill('E2E 高价值或流失·近一年复购');
    await Promise.all([page.waitForURL(/\/segments\/[0-9a-f-]{36}$/), page.getByRole('button', { name: '保存分群' }).click()]);
    segmentUrl = page.url();
    opsCount = Number((await page.getByTestId('segment-count').innerText()).replace(/,/g, ''));
    expect(opsCount).toBe(c3);

    await page.goto(`${base}/segments`);
    await page.getByRole('link', { name: 'E2E 高价值或流失·近一年复购' }).click();
    await page.waitForURL(segmentUrl);
    await expect(page.getByTestId('segment-count').innerText()).resolves.toBe(opsCount.toLocaleString('en-US'));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.startsWith('\uFEFF客户ID / Customer id,')).toBe(true);
    expect(csv.trim().split('\r\n').length).toBe(opsCount + 1);

    const bulk = page.getByTestId('bulk-tag');
    const firstTag = await bulk.locator('select[name=tagId] option:not([disabled])').first().getAttribute('value');
    await bulk.locator('select[name=tagId]').selectOption(firstTag!);
    await bulk.getByRole('button', { name: '对全部成员执行' }).click();
    await page.waitForSelector('text=已提交');
    // The job works through every member; the page shows its progress.
    await expect
      .poll(async () => {
        await page.reload();
        return page.getByTestId('actions').locator('tr').first().innerText();
      }, { timeout: 60_000, interval: 1000 })
      .toContain(`${opsCount.toLocaleString('en-US')} / ${opsCount.toLocaleString('en-US')}`);
    await screenshot(page, 'segments-detail-ops');
    await page.close();
  });

  it('the regional manager sees the segment counted inside their region only', async () => {
    const page = await newPage('manager@demo.huike');
    await page.goto(`${base}/segments`);
    await page.getByRole('link', { name: 'E2E 高价值或流失·近一年复购' }).click();
    await page.waitForURL(segmentUrl);
    await expect(page.locator('.kpi .label').first().innerText()).resolves.toBe('你范围内的成员');
    const mine = Number((await page.getByTestId('segment-count').innerText()).replace(/,/g, ''));
    expect(mine).toBeGreaterThan(0);
    expect(mine).toBeLessThan(opsCount);
    // No builder and no bulk actions for a manager.
    await expect(page.getByTestId('bulk-tag').count()).resolves.toBe(0);
    await screenshot(page, 'segments-detail-manager');
    await page.close();
  });

  it('ops picks a bought category from the server-side type-ahead and the count follows', async () => {
    const page = await newPage('ops@demo.huike');
    await page.goto(`${base}/segments/new`);
    // An empty category list is not a rule yet: the builder says so and counts nothing until one is picked.
    await cond(page, 'group-0', 0).getByLabel('字段').selectOption('bought_category');
    await page.getByRole('alert').waitFor();
    const search = page.getByTestId('catalogue-category').getByRole('searchbox');
    await search.click();
    await search.fill('');
    const first = page.getByTestId('catalogue-category').getByRole('option').first();
    await first.waitFor({ timeout: 15_000 });
    const picked = (await first.innerText()).split(' ')[0]!;
    const after = await countAfter(page, () => first.click());
    expect(after).toBeGreaterThan(0);
    await expect(page.getByTestId('catalogue-category').locator('.badge').first().innerText()).resolves.toContain(picked);
    await screenshot(page, 'segments-category-search');
    await page.close();
  });

  it('on the customers list ops tags all N matching customers, not only the 50 on the page, and sees the progress', async () => {
    const page = await newPage('ops@demo.huike');
    await page.goto(`${base}/customers?stage=at_risk`);
    const bar = page.getByTestId('bulk-tags');
    const label = await bar.getByLabel('对象').locator('option[value=all]').innerText();
    const total = Number(/全部 ([\d,]+) 位符合条件的客户/.exec(label)?.[1]?.replace(/,/g, '') ?? 'NaN');
    // More than the page holds, and what the table counts.
    expect(total).toBeGreaterThan(50);
    await expect(page.getByText(`共 ${total.toLocaleString()} 条`).count()).resolves.toBeGreaterThan(0);
    await bar.getByLabel('对象').selectOption('all');
    const tag = await bar.locator('select[name=tagId] option:not([disabled])').first().getAttribute('value');
    await bar.locator('select[name=tagId]').selectOption(tag!);
    await bar.getByRole('button', { name: '打标签' }).click();
    const row = page.getByTestId('list-actions').locator('tr').first();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000, interval: 1000 }).toBe('done');
    await expect(row.innerText()).resolves.toContain(`${total.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
    await screenshot(page, 'customers-bulk-tag-all');
    await page.close();
  });

  it('a large static segment says its members are being computed, offers no action on them, and updates itself when the job is done', async () => {
    const page = await newPage('ops@demo.huike');
    await page.goto(`${base}/segments/new?template=dormant`);
    const save = page.getByTestId('save');
    await save.getByLabel('分群名称').fill('E2E 沉睡（静态）');
    await save.getByLabel('类型').selectOption('static');
    await expect.poll(() => save.getByRole('button', { name: '保存分群' }).isEnabled(), { timeout: 15_000 }).toBe(true);
    await Promise.all([page.waitForURL(/\/segments\/[0-9a-f-]{36}$/), save.getByRole('button', { name: '保存分群' }).click()]);
    const id = page.url().split('/').pop()!;
    const members = await page.getByTestId('segment-count').innerText();
    expect(Number(members.replace(/,/g, ''))).toBeGreaterThan(0);

    // The demo chain has 3,000 customers, below the 20,000 a save writes itself: put the segment in the state a
    // save over that leaves it in (saved, its members owed to the fill job).
    const db = postgres(inject('appDatabaseUrl'), { max: 1, onnotice: () => {} });
    try {
      await db.begin(async (tx) => {
        await tx`update segments set fill_owed_since = now() where id = ${id}`;
        for (const table of ['segment_members', 'segment_events', 'segment_sizes']) await tx`delete from ${tx(table)} where segment_id = ${id}`;
      });
    } finally {
      await db.end();
    }
    await page.reload();
    await expect(page.getByTestId('segment-filling').innerText()).resolves.toContain('成员计算中');
    await expect(page.getByTestId('segment-count').innerText()).resolves.toBe('计算中…');
    await expect(page.getByTestId('export').count()).resolves.toBe(0);
    await expect(page.getByTestId('bulk-tag').count()).resolves.toBe(0);
    await page.goto(`${base}/segments`);
    await expect(page.getByRole('row', { name: /E2E 沉睡（静态）/ }).innerText()).resolves.toContain('计算中…');
    await page.goto(`${base}/segments/${id}`);
    await screenshot(page, 'segments-filling');

    // Saving it again queues the fill job (as the first save would have); the app's worker runs it and the page,
    // without a reload, shows the members.
    await page.getByTestId('save').getByRole('button', { name: '保存修改' }).click();
    await page.getByTestId('segment-filling').waitFor({ state: 'detached', timeout: 60_000 });
    await expect(page.getByTestId('segment-count').innerText()).resolves.toBe(members);
    await expect(page.getByTestId('export').count()).resolves.toBe(1);
    await page.close();
  });
});
