/**
 * Issue 12 points 11 and 13, the REST API part: a NUL character in any text input is a 400 naming the field
 * (PostgreSQL refuses NUL in text: it was a 500), dates are bounded (`as_of=9999-12-31` returned 4.8 MB of empty
 * cohort months), and the `Bearer` scheme is case-insensitive (RFC 6750).
 */
import { describe, expect, it } from 'vitest';
import { makeTenant } from '../factories/tenant';
import { createApiKey, useApiServer } from '../support/api';
import { useTestServices } from '../support/db';

const h = useTestServices();
const api = useApiServer(h);

async function call(key: string, path: string, init: { method?: string; body?: unknown; scheme?: string } = {}) {
  const r = await fetch(api.base() + path, {
    method: init.method ?? 'GET',
    headers: { Authorization: `${init.scheme ?? 'Bearer'} ${key}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, text, json: (() => { try { return JSON.parse(text) as { error?: { code: string; message: string; details?: { field: string }[] } } } catch { return null } })() };
}

const order = (o: Record<string, unknown> = {}) => ({ order_no: 'NUL-1', paid_at: '2025-03-05T14:30:00+08:00', store_code: 'S1', items: [{ sku: 'SKU1', name: '拿铁', quantity: 1, unit_price_fen: 2800 }], ...o });

describe('API text inputs refuse NUL characters with a 400 naming the field', () => {
  it('order number in the path, every text field of a posted order, filter and search parameters', async () => {
    const t = await makeTenant(h.services);
    const key = await createApiKey(h.services, t.id);

    const get = await call(key, '/orders/A%00B');
    expect(get.status).toBe(400);
    expect(get.json?.error).toMatchObject({ code: 'invalid', message: expect.stringContaining('order_no') });

    const fields: [Record<string, unknown>, string][] = [
      [{ order_no: 'A\u0000B' }, 'orders[0].order_no'],
      [{ store_code: 'S\u00001' }, 'orders[0].store_code'],
      [{ clerk: '王\u0000' }, 'orders[0].clerk'],
      [{ member_no: 'M\u00001' }, 'orders[0].member_no'],
      [{ external_userid: 'wm\u0000x' }, 'orders[0].external_userid'],
      [{ refund_of: 'X\u0000' }, 'orders[0].refund_of'],
      [{ items: [{ sku: 'S\u0000', name: '拿铁', quantity: 1, unit_price_fen: 1 }] }, 'orders[0].items[0].sku'],
      [{ items: [{ sku: 'S', name: '拿\u0000铁', quantity: 1, unit_price_fen: 1 }] }, 'orders[0].items[0].name'],
      [{ items: [{ sku: 'S', name: '拿铁', category: '\u0000', quantity: 1, unit_price_fen: 1 }] }, 'orders[0].items[0].category'],
    ];
    for (const [patch, field] of fields) {
      const r = await call(key, '/orders', { method: 'POST', body: { orders: [order(patch)] } });
      expect({ field, status: r.status }).toEqual({ field, status: 400 });
      expect(r.json?.error?.details?.map((d) => d.field)).toContain(field);
    }
    // Nothing was stored, and a clean order still goes through.
    expect((await call(key, '/orders', { method: 'POST', body: { orders: [order()] } })).status).toBe(200);

    for (const path of ['/analytics/summary?store=S%001', '/analytics/cohorts?region=%00', '/customers?q=%E7%8E%8B%00']) {
      const r = await call(key, path);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.json?.error?.message).toContain('NUL');
    }
  });
});

describe('API date parameters are bounded', () => {
  it('as_of / from / to far in the future or the past are a 400; dates in range still work', async () => {
    const t = await makeTenant(h.services);
    const key = await createApiKey(h.services, t.id);
    for (const path of ['/analytics/cohorts?as_of=9999-12-31', '/analytics/cohorts?to=9999-12-31', '/analytics/summary?from=0001-01-01', '/customers?as_of=3000-01-01', '/analytics/rfm?as_of=1899-12-31']) {
      const r = await call(key, path);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.text.length).toBeLessThan(2000);
      expect(r.json?.error?.message).toMatch(/must be a date from 1990-01-01 to today/);
    }
    const ok = await call(key, '/analytics/cohorts?as_of=2025-03-31');
    expect(ok.status).toBe(200);
  });
});

describe('the Bearer scheme is case-insensitive (RFC 6750)', () => {
  it('bearer, BEARER and Bearer all authenticate; a wrong scheme does not', async () => {
    const t = await makeTenant(h.services);
    const key = await createApiKey(h.services, t.id);
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) expect({ scheme, status: (await call(key, '/analytics/summary', { scheme })).status }).toEqual({ scheme, status: 200 });
    expect((await call(key, '/analytics/summary', { scheme: 'Basic' })).status).toBe(401);
  });
});
