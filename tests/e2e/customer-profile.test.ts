/**
 * The customer profile as a clerk opens it: what they act on first (the customer's tags and who serves them),
 * the numbers and orders below; and never the raw WeCom ids (external_userid, unionid), neither in the page nor
 * in the loader data the browser receives. An admin still sees them, which is how the test knows the values.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, login, screenshot } from '../support/browser';

const base = inject('appUrl');
const PROFILE_DATA = `_data=${encodeURIComponent('routes/_app.customers.$id')}`;
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

type Identity = { kind: string; value: string };

async function identitiesSeenBy(page: Page, id: string): Promise<Identity[]> {
  const r = await page.request.get(`${base}/customers/${id}?${PROFILE_DATA}`);
  expect(r.status()).toBe(200);
  return ((await r.json()) as { customer: { identities: Identity[] } }).customer.identities;
}

describe('the customer profile for a clerk', () => {
  it('puts tags and serving clerks first, orders below, and never shows the raw external_userid / unionid', async () => {
    const clerk = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1360, height: 900 } });
    await login(clerk, base, 'clerk@demo.huike');
    // A clerk lands on the phone workspace (/m); the desktop list is still theirs.
    await clerk.goto(`${base}/customers`);
    await clerk.waitForSelector('.data-table tbody tr td a[href^="/customers/"]');
    const ids = (await clerk.locator('.data-table tbody tr td a[href^="/customers/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!.split('/').pop()!))).slice(0, 10);
    expect(ids.length).toBeGreaterThan(0);

    // The admin sees the raw ids of these customers: pick one that has both.
    const admin = await browser.newPage({ locale: 'zh-CN' });
    await login(admin, base, 'admin@demo.huike');
    let chosen: { id: string; raw: Identity[] } | undefined;
    for (const id of ids) {
      const raw = (await identitiesSeenBy(admin, id)).filter((i) => i.kind === 'external_userid' || i.kind === 'unionid');
      if (raw.some((i) => i.kind === 'external_userid') && raw.some((i) => i.kind === 'unionid')) {
        chosen = { id, raw };
        break;
      }
    }
    expect(chosen, 'one of the clerk’s customers has an external_userid and a unionid').toBeTruthy();
    await admin.close();

    // The clerk opens that profile by a click from their list.
    await Promise.all([clerk.waitForURL((u) => u.pathname === `/customers/${chosen!.id}`), clerk.locator(`.data-table a[href="/customers/${chosen!.id}"]`).first().click()]);
    await clerk.waitForSelector('[data-section="orders"]');
    const sections = await clerk.locator('[data-section]').evaluateAll((els) => els.map((e) => e.getAttribute('data-section')));
    expect(sections.slice(0, 2)).toEqual(['tags', 'clerks']);
    expect(sections.indexOf('orders')).toBeGreaterThan(sections.indexOf('metrics'));
    // Tags and clerks are side by side above everything else on the page.
    const top = async (s: string) => (await clerk.locator(`[data-section="${s}"]`).boundingBox())!.y;
    expect(await top('tags')).toBeLessThan(await top('metrics'));
    expect(await top('clerks')).toBeLessThan(await top('orders'));
    await expect(clerk.locator('[data-section="clerks"]').innerText()).resolves.toContain('服务导购');
    await screenshot(clerk, 'customer-profile-clerk');

    // Neither id in the page nor in what the loader sends (the document's embedded data or a client navigation).
    const html = await clerk.content();
    const data = await (await clerk.request.get(`${base}/customers/${chosen!.id}?${PROFILE_DATA}`)).text();
    const doc = await (await clerk.request.get(`${base}/customers/${chosen!.id}`)).text();
    for (const { kind, value } of chosen!.raw) {
      for (const [where, text] of [['page', html], ['loader data', data], ['document', doc]] as const) {
        expect(text.includes(value), `${kind} ${value} in the clerk's ${where}`).toBe(false);
      }
    }
    expect(data).not.toMatch(/external_userid|unionid|externalUserid/i);
    await clerk.close();
  });
});
