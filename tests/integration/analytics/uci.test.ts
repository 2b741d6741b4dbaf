/**
 * The UCI Online Retail file imported through the orders engine's CLI (`import orders`), then the analytics
 * refresh, checked against figures computed here independently from the raw file: customers, repeaters,
 * repurchase rate, N-day rates, cohort sizes and retention, orders, revenue and the private-domain share.
 *
 * Which invoices become orders is the orders engine's documented rule (tests/integration/ingest/uci.test.ts):
 * an invoice whose lines are more than 10 minutes apart or name two customers is rejected, as is a non-refund
 * invoice with a negative total; `C` invoices are refunds; CustomerID is the member number (`17850.0` = `17850`).
 * The tenant's zone is Europe/London, the file's local time, so a purchase day is the date of InvoiceDate.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { fullRefresh } from '../../../server/analytics/refresh.service';
import { withTenant } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { createApiKey, importUciWithCli, UCI_FILE as UCI, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';

const h = useTestServices();
const D = '2011-12-09';

/** A decimal string × 10^scale as an exact integer (half away from zero beyond the scale). */
function scaled(raw: string, scale: number): number {
  const s = raw.trim();
  const neg = s.startsWith('-');
  const [i = '0', f = ''] = (neg ? s.slice(1) : s).split('.');
  let v = Number(i) * 10 ** scale + Number(f.slice(0, scale).padEnd(scale, '0'));
  if (f.length > scale && Number(f[scale]) >= 5) v += 1;
  return neg ? -v : v;
}
/** Line amount in fen: quantity × unit price, rounded half away from zero. */
function lineFen(qty: string, price: string): number {
  const p = scaled(qty, 3) * scaled(price, 4); // fen × 10^5
  const q = Math.trunc(p / 100_000);
  const r = p - q * 100_000;
  return Math.abs(r) * 2 >= 100_000 ? q + Math.sign(p) : q;
}

interface Invoice {
  minT: string;
  maxT: string;
  customers: Set<string>;
  fen: number;
}

async function expectedFromFile() {
  const inv = new Map<string, Invoice>();
  const rows = createReadStream(UCI).pipe(createGunzip()).pipe(parse({ columns: true }));
  for await (const r of rows as AsyncIterable<Record<string, string>>) {
    const no = r.InvoiceNo!.trim();
    let x = inv.get(no);
    if (!x) inv.set(no, (x = { minT: r.InvoiceDate!, maxT: r.InvoiceDate!, customers: new Set(), fen: 0 }));
    if (r.InvoiceDate! < x.minT) x.minT = r.InvoiceDate!;
    if (r.InvoiceDate! > x.maxT) x.maxT = r.InvoiceDate!;
    if (r.CustomerID!.trim()) x.customers.add(r.CustomerID!.trim().replace(/\.0+$/, ''));
    x.fen += lineFen(r.Quantity!, r.UnitPrice!);
  }
  let paidOrders = 0;
  let refundOrders = 0;
  let paidFen = 0;
  let identifiedFen = 0;
  const days = new Map<string, Set<string>>();
  for (const [no, x] of inv) {
    const spreadMin = (Date.parse(x.maxT.replace(' ', 'T') + 'Z') - Date.parse(x.minT.replace(' ', 'T') + 'Z')) / 60000;
    const refund = no.toUpperCase().startsWith('C');
    if (spreadMin > 10 || x.customers.size > 1 || (!refund && x.fen < 0)) continue;
    if (refund) {
      refundOrders++;
      continue;
    }
    if (x.fen <= 0) continue; // amount 0: kept, counts nowhere
    paidOrders++;
    paidFen += x.fen;
    const c = [...x.customers][0];
    if (c === undefined) continue;
    identifiedFen += x.fen;
    let s = days.get(c);
    if (!s) days.set(c, (s = new Set()));
    s.add(x.minT.slice(0, 10));
  }
  const dayNum = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
  let repeaters = 0;
  const nDay = { 30: [0, 0], 60: [0, 0], 90: [0, 0] } as Record<30 | 60 | 90, [number, number]>;
  const cohort = new Map<string, Map<string, number>>();
  for (const s of days.values()) {
    const sorted = [...s].sort();
    if (sorted.length >= 2) repeaters++;
    const first = sorted[0]!;
    const age = dayNum(D) - dayNum(first);
    const gap = sorted.length >= 2 ? dayNum(sorted[1]!) - dayNum(first) : null;
    for (const n of [30, 60, 90] as const) {
      if (age < n) continue;
      nDay[n][1]++;
      if (gap !== null && gap <= n) nDay[n][0]++;
    }
    const cm = first.slice(0, 7);
    let m = cohort.get(cm);
    if (!m) cohort.set(cm, (m = new Map()));
    for (const month of new Set(sorted.map((d) => d.slice(0, 7)))) m.set(month, (m.get(month) ?? 0) + 1);
  }
  const months = (a: string, b: string) => (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));
  const cohorts = [...cohort.keys()].sort().map((c) => {
    const m = cohort.get(c)!;
    const size = m.get(c)!;
    return { cohort: c, size, retention: Array.from({ length: months(c, '2011-12') + 1 }, (_, k) => (m.get([...m.keys()].find((x) => months(c, x) === k) ?? '') ?? 0) / size) };
  });
  return {
    customers: days.size,
    repeaters,
    paidOrders,
    refundOrders,
    paidFen,
    identifiedFen,
    rate30: nDay[30][0] / nDay[30][1],
    rate60: nDay[60][0] / nDay[60][1],
    rate90: nDay[90][0] / nDay[90][1],
    cohorts,
  };
}

