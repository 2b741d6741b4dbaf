/**
 * Demo step "customers and orders": the customer universe of server/demo/customers.ts (customers, identities, the
 * clerks who serve the WeCom contacts) and two years of orders up to today, imported through the real import
 * engine from a generated POS-style CSV — so the demo's import history shows that import, with a handful of
 * rejected rows. Orders follow each customer's own purchase rate until they drop out, with store and clerk
 * attribution, several channels, refunds, anonymous walk-in sales and a few bad rows.
 *
 * `writeDemoOrdersCsv` streams (constant memory) and is what bench/ uses for 1M customers / 10M orders.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { mobileHashKey, hashMobile, sealCustomerMobile } from '../customers/mobile-identity';
import { SecretBox } from '../lib/secret-box';
import { maskMobile } from '../tenancy/mobile';
import { systemActor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { runImport } from '../ingest/import.engine';
import { registerImportFile, setImportMapping } from '../ingest/imports.service';
import { csvLine } from '../../app/lib/csv';
import type { DemoChain } from './chain';
import { iterateDemoCustomers, type DemoCustomer } from './customers';
import { Rng } from './random';
import type { DemoContext, DemoStep } from './context';

export const CATALOG: { sku: string; name: string; category: string; price: number }[] = [
  { sku: 'JJ001', name: '北欧风抱枕', category: '家居', price: 89 },
  { sku: 'JJ002', name: '纯棉四件套', category: '家居', price: 399 },
  { sku: 'JJ003', name: '香薰蜡烛', category: '家居', price: 69 },
  { sku: 'JJ004', name: '收纳盒三件套', category: '家居', price: 59 },
  { sku: 'JJ005', name: '亚麻桌布', category: '家居', price: 129 },
  { sku: 'CC001', name: '陶瓷马克杯', category: '餐厨', price: 39 },
  { sku: 'CC002', name: '日式碗碟套装', category: '餐厨', price: 159 },
  { sku: 'CC003', name: '不锈钢保温杯', category: '餐厨', price: 129 },
  { sku: 'CC004', name: '玻璃密封罐', category: '餐厨', price: 29.9 },
  { sku: 'GH001', name: '氨基酸洗面奶', category: '个护', price: 79 },
  { sku: 'GH002', name: '护手霜礼盒', category: '个护', price: 99 },
  { sku: 'GH003', name: '竹纤维毛巾', category: '个护', price: 35 },
  { sku: 'GH004', name: '便携化妆镜', category: '个护', price: 45.5 },
  { sku: 'WJ001', name: '手账本', category: '文具', price: 32 },
  { sku: 'WJ002', name: '中性笔套装', category: '文具', price: 19.9 },
  { sku: 'WJ003', name: '帆布笔袋', category: '文具', price: 39 },
  { sku: 'FS001', name: '羊毛围巾', category: '服饰配件', price: 199 },
  { sku: 'FS002', name: '帆布托特包', category: '服饰配件', price: 89 },
  { sku: 'FS003', name: '棉袜五双装', category: '服饰配件', price: 49 },
  { sku: 'LS001', name: '坚果礼盒', category: '零食', price: 168 },
  { sku: 'LS002', name: '花草茶', category: '零食', price: 58 },
  { sku: 'LS003', name: '黑巧克力', category: '零食', price: 39 },
];

export const DEMO_ORDER_HEADER = ['订单号', '支付时间', '门店编码', '门店名称', '导购', '渠道', '订单状态', '原订单号', '会员号', '手机号', '企微客户ID', 'UnionID', '商品编码', '商品名称', '品类', '数量', '单价'];

export const DEMO_ORDER_MAPPING = {
  columns: {
    order_no: '订单号',
    paid_at: '支付时间',
    store_code: '门店编码',
    store_name: '门店名称',
    clerk: '导购',
    channel: '渠道',
    status: '订单状态',
    refund_of: '原订单号',
    member_no: '会员号',
    mobile: '手机号',
    external_userid: '企微客户ID',
    unionid: 'UnionID',
    sku: '商品编码',
    item_name: '商品名称',
    category: '品类',
    quantity: '数量',
    unit_price: '单价',
  },
  refund: { statusValues: ['退款'] },
  unknownStores: 'create' as const,
  unknownClerks: 'create' as const,
  defaultChannel: 'pos' as const,
  moneyUnit: 'yuan' as const,
};

const CHANNEL_LABEL = { pos: '门店', mini_program: '小程序', ecommerce: '天猫', group_buy: '美团团购', other: '其他' } as const;
const pad = (n: number) => String(n).padStart(2, '0');

/** Local wall time `YYYY-MM-DD HH:MM:SS` of `daysAgo` days before `end` at a shop-hours time. */
function localTime(endUtcMidnight: number, daysAgo: number, minuteOfDay: number): string {
  const d = new Date(endUtcMidnight - daysAgo * 86_400_000 + minuteOfDay * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export interface DemoOrdersOptions {
  seed: number;
  chain: DemoChain;
  customers: number;
  historyDays: number;
  /** Local calendar date the history ends on (YYYY-MM-DD); default today in Asia/Shanghai. */
  endDate?: string;
  /** Anonymous walk-in orders per store and day (mean). */
  walkInsPerStoreDay?: number;
  /** Bad rows to plant (the demo's error report). */
  badRows?: boolean;
  /** Do not emit orders later than this (ms since epoch); default now. */
  now?: number;
}

export interface DemoOrdersCounts {
  lines: number;
  orders: number;
  refunds: number;
  anonymous: number;
  badLines: number;
}

export function todayIn(tz: string, now = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now));
}

