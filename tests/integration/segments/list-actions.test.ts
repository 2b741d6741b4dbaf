/**
 * The customers list and the builder beyond the compiler itself:
 * - bulk tagging "all N matching customers" of the list (#13.12): one segment action over the list's filters and
 *   search, worked by the segment action job in the acting user's scope (a clerk tags only their customers);
 * - the builder's SKU / category type-ahead over the tenant's order catalogue;
 * - the live count: exact when cheap, an estimate when the exact count would take too long, exact on demand.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { countMatchingWithin, customerSampleSql, estimateMatching, estimateSql, sampleSliceEnd } from '../../../server/customers/rule.repository';
import { compileRule } from '../../../server/customers/rule-compiler';
import { recentListActions } from '../../../server/segments/actions.repository';
import { processSegmentAction, startBulkTagMatching } from '../../../server/segments/actions.service';
import { previewRule, refreshTenantSegments, searchOrderCatalogue } from '../../../server/segments/segments.service';
import type { Actor } from '../../../server/tenancy/actor';
import { withTenant } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { addOrders } from '../analytics/support';
import { actorOf, buildWorld, day, type World } from './world';

const h = useTestServices();
let w: World;
let clerk1: Actor;

beforeAll(async () => {
  w = await buildWorld(h.services);
  clerk1 = await actorOf(h.services, w.staff.clerk1.email);
}, 60_000);

const inTenant = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.services.dbs, w.t.id, fn);
const taggedWith = async (tagId: string) => {
  const r = await inTenant((trx) => sql<{ customer_id: string }>`select customer_id from customer_internal_tags where tenant_id = ${w.t.id} and tag_id = ${tagId}`.execute(trx));
  return r.rows.map((x) => w.names[x.customer_id]).sort().join('');
};

describe('bulk tagging all N matching customers of the list', () => {
  it('tags every customer matching the filters, not a page, through a queued action with progress', async () => {
    const I1 = w.tags.I1;
    await inTenant((trx) => sql`delete from customer_internal_tags where tenant_id = ${w.t.id} and tag_id = ${I1}`.execute(trx));
    const { actionId, total } = await inTenant((trx) => startBulkTagMatching(trx, w.admin, { store: 'S2' }, { op: 'add', tagId: I1 }));
    expect(total).toBe(2);
    const queued = await inTenant((trx) => recentListActions(trx, w.t.id, w.admin.staffId));
    expect(queued[0]).toMatchObject({ id: actionId, status: 'queued', total: 2, done: 0, segment_id: null });
    await processSegmentAction(h.services, w.t.id, actionId);
    expect(await taggedWith(I1)).toBe('CD');
    const done = await inTenant((trx) => recentListActions(trx, w.t.id, w.admin.staffId));
    expect(done[0]).toMatchObject({ status: 'done', total: 2, done: 2 });
    const audit = await inTenant((trx) => sql<{ action: string }>`select action from audit_log where tenant_id = ${w.t.id} and entity_id = ${actionId}`.execute(trx));
    expect(audit.rows.map((a) => a.action)).toEqual(['customers.tag_add_all']);
  });

  it('keeps the acting clerk’s scope: only the customers they serve are tagged', async () => {
    const I1 = w.tags.I1;
    await inTenant((trx) => sql`delete from customer_internal_tags where tenant_id = ${w.t.id} and tag_id = ${I1}`.execute(trx));
    const { actionId, total } = await inTenant((trx) => startBulkTagMatching(trx, clerk1, {}, { op: 'add', tagId: I1 }));
    // Clerk 1's open relations: A, B and E (E deleted the clerk on their side; the relation is not ended).
    expect(total).toBe(3);
    await processSegmentAction(h.services, w.t.id, actionId);
    expect(await taggedWith(I1)).toBe('ABE');
  });

  it('the search box narrows "all matching" as it narrows the list', async () => {
    const { total } = await inTenant((trx) => startBulkTagMatching(trx, w.admin, { q: 'C' }, { op: 'remove', tagId: w.tags.I1 }));
    expect(total).toBe(1);
  });

  it('refuses an empty audience and an unknown tag', async () => {
    await expect(inTenant((trx) => startBulkTagMatching(trx, w.admin, { q: 'nobody' }, { op: 'add', tagId: w.tags.I1 }))).rejects.toThrow(/No customers match/);
    await expect(inTenant((trx) => startBulkTagMatching(trx, w.admin, {}, { op: 'add', tagId: '00000000-0000-4000-8000-000000000000' }))).rejects.toThrow(/Tag not found/);
  });
});

describe('the builder’s SKU and category search', () => {
  it('finds the tenant’s sold SKUs and categories by code or name, most sold first, and follows new orders', async () => {
    const cats = await inTenant((trx) => searchOrderCatalogue(trx, w.admin, { kind: 'category', q: '' }));
    expect(cats.map((c) => c.value)).toEqual(['护肤', '彩妆']);
    const sku = await inTenant((trx) => searchOrderCatalogue(trx, w.admin, { kind: 'sku', q: 'sku-x' }));
    expect(sku.map((c) => c.value)).toEqual(['SKU-X']);
    // A later order's lines join the catalogue at the next segments refresh (from the watermark, counted once).
    await addOrders(h.services, w.t.id, [{ customer: w.ids.B, at: day(0), yuan: 10, store: w.t.storeIds.S1, category: '新品', orderNo: `NEW-${w.t.slug}` }]);
    await inTenant((trx) => sql`update order_items set sku = 'SKU-NEW', name = '新品面霜' where tenant_id = ${w.t.id} and order_id = (select id from orders where tenant_id = ${w.t.id} and order_no = ${`NEW-${w.t.slug}`})`.execute(trx));
    await refreshTenantSegments(h.services.dbs, w.t.id);
    await refreshTenantSegments(h.services.dbs, w.t.id);
    expect(await inTenant((trx) => searchOrderCatalogue(trx, w.admin, { kind: 'sku', q: '面霜' }))).toEqual([{ value: 'SKU-NEW', label: '新品面霜', lines: 1 }]);
  });
});

describe('the live count: exact when cheap, estimated when not', () => {
  it('a small tenant gets exact counts; "exact" forces one', async () => {
    const rule = { all: [{ any: [{ field: 'store', op: 'in', value: ['S1'] }] }] };
    expect(await inTenant((trx) => previewRule(trx, w.admin, rule))).toMatchObject({ count: 2, exact: true });
    expect(await inTenant((trx) => previewRule(trx, w.admin, rule, 0, { exact: true }))).toMatchObject({ count: 2, exact: true });
  });

  it('a count over its time budget is cancelled without failing the transaction', async () => {
    const out = await inTenant(async (trx) => {
      const compiled = await compileRule({ trx, actor: w.admin }, {});
      const slow = { ...compiled, where: sql<boolean>`${compiled.where} and pg_sleep(0.05) is not null` };
      const within = await countMatchingWithin(trx, slow as typeof compiled, 20);
      const after = await sql<{ n: number }>`select count(*)::int as n from customers where tenant_id = ${w.t.id}`.execute(trx);
      const fast = await countMatchingWithin(trx, compiled, 5000);
      const timeout = await sql<{ v: string }>`select current_setting('statement_timeout') as v`.execute(trx);
      return { within, after: after.rows[0]!.n, fast, timeout: timeout.rows[0]!.v };
    });
    expect(out).toEqual({ within: null, after: 5, fast: 5, timeout: '0' });
  });

  it('the estimate scales the sampled share to the tenant (whole table sampled here: equal to the count)', async () => {
    const n = await inTenant(async (trx) => estimateMatching(trx, await compileRule({ trx, actor: w.admin }, { all: [{ any: [{ field: 'store', op: 'in', value: ['S2'] }] }] }), w.t.id));
    expect(n).toBe(2);
    // Set conditions in the sample too (orders in a window, an excluded tag): A, B and C ordered in the last 30
    // days, A carries T2 on an open relation (C's T2 is on an ended one).
    const rule = { all: [{ any: [{ field: 'orders', op: 'gte', value: 1, window: { last_days: 30 } }] }], none: [{ field: 'tags', op: 'has_any', value: [w.tags.T2] }] };
    expect(await inTenant(async (trx) => estimateMatching(trx, await compileRule({ trx, actor: w.admin }, rule), w.t.id))).toBe(2);
  });

  it('a larger tenant is sampled by a slice at the bottom of the id space: exactly the customers whose id falls in it', async () => {
    const out = await inTenant(async (trx) => {
      const ids = (await sql<{ id: string }>`select id from customers where tenant_id = ${w.t.id} and merged_into is null`.execute(trx)).rows.map((r) => r.id);
      const compiled = await compileRule({ trx, actor: w.admin }, {});
      // A slice meant for about 2 of the 5 customers: its end is 2/5 of the way up the id space.
      const end = sampleSliceEnd(2, ids.length);
      const sample = (await estimateSql(compiled, w.t.id, end).execute(trx)).rows[0]!;
      return { end, ids, sample };
    });
    expect(out.end).toBe(`${Math.ceil(0.4 * 2 ** 32).toString(16).padStart(8, '0')}-ffff-ffff-ffff-ffffffffffff`);
    const inSlice = out.ids.filter((id) => id.toLowerCase() <= out.end).length;
    expect(out.sample).toEqual({ hit: inSlice, seen: inSlice });
    expect(sampleSliceEnd(6_000, 1_000_000).startsWith('0189374c')).toBe(true); // 0.6 % of 2^32 = 0x0189374b.c…, rounded up
    expect(sampleSliceEnd(6_000, 10)).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff'); // a small tenant: all of it
  });

  it('the sample is read from the metrics, which a full refresh lays out in id order; without metrics, from the customers', async () => {
    // The metrics' physical order (ctid) is their id order: a slice of the id space is a run of adjacent pages.
    const layout = await inTenant((trx) => sql<{ id: string }>`select customer_id as id from customer_metrics where tenant_id = ${w.t.id} order by ctid`.execute(trx));
    const ids = layout.rows.map((r) => r.id);
    expect(ids.length).toBe(5);
    expect(ids).toEqual([...ids].sort());
    const rolledBack = new Error('rolled back');
    const out: Record<string, unknown> = {};
    await inTenant(async (trx) => {
      const compiled = await compileRule({ trx, actor: w.admin }, { all: [{ any: [{ field: 'store', op: 'in', value: ['S2'] }] }] });
      const all = sampleSliceEnd(1, 1);
      out.withMetrics = (await estimateSql(compiled, w.t.id, all).execute(trx)).rows[0];
      // A tenant whose metrics were never computed: the metrics sample is empty, its customers are sampled instead.
      await sql`delete from customer_metrics where tenant_id = ${w.t.id}`.execute(trx);
      out.metricsGone = (await estimateSql(compiled, w.t.id, all).execute(trx)).rows[0];
      out.customers = (await customerSampleSql(compiled, w.t.id, all).execute(trx)).rows[0];
      out.estimate = await estimateMatching(trx, compiled, w.t.id);
      throw rolledBack;
    }).catch((e: unknown) => {
      if (e !== rolledBack) throw e;
    });
    expect(out).toEqual({ withMetrics: { hit: 2, seen: 5 }, metricsGone: { hit: 0, seen: 0 }, customers: { hit: 2, seen: 5 }, estimate: 2 });
    expect(await inTenant((trx) => sql<{ n: number }>`select count(*)::int as n from customer_metrics where tenant_id = ${w.t.id}`.execute(trx))).toMatchObject({ rows: [{ n: 5 }] });
  });
});
