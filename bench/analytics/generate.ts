/**
 * Generates a retail tenant for the analytics benchmark entirely in SQL (generate_series; no row round trips):
 * regions, stores, clerks, customers with their own purchase rate and lifetime, orders over two years with
 * store/clerk attribution, channels, refunds, anonymous walk-in sales and one categorised item per order.
 *
 * Behaviour: half the customers buy once; the others buy 2 + Exp(m) times, spread uniformly over a lifetime of
 * Exp(300 days) from their first purchase (orders after the end of the data are dropped), so repurchase rates,
 * intervals, RFM groups and lifecycle stages look like a real chain's.
 */
import { sql } from 'kysely';
import type { DB } from '../../db/connection';
import type { TenantId } from '../../server/tenancy/context';

export interface GenerateOptions {
  tenantId: TenantId;
  customers: number;
  /** Average orders per customer (identified orders only). */
  ordersPerCustomer: number;
  regions: number;
  stores: number;
  clerks: number;
  /** Last day of data (local) and how many days back it starts. */
  endDay: string;
  days: number;
  seed: number;
  /** Share of extra anonymous orders relative to identified ones. */
  anonymousShare?: number;
  log?: (m: string) => void;
}

const CATEGORIES = ['护肤', '彩妆', '香氛', '洗护', '母婴', '食品', '家居', '服饰'];