const api = useApiServer(h);

describe('UCI Online Retail: import, refresh, and the figures from the raw file', () => {
  it('customers, repeaters, repurchase rates, cohorts and private-domain share agree', { timeout: 240_000 }, async () => {
    const t = await makeTenant(h.services, { timezone: 'Europe/London' });
    const { code, err } = await importUciWithCli(h.services, t.slug);
    expect(code, err.join('\n')).toBe(0);
    const report = await fullRefresh(h.services, t.id, { asOf: D });
    const exp = await expectedFromFile();
    // The usual cleaning (SOURCE.md) counts 4,338 customers; refunds and rejected invoices change nothing here.
    expect(exp.customers).toBe(4338);
    expect(report).toMatchObject({ asOf: D, buyers: exp.customers, repeaters: exp.repeaters });

    const key = await createApiKey(h.services, t.id, 'uci');
    const get = async <T>(p: string) => (await (await fetch(api.base() + p, { headers: { Authorization: `Bearer ${key}` } })).json()) as T;
    const s = await get<Record<string, number>>(`/analytics/summary?as_of=${D}`);
    expect(s.customers).toBe(exp.customers);
    expect(s.repeat_customers).toBe(exp.repeaters);
    expect(s.repurchase_rate).toBeCloseTo(exp.repeaters / exp.customers, 12);
    expect(s.repurchase_rate_30d).toBeCloseTo(exp.rate30, 12);
    expect(s.repurchase_rate_60d).toBeCloseTo(exp.rate60, 12);
    expect(s.repurchase_rate_90d).toBeCloseTo(exp.rate90, 12);
    expect(s.paid_orders).toBe(exp.paidOrders);
    expect(s.refund_orders).toBe(exp.refundOrders);
    expect(s.paid_revenue_fen).toBe(exp.paidFen);
    expect(s.identified_revenue_fen).toBe(exp.identifiedFen);
    expect(s.private_domain_share).toBeCloseTo(exp.identifiedFen / exp.paidFen, 12);

    const cohorts = await get<{ cohort: string; size: number; retention: number[] }[]>(`/analytics/cohorts?as_of=${D}`);
    expect(cohorts.map((c) => [c.cohort, c.size])).toEqual(exp.cohorts.map((c) => [c.cohort, c.size]));
    for (let i = 0; i < cohorts.length; i++) {
      expect(cohorts[i]!.retention).toHaveLength(exp.cohorts[i]!.retention.length);
      cohorts[i]!.retention.forEach((r, j) => expect(r).toBeCloseTo(exp.cohorts[i]!.retention[j]!, 12));
    }
    // The first cohort is December 2010, the last December 2011.
    expect(cohorts[0]!.cohort).toBe('2010-12');
    expect(cohorts.at(-1)!.cohort).toBe('2011-12');

    // The fit (dropout degenerates on this data, SOURCE.md) still gives finite predictions for every buyer; P(alive)
    // for every repeater (one-purchase customers have none: it is 1 by construction, docs/metrics.md).
    const m = await get<{ status: string; customers: number }>(`/analytics/model?as_of=${D}`);
    expect(m).toMatchObject({ status: 'fitted', customers: exp.customers });
    const bad = await withTenant(h.services.dbs, t.id, (trx) =>
      sql<{ n: number }>`select count(*)::int as n from customer_metrics where tenant_id = ${t.id} and frequency >= 1
        and ((frequency >= 2 and (p_alive is null or p_alive = 'NaN'::float8)) or (frequency = 1 and p_alive is not null)
          or exp_purchases_90 is null or exp_purchases_90 = 'NaN'::float8 or exp_purchases_90 < 0)`.execute(trx),
    );
    expect(bad.rows[0]!.n).toBe(0);
  });
});