type Channel = keyof typeof CHANNEL_LABEL;
type BuyerIds = { member: string; mobile: string; ext: string; union: string };

/** The demo's order CSV being written: rows buffered up to 1 MB (constant memory), with the running counts. */
interface OrdersCsv {
  counts: DemoOrdersCounts;
  addRows(rows: string[][]): Promise<void>;
  close(): Promise<void>;
}

/** Opens `file` (its folder created) with the header line buffered. */
function openOrdersCsv(file: string): OrdersCsv {
  mkdirSync(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  let buf = csvLine(DEMO_ORDER_HEADER);
  const counts: DemoOrdersCounts = { lines: 0, orders: 0, refunds: 0, anonymous: 0, badLines: 0 };
  const flush = async (force = false) => {
    if (buf.length < 1 << 20 && !force) return;
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  return {
    counts,
    async addRows(rows) {
      for (const r of rows) buf += csvLine(r);
      counts.lines += rows.length;
      await flush();
    },
    async close() {
      await flush(true);
      out.end();
      await once(out, 'finish');
    },
  };
}

/** The chain and the time frame the orders are placed in. */
interface OrdersFrame {
  o: DemoOrdersOptions;
  endMidnight: number;
  /** Minute of the day after which the last day has no orders yet. */
  nowMinute: number;
  storeByCode: Map<string, DemoChain['stores'][number]>;
  clerksByStore: Map<string, string[]>;
  clerkName: Map<string, string>;
}

/** The frame of `o`: its end date (default today in Asia/Shanghai) and the chain's stores and clerks by code. */
function ordersFrame(o: DemoOrdersOptions): OrdersFrame {
  const end = o.endDate ?? todayIn('Asia/Shanghai', o.now);
  const endMidnight = Date.parse(`${end}T00:00:00Z`);
  // the last day only up to the current hour, so no order is in the future
  const nowMinute = o.endDate ? 22 * 60 : Math.max(9 * 60 + 30, Math.min(22 * 60, Math.floor(((o.now ?? Date.now()) + 8 * 3600_000) % 86_400_000 / 60_000) - 5));
  const storeByCode = new Map(o.chain.stores.map((s) => [s.code, s]));
  const clerksByStore = new Map<string, string[]>();
  for (const c of o.chain.clerks) clerksByStore.set(c.storeCode, [...(clerksByStore.get(c.storeCode) ?? []), c.name]);
  const clerkName = new Map(o.chain.clerks.map((c) => [c.userid, c.name]));
  return { o, endMidnight, nowMinute, storeByCode, clerksByStore, clerkName };
}

/** The lines of one order: a basket of distinct catalogue items (cheaper ones more often). */
function orderRows(fr: OrdersFrame, rng: Rng, orderNo: string, paid: string, storeCode: string | null, clerk: string, channel: Channel, ids: BuyerIds, basket: number): string[][] {
  const store = storeCode ? fr.storeByCode.get(storeCode) : undefined;
  const n = Math.max(1, Math.min(6, Math.round(basket * (0.5 + rng.next()))));
  const rows: string[][] = [];
  const used = new Set<string>();
  for (let k = 0; k < n; k++) {
    const item = CATALOG[Math.floor(Math.pow(rng.next(), 1.4) * CATALOG.length)]!;
    if (used.has(item.sku)) continue;
    used.add(item.sku);
    const qty = rng.chance(0.8) ? 1 : rng.int(2, 4);
    rows.push([orderNo, paid, storeCode ?? '', store?.name ?? '', clerk, CHANNEL_LABEL[channel], '已支付', '', ids.member, ids.mobile, ids.ext, ids.union, item.sku, item.name, item.category, String(qty), item.price.toFixed(2)]);
  }
  return rows;
}

/** What the till / shop of a channel knows about the buyer. */
function buyerIds(rng: Rng, c: DemoCustomer, channel: Channel): BuyerIds {
  const ids = { member: '', mobile: '', ext: '', union: '' };
  if (channel === 'mini_program') {
    ids.union = c.identities.unionid ?? '';
    ids.ext = c.identities.externalUserid && rng.chance(0.5) ? c.identities.externalUserid : '';
    ids.member = c.identities.memberNo ?? '';
    if (!ids.union && !ids.member) ids.mobile = c.identities.mobile ?? '';
  } else if (channel === 'ecommerce' || channel === 'group_buy') {
    ids.mobile = c.identities.mobile ?? '';
    if (!ids.mobile) ids.member = c.identities.memberNo ?? '';
  } else {
    ids.member = c.identities.memberNo && rng.chance(0.92) ? c.identities.memberNo : '';
    if (!ids.member) ids.mobile = c.identities.mobile ?? '';
  }
  return ids;
}

/**
 * One customer's orders, from their first purchase at their own rate until they drop out or reach today, with
 * the occasional refund a few days later.
 */
async function writeCustomerOrders(csv: OrdersCsv, fr: OrdersFrame, c: DemoCustomer): Promise<void> {
  const { o, endMidnight, nowMinute, clerksByStore, clerkName } = fr;
  const { counts } = csv;
  const b = c.behaviour;
  if (b.firstPurchaseDaysAgo === null) return;
  const rng = new Rng(o.seed ^ 0x0de5).fork('orders').fork(c.index);
  let daysAgo = b.firstPurchaseDaysAgo;
  for (let k = 0; daysAgo >= 0; k++) {
    const minute = rng.int(10 * 60, 21 * 60 + 50);
    if (daysAgo === 0 && minute > nowMinute) break;
    const channel: Channel = rng.chance(0.8) ? b.channel : rng.weighted([['pos', 60], ['mini_program', 20], ['ecommerce', 8], ['group_buy', 8], ['other', 4]] as const);
    const storeCode = channel === 'ecommerce' ? null : rng.chance(0.85) ? c.homeStoreCode : rng.pick(o.chain.stores).code;
    const clerk = channel === 'pos' && storeCode ? (c.clerkUserids.length && storeCode === c.homeStoreCode && rng.chance(0.7) ? clerkName.get(c.clerkUserids[0]!) ?? '' : rng.pick(clerksByStore.get(storeCode) ?? [''])) : '';
    const ids = buyerIds(rng, c, channel);
    const orderNo = `D${c.index.toString(36).toUpperCase().padStart(5, '0')}${String(k).padStart(3, '0')}`;
    const paid = localTime(endMidnight, daysAgo, minute);
    const rows = orderRows(fr, rng, orderNo, paid, storeCode, clerk, channel, ids, b.basket);
    counts.orders++;
    await csv.addRows(rows);
    if (rng.chance(0.03) && daysAgo >= 2) {
      // a refund a few days later: the same items, status 退款, pointing at the original order
      const rd = daysAgo - rng.int(1, Math.min(7, daysAgo));
      const refundAt = localTime(endMidnight, rd, rng.int(10 * 60, 21 * 60));
      const refundRows = rows.map((r) => [`R${orderNo}`, refundAt, ...r.slice(2, 6), '退款', orderNo, ...r.slice(8)]);
      counts.orders++;
      counts.refunds++;
      await csv.addRows(refundRows);
    }
    if (rng.chance(b.dropout)) break;
    daysAgo -= Math.max(1, Math.round(rng.exponential(b.lambda)));
  }
}

/** Anonymous walk-in sales: no member card, no phone; a random number per store and day. */
async function writeWalkIns(csv: OrdersCsv, fr: OrdersFrame): Promise<void> {
  const { o, endMidnight, nowMinute, clerksByStore } = fr;
  const { counts } = csv;
  const walkRng = new Rng(o.seed ^ 0x3a1c).fork('walk-ins');
  const mean = o.walkInsPerStoreDay ?? 1.2;
  for (let daysAgo = o.historyDays; daysAgo >= 0; daysAgo--) {
    for (const s of o.chain.stores) {
      const n = Math.floor(walkRng.exponential(1 / mean));
      for (let j = 0; j < n; j++) {
        const minute = walkRng.int(10 * 60, 21 * 60 + 50);
        if (daysAgo === 0 && minute > nowMinute) continue;
        const orderNo = `W${s.code}${String(daysAgo).padStart(4, '0')}${j}`;
        counts.orders++;
        counts.anonymous++;
        await csv.addRows(orderRows(fr, walkRng, orderNo, localTime(endMidnight, daysAgo, minute), s.code, walkRng.pick(clerksByStore.get(s.code) ?? ['']), 'pos', { member: '', mobile: '', ext: '', union: '' }, 1.5));
      }
    }
  }
}

/** What real POS exports contain now and then: a bad date, no order number, a word for a quantity … */
function badRows(fr: OrdersFrame): string[][] {
  const s = fr.o.chain.stores[0]!;
  const yesterday = localTime(fr.endMidnight, 1, 15 * 60);
  return [
    ['X900001', '2024-13-45 10:00:00', s.code, s.name, '', '门店', '已支付', '', '', '', '', '', 'JJ001', '北欧风抱枕', '家居', '1', '89.00'],
    ['', yesterday, s.code, s.name, '', '门店', '已支付', '', '', '', '', '', 'CC001', '陶瓷马克杯', '家居', '1', '39.00'],
    ['X900002', yesterday, s.code, s.name, '', '门店', '已支付', '', '', '', '', '', 'WJ001', '手账本', '文具', '两本', '32.00'],
    ['X900003', yesterday, s.code, s.name, '', '门店', '已支付', '', '', '12345', '', '', 'GH003', '竹纤维毛巾', '个护', '1', '35.00'],
    ['X900004', yesterday, s.code, s.name, '', '门店', '已支付', '', '', '', '', '', 'LS002', '花草茶', '零食', '1', '¥—'],
    ['X900005', '', s.code, s.name, '', '门店', '已支付', '', '', '', '', '', 'FS003', '棉袜五双装', '服饰配件', '2', '49.00'],
  ];
}

/** Writes the demo orders as a GB-style POS export (UTF-8) to `file`, streaming. */
export async function writeDemoOrdersCsv(file: string, o: DemoOrdersOptions): Promise<DemoOrdersCounts> {
  const csv = openOrdersCsv(file);
  const fr = ordersFrame(o);
  for (const c of iterateDemoCustomers(o.seed, o.chain, o.customers, 0, o.historyDays)) await writeCustomerOrders(csv, fr, c);
  await writeWalkIns(csv, fr);
  if (o.badRows !== false) {
    const bad = badRows(fr);
    csv.counts.badLines = bad.length;
    await csv.addRows(bad);
  }
  await csv.close();
  return csv.counts;
}

/** Inserts customers, identities (mobiles hashed) and the WeCom follow relations of the contacts, in chunks. */
export async function insertDemoCustomers(ctx: Pick<DemoContext, 'services' | 'tenantId' | 'seed' | 'chain' | 'staffIds' | 'storeIds'>, count: number, historyDays: number): Promise<number> {
  const { services, tenantId } = ctx;
  const key = mobileHashKey(services.config.APP_ENCRYPTION_KEY);
  // The full mobile, sealed, for tap-to-call where the tenant allows it (lists show only the masked form).
  const box = new SecretBox(services.config.APP_ENCRYPTION_KEY);
  const CHUNK = 5000;
  let inserted = 0;
  let chunk: DemoCustomer[] = [];
  const write = async () => {
    if (!chunk.length) return;
    const cs = chunk;
    chunk = [];
    const ids: string[] = [];
    const kinds: string[] = [];
    const values: string[] = [];
    const owners: string[] = [];
    const fCustomers: string[] = [];
    const fStaff: string[] = [];
    for (const c of cs) {
      const add = (kind: string, value: string | null) => {
        if (!value) return;
        kinds.push(kind);
        values.push(value);
        owners.push(c.id);
      };
      add('external_userid', c.identities.externalUserid);
      add('unionid', c.identities.unionid);
      add('member_no', c.identities.memberNo);
      add('mobile', c.identities.mobile ? hashMobile(key, c.identities.mobile) : null);
      ids.push(c.id);
      for (const u of c.clerkUserids) {
        const sid = ctx.staffIds.get(u);
        if (sid) {
          fCustomers.push(c.id);
          fStaff.push(sid);
        }
      }
    }
    await withTenant(services.dbs, tenantId, async (trx) => {
      await sql`insert into customers (tenant_id, id, display_name, gender, source, primary_store_id, mobile_masked, mobile_sealed)
        select ${tenantId}::uuid, x.id, x.name, x.gender, 'demo', x.store, x.masked, x.sealed
        from unnest(${ids}::uuid[], ${cs.map((c) => c.name)}::text[], ${cs.map((c) => c.gender)}::int[], ${cs.map((c) => ctx.storeIds.get(c.homeStoreCode) ?? null)}::uuid[],
          ${cs.map((c) => (c.identities.mobile ? maskMobile(c.identities.mobile) : null))}::text[],
          ${cs.map((c) => (c.identities.mobile ? sealCustomerMobile(box, tenantId, c.identities.mobile) : null))}::text[]) as x(id, name, gender, store, masked, sealed)
        on conflict do nothing`.execute(trx);
      await sql`insert into customer_identities (tenant_id, kind, value, customer_id, source)
        select ${tenantId}::uuid, x.kind, x.value, x.owner, 'demo' from unnest(${kinds}::text[], ${values}::text[], ${owners}::uuid[]) as x(kind, value, owner)
        on conflict do nothing`.execute(trx);
      if (fCustomers.length) {
        await sql`insert into customer_follows (tenant_id, customer_id, staff_id, added_at, add_way)
          select ${tenantId}::uuid, x.c, x.s, now() - (random() * ${historyDays} || ' days')::interval, 1 from unnest(${fCustomers}::uuid[], ${fStaff}::uuid[]) as x(c, s)
          on conflict do nothing`.execute(trx);
      }
    });
    inserted += cs.length;
  };
  for (const c of iterateDemoCustomers(ctx.seed, ctx.chain, count, 0, historyDays)) {
    chunk.push(c);
    if (chunk.length >= CHUNK) await write();
  }
  await write();
  return inserted;
}

export const ordersDemoStep: DemoStep = {
  name: 'customers and orders',
  async run(ctx) {
    const historyDays = Math.round(ctx.scale.orderYears * 365);
    const n = await insertDemoCustomers(ctx, ctx.scale.customers, historyDays);
    ctx.log(`Demo customers: ${n}`);
    const file = path.join(ctx.services.config.DATA_DIR, 'demo', `pos-orders-${ctx.seed}.csv`);
    const counts = await writeDemoOrdersCsv(file, { seed: ctx.seed, chain: ctx.chain, customers: ctx.scale.customers, historyDays });
    const tenant = await withTenant(ctx.services.dbs, ctx.tenantId, (trx) => trx.selectFrom('tenants').select('slug').where('id', '=', ctx.tenantId).executeTakeFirstOrThrow());
    const actor = systemActor(ctx.tenantId, tenant.slug, 'demo-seed');
    const reg = await registerImportFile(ctx.services, actor, { path: file, fileName: '门店POS订单导出.csv', source: 'demo' });
    await setImportMapping(ctx.services, actor, reg.id, DEMO_ORDER_MAPPING, { savePresetAs: '悦享生活 POS 导出' });
    const summary = await runImport(ctx.services, ctx.tenantId, reg.id);
    ctx.log(`Demo orders: ${counts.orders} orders in ${counts.lines} lines (${summary.orders_created} created, ${summary.rows_rejected} rows rejected)`);
  },
};
