/**
 * The real UCI Online Retail file (541,909 item lines) through the CLI command with a plain mapping; the expected
 * counts are computed here independently from the raw file (csv-parse, not the engine's reader).
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { makeTenant } from '../../factories/tenant';
import { importUciWithCli, UCI_FILE as UCI } from '../../support/api';
import { useTestServices } from '../../support/db';

const h = useTestServices();

interface Inv {
  minT: string;
  maxT: string;
  customers: Set<string>;
  totalFen: number;
}

/** Our documented rules, applied to the raw file: orders whose lines are >10 min apart or name two customers are
 * rejected, as are non-refund orders with a negative total; refunds are `C` invoices; member numbers drop `.0`. */
async function expected() {
  const inv = new Map<string, Inv>();
  let lines = 0;
  const rows = createReadStream(UCI).pipe(createGunzip()).pipe(parse({ columns: true }));
  for await (const r of rows as AsyncIterable<Record<string, string>>) {
    lines++;
    const no = r.InvoiceNo!.trim();
    let x = inv.get(no);
    if (!x) inv.set(no, (x = { minT: r.InvoiceDate!, maxT: r.InvoiceDate!, customers: new Set(), totalFen: 0 }));
    if (r.InvoiceDate! < x.minT) x.minT = r.InvoiceDate!;
    if (r.InvoiceDate! > x.maxT) x.maxT = r.InvoiceDate!;
    if (r.CustomerID!.trim()) x.customers.add(r.CustomerID!.trim().replace(/\.0+$/, ''));
    x.totalFen += Math.round(Number(r.Quantity) * Number(r.UnitPrice) * 100);
  }
  let orders = 0;
  let refunds = 0;
  let anonymous = 0;
  let rejected = 0;
  const customers = new Set<string>();
  for (const [no, x] of inv) {
    const spreadMin = (Date.parse(x.maxT.replace(' ', 'T') + 'Z') - Date.parse(x.minT.replace(' ', 'T') + 'Z')) / 60000;
    const refund = no.toUpperCase().startsWith('C');
    if (spreadMin > 10 || x.customers.size > 1 || (!refund && x.totalFen < 0)) {
      rejected++;
      continue;
    }
    orders++;
    if (refund) refunds++;
    if (x.customers.size === 0) anonymous++;
    for (const c of x.customers) customers.add(c);
  }
  return { lines, invoices: inv.size, orders, refunds, anonymous, rejected, customers: customers.size };
}

describe('UCI Online Retail through the CLI', () => {
  it('imports 541,909 lines with the counts computed from the raw file', { timeout: 120_000 }, async () => {
    const t = await makeTenant(h.services, { timezone: 'Europe/London' });
    const { code, out, err } = await importUciWithCli(h.services, t.slug);
    expect(code, err.join('\n')).toBe(0);
    const summary = JSON.parse(out[out.length - 1]!) as Record<string, number>;
    const exp = await expected();
    expect(exp.lines).toBe(541_909);
    expect(exp.invoices).toBe(25_900);
    expect(summary.rows_read).toBe(exp.lines);
    expect(summary.orders_created).toBe(exp.orders);
    expect(summary.orders_rejected).toBe(exp.rejected);
    expect(summary.customers_created).toBe(exp.customers);
    const { sql } = await import('kysely');
    const { withTenant } = await import('../../../server/tenancy/context');
    const db = await withTenant(h.services.dbs, t.id, async (trx) =>
      (
        await sql<{ orders: number; refunds: number; anonymous: number; customers: number; london: string }>`
          select count(*)::int as orders, (count(*) filter (where is_refund))::int as refunds, (count(*) filter (where customer_id is null))::int as anonymous,
            count(distinct customer_id)::int as customers,
            (select to_char(paid_at at time zone 'Europe/London', 'YYYY-MM-DD HH24:MI') from orders where order_no = '536365') as london
          from orders`.execute(trx)
      ).rows[0]!,
    );
    expect(db).toEqual({ orders: exp.orders, refunds: exp.refunds, anonymous: exp.anonymous, customers: exp.customers, london: '2010-12-01 08:26' });
    expect(err.some((l) => l.includes('rows/s'))).toBe(true);
  });
});