export async function generateTenantData(owner: DB, o: GenerateOptions): Promise<{ customers: number; orders: number; items: number; ms: number }> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const t = o.tenantId;
  const startDay = sql`(${o.endDay}::date - ${o.days - 1}::int)`;
  return owner.connection().execute(async (db) => {
    await sql`select setseed(${(o.seed % 1000) / 1000})`.execute(db);
    await sql`set work_mem = '512MB'`.execute(db);
    await sql`set maintenance_work_mem = '1GB'`.execute(db);
    await sql`set synchronous_commit = off`.execute(db);

    // Regions, stores, clerks.
    await sql`insert into regions (tenant_id, code, name)
      select ${t}::uuid, 'R' || lpad(i::text, 2, '0'), (array['华东','华南','华北','西南','华中','东北','西北'])[1 + (i - 1) % 7] || '大区' || case when i > 7 then i::text else '' end
      from generate_series(1, ${o.regions}::int) i on conflict do nothing`.execute(db);
    await sql`insert into stores (tenant_id, code, name, region_id, city)
      select ${t}::uuid, 'B' || lpad(i::text, 4, '0'), '门店' || i, r.id, '城市' || (1 + i % 50)
      from generate_series(1, ${o.stores}::int) i
      join lateral (select id from regions where tenant_id = ${t}::uuid order by code offset ((i - 1) % ${o.regions}::int) limit 1) r on true
      on conflict do nothing`.execute(db);
    await sql`insert into staff (tenant_id, name, role, store_id, wecom_userid)
      select ${t}::uuid, '导购' || i, 'clerk', s.id, 'bclerk' || i
      from generate_series(1, ${o.clerks}::int) i
      join lateral (select id from stores where tenant_id = ${t}::uuid and code like 'B%' order by code offset ((i - 1) % ${o.stores}::int) limit 1) s on true
      on conflict do nothing`.execute(db);
    log('chain ready');

    await sql`drop table if exists gen_stores, gen_clerks, gen_c`.execute(db);
    await sql`create unlogged table gen_stores as select row_number() over (order by code) as k, id from stores where tenant_id = ${t}::uuid and code like 'B%'`.execute(db);
    await sql`create unlogged table gen_clerks as select row_number() over (order by st.store_id, st.id) as k, st.id, st.store_id from staff st join gen_stores s on s.id = st.store_id where st.tenant_id = ${t}::uuid and st.role = 'clerk'`.execute(db);
    await sql`create index on gen_stores (k)`.execute(db);
    await sql`create index on gen_clerks (k)`.execute(db);
    const m2 = Math.max(0.5, 2 * (o.ordersPerCustomer - 1) - 2);
    // Per-customer parameters.
    await sql`
      create unlogged table gen_c as
      select i, gen_random_uuid() as id, 1 + (i::bigint * 7919) % ${o.stores}::int as store_k, 1 + (i::bigint * 104729) % ${o.clerks}::int as clerk_k,
        (${startDay} + floor(power(random(), 0.85) * ${o.days}::int)::int) as first_day,
        case when random() < 0.5 then 1 else 2 + floor(-ln(1 - random()) * ${m2}::float8)::int end as n,
        greatest(7, floor(-ln(1 - random()) * 300)::int) as life
      from generate_series(1, ${o.customers}::int) i`.execute(db);
    await sql`
      insert into customers (tenant_id, id, display_name, source, primary_store_id, mobile_masked, created_at)
      select ${t}::uuid, c.id, (array['王','李','张','刘','陈','杨','黄','赵','吴','周'])[1 + c.i % 10] || (array['伟','芳','娜','敏','静','丽','强','磊','洋','艳'])[1 + (c.i / 10) % 10] || (c.i % 997),
        'import', s.id, '138****' || lpad((c.i % 10000)::text, 4, '0'), c.first_day::timestamp at time zone 'Asia/Shanghai'
      from gen_c c join gen_stores s on s.k = c.store_k`.execute(db);
    log(`customers: ${o.customers}`);

    // Identified orders: day 1 = first purchase; the others uniform over the lifetime; none after the end.
    const orders = await sql`
      insert into orders (tenant_id, order_no, store_id, clerk_id, channel, paid_at, paid_day, amount_fen, item_count, is_refund, customer_id, content_hash, source, created_at, updated_at)
      select ${t}::uuid, 'G' || c.i || '-' || j, case when random() < 0.9 then s.id else (select id from gen_stores where k = 1 + (c.i + j) % ${o.stores}::int) end,
        k.id, (case when r < 0.8 then 'pos' when r < 0.95 then 'mini_program' else 'ecommerce' end),
        (d + make_interval(hours => 10 + (c.i + j) % 11, mins => (c.i * j) % 60))::timestamp at time zone 'Asia/Shanghai', d,
        (2000 + floor(power(random(), 2) * 98000))::bigint, 1, false, c.id, md5(c.i || '-' || j), 'import', d + 1, d + 1
      from gen_c c
      join gen_stores s on s.k = c.store_k
      join gen_clerks k on k.k = c.clerk_k
      cross join lateral generate_series(1, c.n) j
      cross join lateral (select case when j = 1 then c.first_day else c.first_day + floor(random() * c.life)::int end as d, random() as r) x
      where d <= ${o.endDay}::date`.execute(db);
    const identified = Number(orders.numAffectedRows ?? 0);
    log(`identified orders: ${identified}`);
    const anon = Math.round(identified * (o.anonymousShare ?? 0.15));
    await sql`
      insert into orders (tenant_id, order_no, store_id, clerk_id, channel, paid_at, paid_day, amount_fen, item_count, is_refund, customer_id, content_hash, source, created_at, updated_at)
      select ${t}::uuid, 'A' || i, s.id, null, 'pos', (d + make_interval(hours => 10 + i % 11))::timestamp at time zone 'Asia/Shanghai', d,
        (1000 + floor(power(random(), 2) * 50000))::bigint, 1, false, null, md5('A' || i), 'import', d + 1, d + 1
      from generate_series(1, ${anon}::int) i
      cross join lateral (select ${startDay} + floor(random() * ${o.days}::int + i * 0)::int as d) x
      join gen_stores s on s.k = 1 + i % ${o.stores}::int`.execute(db);
    // Refunds of about 2% of identified orders, a few days later, never after the end.
    const refunds = await sql`
      insert into orders (tenant_id, order_no, store_id, clerk_id, channel, paid_at, paid_day, amount_fen, item_count, is_refund, refund_of_order_no, customer_id, content_hash, source, created_at, updated_at)
      select tenant_id, 'R' || order_no, store_id, clerk_id, channel, paid_at + interval '3 days', paid_day + 3, -amount_fen, 1, true, order_no, customer_id, md5('R' || order_no), 'import', paid_at + interval '4 days', paid_at + interval '4 days'
      from orders where tenant_id = ${t}::uuid and order_no like 'G%' and paid_day + 3 <= ${o.endDay}::date and abs(hashtext(order_no)) % 50 = 0`.execute(db);
    log(`anonymous orders: ${anon}, refunds: ${Number(refunds.numAffectedRows ?? 0)}`);
    const items = await sql`
      insert into order_items (tenant_id, order_id, line_no, sku, name, category, quantity, unit_price_fen, amount_fen)
      select tenant_id, id, 1, 'SKU' || (abs(hashtext(order_no)) % 500), '商品' || (abs(hashtext(order_no)) % 500),
        (${CATEGORIES}::text[])[1 + abs(hashtext(order_no)) % ${CATEGORIES.length}], 1, amount_fen, amount_fen
      from orders where tenant_id = ${t}::uuid`.execute(db);
    await sql`drop table if exists gen_stores, gen_clerks, gen_c`.execute(db);
    await sql`analyze orders`.execute(db);
    await sql`analyze order_items`.execute(db);
    await sql`analyze customers`.execute(db);
    const total = await sql<{ n: number }>`select count(*)::int as n from orders where tenant_id = ${t}::uuid`.execute(db);
    return { customers: o.customers, orders: total.rows[0]!.n, items: Number(items.numAffectedRows ?? 0), ms: Date.now() - started };
  });
}
