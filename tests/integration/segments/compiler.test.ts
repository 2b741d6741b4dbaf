/**
 * The rule compiler against a real database: every field and operator on a five-customer world (world.ts), tag
 * set semantics across clerks, the exclusion group, nested segments and a refused cycle, a manager's scope, and
 * bad rules refused with a message naming the condition.
 */
import { sql, type SqlBool } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Rule } from '../../../app/lib/segments/rule';
import { birthdayKeys, compileRule, type SegmentRef } from '../../../server/customers/rule-compiler';
import { countMatching } from '../../../server/customers/rule.repository';
import { nextMemberIds } from '../../../server/segments/actions.repository';
import type { Actor } from '../../../server/tenancy/actor';
import { withTenant } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { actorOf, buildWorld, day, type World } from './world';

const h = useTestServices();
let w: World;
let manager: Actor;

beforeAll(async () => {
  w = await buildWorld(h.services);
  manager = await actorOf(h.services, w.staff.manager.email);
}, 60_000);

const one = (cond: Record<string, unknown>): Rule => ({ all: [{ any: [cond as Rule['none'][number]] }], none: [] });

async function match(rule: unknown, actor: Actor = w.admin, segments: Record<string, SegmentRef> = {}): Promise<string> {
  return withTenant(h.services.dbs, actor.tenantId, async (trx) => {
    const compiled = await compileRule({ trx, actor, loadSegment: async (id) => segments[id] ?? null }, rule);
    const ids = await nextMemberIds(trx, compiled, null, 10_000);
    expect(await countMatching(trx, compiled)).toBe(ids.length);
    return ids.map((id) => w.names[id]).sort().join('');
  });
}

async function refused(rule: unknown, actor: Actor = w.admin, segments: Record<string, SegmentRef> = {}, opts: { segmentId?: string } = {}): Promise<string> {
  return withTenant(h.services.dbs, actor.tenantId, (trx) => compileRule({ trx, actor, loadSegment: async (id) => segments[id] ?? null }, rule, opts)).then(
    () => 'accepted',
    (e: Error) => e.message,
  );
}

/** An independent read of the metrics, to compare metric fields with. */
async function metricsWhere(cond: string): Promise<string> {
  const r = await withTenant(h.services.dbs, w.t.id, (trx) =>
    sql<{ name: string }>`select c.display_name as name from customer_metrics cm join customers c on c.tenant_id = cm.tenant_id and c.id = cm.customer_id
      where cm.tenant_id = ${w.t.id} and ${sql.raw(cond)}`.execute(trx),
  );
  return r.rows.map((x) => x.name).sort().join('');
}

describe('profile fields', () => {
  it.each([
    [{ field: 'store', op: 'in', value: ['S1'] }, 'AB'],
    [{ field: 'store', op: 'not_in', value: ['S2'] }, 'ABE'],
    [{ field: 'store', op: 'empty' }, 'E'],
    [{ field: 'store', op: 'not_empty' }, 'ABCD'],
    [{ field: 'region', op: 'in', value: ['R2'] }, 'CD'],
    [{ field: 'region', op: 'not_in', value: ['R2'] }, 'ABE'],
    [{ field: 'region', op: 'empty' }, 'E'],
    [{ field: 'clerk', op: 'in', value: ['c1'] }, 'ABE'],
    [{ field: 'clerk', op: 'not_in', value: ['c1'] }, 'CD'],
    [{ field: 'clerk', op: 'empty' }, 'C'],
    [{ field: 'channel', op: 'eq', value: 'qr-shop' }, 'A'],
    [{ field: 'channel', op: 'in', value: ['qr-shop', 'qr-mall'] }, 'AB'],
    [{ field: 'channel', op: 'contains', value: 'qr' }, 'AB'],
    [{ field: 'channel', op: 'not_contains', value: 'shop' }, 'BCDE'],
    [{ field: 'channel', op: 'empty' }, 'CDE'],
    [{ field: 'wecom_added_at', op: 'in_last_days', value: 7 }, 'BE'],
    [{ field: 'wecom_added_at', op: 'more_than_days_ago', value: 60 }, 'AD'],
    [{ field: 'wecom_added_at', op: 'between_days_ago', value: [10, 60] }, 'AC'],
    [{ field: 'wecom_added_at', op: 'gte', value: day(5) }, 'BE'],
    [{ field: 'gender', op: 'eq', value: '2' }, 'A'],
    [{ field: 'gender', op: 'in', value: ['1', '2'] }, 'AB'],
    [{ field: 'has_mobile', op: 'eq', value: true }, 'A'],
    [{ field: 'has_mobile', op: 'eq', value: false }, 'BCDE'],
    [{ field: 'member_no', op: 'not_empty' }, 'AD'],
    [{ field: 'member_no', op: 'eq', value: 'M002' }, 'D'],
    [{ field: 'member_no', op: 'neq', value: 'M002' }, 'ABCE'],
    [{ field: 'remark', op: 'contains', value: '老' }, 'A'],
  ])('%j matches %s', async (cond, expected) => {
    expect(await match(one(cond))).toBe(expected);
  });
});

describe('member fields (the member import’s profile on the customer)', () => {
  // D is today (UTC tenant, refreshed today); birthdays are month and day, any year.
  const md = (ago: number) => day(ago).slice(5).split('-').map(Number) as [number, number];
  beforeAll(async () => {
    const { A, B, C, D } = w.ids;
    const [am, ad] = md(-3);
    const [bm, bd] = md(-40);
    const [cm, cd] = md(0);
    await withTenant(h.services.dbs, w.t.id, (trx) =>
      sql`update customers set
          member_level = case id when ${A}::uuid then '金卡' when ${B}::uuid then '银卡' when ${C}::uuid then '金卡' end,
          member_points = case id when ${A}::uuid then 1200 when ${B}::uuid then 300 end,
          birth_month = case id when ${A}::uuid then ${am}::int when ${B}::uuid then ${bm}::int when ${C}::uuid then ${cm}::int end,
          birth_day = case id when ${A}::uuid then ${ad}::int when ${B}::uuid then ${bd}::int when ${C}::uuid then ${cd}::int end,
          birth_year = case id when ${A}::uuid then 1990 end,
          registered_store_id = case id when ${A}::uuid then ${w.t.storeIds.S2}::uuid when ${D}::uuid then ${w.t.storeIds.S1}::uuid end,
          registered_on = case id when ${A}::uuid then ${day(400)}::date when ${D}::uuid then ${day(20)}::date end,
          marketing_opt_out = (id = ${B}::uuid)
        where tenant_id = ${w.t.id}`.execute(trx),
    );
  });

  it.each([
    [{ field: 'member_level', op: 'eq', value: '金卡' }, 'AC'],
    [{ field: 'member_level', op: 'neq', value: '金卡' }, 'BDE'],
    [{ field: 'member_level', op: 'in', value: ['银卡', '钻石卡'] }, 'B'],
    [{ field: 'member_level', op: 'contains', value: '卡' }, 'ABC'],
    [{ field: 'member_level', op: 'empty' }, 'DE'],
    [{ field: 'member_points', op: 'gte', value: 300 }, 'AB'],
    [{ field: 'member_points', op: 'between', value: [1000, 2000] }, 'A'],
    [{ field: 'member_points', op: 'empty' }, 'CDE'],
    // The next 7 days are D … D+6: today's birthday (C) and A's in 3 days; B's in 40 days only with 41.
    [{ field: 'birthday', op: 'in_next_days', value: 7 }, 'AC'],
    [{ field: 'birthday', op: 'in_next_days', value: 3 }, 'C'],
    [{ field: 'birthday', op: 'in_next_days', value: 41 }, 'ABC'],
    [{ field: 'birthday', op: 'not_empty' }, 'ABC'],
    [{ field: 'birthday', op: 'empty' }, 'DE'],
    [{ field: 'registered_store', op: 'in', value: ['S1'] }, 'D'],
    [{ field: 'registered_store', op: 'not_in', value: ['S1'] }, 'ABCE'],
    [{ field: 'registered_store', op: 'empty' }, 'BCE'],
    [{ field: 'registered_on', op: 'in_last_days', value: 30 }, 'D'],
    [{ field: 'registered_on', op: 'more_than_days_ago', value: 365 }, 'A'],
    [{ field: 'registered_on', op: 'not_empty' }, 'AD'],
    [{ field: 'marketing_opt_out', op: 'eq', value: true }, 'B'],
    [{ field: 'marketing_opt_out', op: 'eq', value: false }, 'ACDE'],
  ])('%j matches %s', async (cond, expected) => {
    expect(await match(one(cond))).toBe(expected);
  });

  it('birthdays ignore the year; 29 February counts on 28 February in a common year', () => {
    // 2027 is common: a window over 28 February holds the 29 February birthdays, one that ends on the 27th does not.
    expect(birthdayKeys('2027-02-27', 2)).toEqual([227, 228, 229]);
    expect(birthdayKeys('2027-02-26', 2)).toEqual([226, 227]);
    // 2028 is a leap year: 29 February is its own day.
    expect(birthdayKeys('2028-02-28', 1)).toEqual([228]);
    expect(birthdayKeys('2028-02-28', 2)).toEqual([228, 229]);
    // Across the new year; a whole year holds every day.
    expect(birthdayKeys('2026-12-30', 4)).toEqual([101, 102, 1230, 1231]);
    expect(birthdayKeys('2026-03-01', 400)).toHaveLength(366);
  });

  it('the main serving clerk is the metrics’ clerk, as the Stores & clerks dashboard counts', async () => {
    const c1 = w.staff.clerk1.id;
    expect(await match(one({ field: 'serving_clerk', op: 'in', value: ['c1'] }))).toBe(await metricsWhere(`cm.clerk_id = '${c1}'`));
    expect(await match(one({ field: 'serving_clerk', op: 'not_in', value: [c1] }))).toBe(await metricsWhere(`cm.clerk_id is distinct from '${c1}'`));
    expect(await match(one({ field: 'serving_clerk', op: 'empty' }))).toBe(await metricsWhere('cm.clerk_id is null'));
  });
});

describe('WeCom fields', () => {
  it('tags: has any / has all across clerks / has none / empty; by id or by name; internal tags count', async () => {
    const { T1, T2, I1 } = w.tags;
    expect(await match(one({ field: 'tags', op: 'has_any', value: [T1] }))).toBe('AB');
    // A has 高意向 from clerk 1 and VIP from clerk 2: "has all" holds per customer, across relations.
    expect(await match(one({ field: 'tags', op: 'has_all', value: ['高意向', 'VIP'] }))).toBe('A');
    expect(await match(one({ field: 'tags', op: 'has_all', value: [T1, I1] }))).toBe('B');
    // C's VIP sits on an ended relation: it no longer counts.
    expect(await match(one({ field: 'tags', op: 'has_none', value: [T2] }))).toBe('BCDE');
    expect(await match(one({ field: 'tags', op: 'empty' }))).toBe('CDE');
    expect(await match(one({ field: 'tags', op: 'not_empty' }))).toBe('AB');
  });

  it.each([
    [{ field: 'groups', op: 'has_any', value: ['会员群'] }, 'B'],
    [{ field: 'groups', op: 'has_none', value: ['chat1'] }, 'ACDE'],
    [{ field: 'groups', op: 'not_empty' }, 'B'],
    [{ field: 'relation', op: 'in', value: ['active'] }, 'AB'],
    [{ field: 'relation', op: 'in', value: ['deleted_by_customer'] }, 'E'],
    [{ field: 'relation', op: 'in', value: ['clerk_left'] }, 'D'],
    [{ field: 'relation', op: 'in', value: ['ended'] }, 'C'],
    [{ field: 'relation', op: 'in', value: ['none'] }, ''],
    [{ field: 'relation', op: 'not_in', value: ['active'] }, 'CDE'],
    [{ field: 'clerk_count', op: 'eq', value: 2 }, 'A'],
    [{ field: 'clerk_count', op: 'gte', value: 1 }, 'ABDE'],
    // Comparisons that customers without an open relation (0 clerks) also satisfy.
    [{ field: 'clerk_count', op: 'lt', value: 2 }, 'BCDE'],
    [{ field: 'clerk_count', op: 'eq', value: 0 }, 'C'],
  ])('%j matches %s', async (cond, expected) => {
    expect(await match(one(cond))).toBe(expected);
  });
});

describe('metrics', () => {
  it.each([
    [{ field: 'frequency', op: 'eq', value: 2 }, 'AC'],
    [{ field: 'frequency', op: 'between', value: [1, 1] }, 'BD'],
    [{ field: 'monetary_fen', op: 'gt', value: 50000 }, 'CD'],
    [{ field: 'recency_days', op: 'lte', value: 5 }, 'BC'],
    [{ field: 'recency_days', op: 'empty' }, 'E'],
    [{ field: 'aov_fen', op: 'eq', value: 10000 }, 'A'],
    [{ field: 'aov_fen', op: 'lt', value: 10000 }, 'B'],
    // The last 30 days are D-29 … D: C's first purchase 30 days ago is outside, 31 days include it.
    [{ field: 'first_purchase_day', op: 'in_last_days', value: 30 }, 'B'],
    [{ field: 'first_purchase_day', op: 'in_last_days', value: 31 }, 'BC'],
    [{ field: 'last_purchase_day', op: 'more_than_days_ago', value: 100 }, 'D'],
    [{ field: 'last_purchase_day', op: 'between', value: [day(10), day(4)] }, 'AB'],
    [{ field: 'stage', op: 'eq', value: 'prospect' }, 'E'],
    [{ field: 'p_alive', op: 'empty' }, 'ABCDE'],
    [{ field: 'predicted_value_fen', op: 'not_empty' }, ''],
  ])('%j matches %s', async (cond, expected) => {
    expect(await match(one(cond))).toBe(expected);
  });

  it.each([
    [{ field: 'stage', op: 'in', value: ['new', 'active'] }, "cm.stage in ('new', 'active')"],
    [{ field: 'stage', op: 'not_in', value: ['prospect'] }, "cm.stage <> 'prospect'"],
    [{ field: 'rfm_group', op: 'neq', value: 'champions' }, "cm.rfm_group <> 'champions'"],
    [{ field: 'r_score', op: 'eq', value: 5 }, 'cm.r_score = 5'],
    [{ field: 'f_score', op: 'gte', value: 2 }, 'cm.f_score >= 2'],
    [{ field: 'm_score', op: 'lt', value: 3 }, 'cm.m_score < 3'],
    [{ field: 'fm_score', op: 'between', value: [2, 4] }, 'cm.fm_score between 2 and 4'],
    [{ field: 'due', op: 'eq', value: true }, 'cm.is_due'],
    [{ field: 'days_overdue', op: 'gte', value: 0 }, 'cm.is_due'],
    [{ field: 'next_purchase_day', op: 'not_empty' }, 'cm.expected_next_purchase is not null'],
    [{ field: 'median_interval_days', op: 'gt', value: 0 }, 'cm.median_interval_days > 0'],
    [{ field: 'expected_purchases_90', op: 'empty' }, 'cm.exp_purchases_90 is null'],
  ])('%j matches the same customers as `%s`', async (cond, where) => {
    expect(await match(one(cond))).toBe(await metricsWhere(where));
  });
});

describe('order behaviour in a window (local days counted back from D)', () => {
  it.each([
    [{ field: 'orders', op: 'gte', value: 1, window: { last_days: 30 } }, 'ABC'],
    [{ field: 'orders', op: 'eq', value: 0, window: { last_days: 30 } }, 'DE'],
    [{ field: 'orders', op: 'gte', value: 1, window: { days_ago: [25, 45] } }, 'AC'],
    [{ field: 'orders', op: 'gte', value: 1, window: { since: day(12) } }, 'ABC'],
    [{ field: 'orders', op: 'eq', value: 2 }, 'AC'],
    // Paid orders only: C's refund does not lower the paid amount in the window.
    [{ field: 'spend_fen', op: 'gte', value: 30000, window: { last_days: 30 } }, 'C'],
    [{ field: 'spend_fen', op: 'gte', value: 60000 }, 'CD'],
    // Comparisons that hold for customers without an order in the window too (count 0, spend 0).
    [{ field: 'orders', op: 'lt', value: 2 }, 'BDE'],
    [{ field: 'orders', op: 'lte', value: 1, window: { last_days: 45 } }, 'BDE'],
    [{ field: 'orders', op: 'neq', value: 2 }, 'BDE'],
    [{ field: 'spend_fen', op: 'lt', value: 30000 }, 'ABE'],
    [{ field: 'spend_fen', op: 'between', value: [0, 10000], window: { last_days: 30 } }, 'ABDE'],
    [{ field: 'bought_sku', op: 'in', value: ['SKU-X'] }, 'C'],
    [{ field: 'bought_category', op: 'in', value: ['护肤'], window: { last_days: 15 } }, 'AC'],
    [{ field: 'bought_category', op: 'not_in', value: ['护肤'] }, 'BDE'],
    [{ field: 'bought_store', op: 'in', value: ['S2'] }, 'CD'],
  ])('%j matches %s', async (cond, expected) => {
    expect(await match(one(cond))).toBe(expected);
  });
});

describe('groups, exclusion and nested segments', () => {
  it('AND over groups, OR inside a group', async () => {
    const rule = { all: [{ any: [{ field: 'store', op: 'in', value: ['S2'] }, { field: 'gender', op: 'eq', value: '2' }] }, { any: [{ field: 'frequency', op: 'eq', value: 2 }] }] };
    expect(await match(rule)).toBe('AC');
  });

  it('evaluates cheap conditions first (metrics, then lookups, then order windows), with the same result', async () => {
    const costly = { all: [{ any: [{ field: 'orders', op: 'eq', value: 2 }] }, { any: [{ field: 'tags', op: 'has_any', value: [w.tags.T1] }, { field: 'frequency', op: 'gte', value: 1 }] }, { any: [{ field: 'frequency', op: 'eq', value: 2 }] }] };
    const text = await withTenant(h.services.dbs, w.admin.tenantId, async (trx) => {
      const compiled = await compileRule({ trx, actor: w.admin, loadSegment: async () => null }, costly);
      return sql<SqlBool>`${compiled.where}`.compile(trx).sql;
    });
    const at = (needle: string) => text.indexOf(needle);
    // The plain metric group first; inside the mixed group the metric before the tag lookup; the order window last.
    expect(at('cm.frequency =')).toBeGreaterThanOrEqual(0);
    expect(at('cm.frequency =')).toBeLessThan(at('cm.frequency >='));
    expect(at('cm.frequency >=')).toBeLessThan(at('customer_follows'));
    expect(at('customer_follows')).toBeLessThan(at('from orders'));
    const reordered = { all: [...costly.all].reverse() };
    expect(await match(costly)).toBe(await match(reordered));
    expect(await match(costly)).toBe('AC');
  });

  it('the exclusion group removes its customers, also those without the data', async () => {
    expect(await match({ all: [{ any: [{ field: 'store', op: 'in', value: ['S1'] }] }], none: [{ field: 'tags', op: 'has_any', value: [w.tags.T2] }] })).toBe('B');
    // E has no metrics values: "but not R ≤ 5" keeps them.
    expect(await match({ none: [{ field: 'recency_days', op: 'lte', value: 5 }] })).toBe('ADE');
    // Order counts in the exclusion group and inside an OR: "but not fewer than 2 orders", "2 orders or spend < 100".
    expect(await match({ none: [{ field: 'orders', op: 'lt', value: 2 }] })).toBe('AC');
    expect(await match(one({ field: 'orders', op: 'eq', value: 2 }))).toBe('AC');
    expect(await match({ all: [{ any: [{ field: 'orders', op: 'eq', value: 2 }, { field: 'spend_fen', op: 'lt', value: 10000 }] }] })).toBe('ABCE');
  });

  it('in / not in a saved segment, dynamic (its rule) and static (its members)', async () => {
    const segs: Record<string, SegmentRef> = {
      '00000000-0000-4000-8000-000000000001': { id: '00000000-0000-4000-8000-000000000001', name: 'S1 shoppers', kind: 'dynamic', rule: one({ field: 'store', op: 'in', value: ['S1'] }) },
      '00000000-0000-4000-8000-000000000002': { id: '00000000-0000-4000-8000-000000000002', name: 'nested', kind: 'dynamic', rule: one({ field: 'segment', op: 'in', value: ['00000000-0000-4000-8000-000000000001'] }) },
    };
    expect(await match(one({ field: 'segment', op: 'in', value: ['00000000-0000-4000-8000-000000000001'] }), w.admin, segs)).toBe('AB');
    expect(await match(one({ field: 'segment', op: 'not_in', value: ['00000000-0000-4000-8000-000000000002'] }), w.admin, segs)).toBe('CDE');
  });

  it('a cycle of segments is refused, naming the condition and the cycle', async () => {
    const x = '00000000-0000-4000-8000-00000000000a';
    const y = '00000000-0000-4000-8000-00000000000b';
    const segs: Record<string, SegmentRef> = {
      [x]: { id: x, name: 'X', kind: 'dynamic', rule: one({ field: 'segment', op: 'in', value: [y] }) },
      [y]: { id: y, name: 'Y', kind: 'dynamic', rule: one({ field: 'segment', op: 'in', value: [x] }) },
    };
    const msg = await refused(one({ field: 'segment', op: 'in', value: [x] }), w.admin, segs);
    expect(msg).toContain('all[0].any[0] (segment in)');
    expect(msg).toContain(`segment cycle refused: ${x} → ${y} → ${x}`);
    // Saving X with a rule that points at itself.
    expect(await refused(one({ field: 'segment', op: 'in', value: [x] }), w.admin, segs, { segmentId: x })).toContain(`segment cycle refused: ${x} → ${x}`);
  });
});

describe('scope and refusals', () => {
  it('a manager counts inside their region (home store S1, or served by an S1 clerk)', async () => {
    expect(await match({}, manager)).toBe('ABE');
    expect(await match(one({ field: 'tags', op: 'has_any', value: [w.tags.T2] }), manager)).toBe('A');
    expect(await match({}, w.admin)).toBe('ABCDE');
  });

  it('a manager cannot name a store, region or clerk outside their scope', async () => {
    expect(await refused(one({ field: 'store', op: 'in', value: ['S2'] }), manager)).toBe('all[0].any[0] (store in): unknown store "S2"');
    expect(await refused(one({ field: 'region', op: 'in', value: ['R2'] }), manager)).toContain('unknown region "R2"');
    expect(await refused(one({ field: 'clerk', op: 'in', value: ['c2'] }), manager)).toContain('unknown clerk "c2"');
  });

  it.each([
    [{ all: [{ any: [{ field: 'store', op: 'in', value: ['S1'] }, { field: 'loyalty', op: 'eq', value: 1 }] }] }, 'all[0].any[1] (loyalty eq): unknown field "loyalty"'],
    [one({ field: 'recency_days', op: 'has_any', value: [1] }), 'all[0].any[0] (recency_days has_any): operator has_any does not apply to recency_days'],
    [one({ field: 'recency_days', op: 'gt', value: 'ten' }), 'all[0].any[0] (recency_days gt): value must be a number'],
    [one({ field: 'stage', op: 'eq', value: 'sleeping' }), 'all[0].any[0] (stage eq): unknown value "sleeping"'],
    [one({ field: 'tags', op: 'has_any', value: ['没有这个标签'] }), 'all[0].any[0] (tags has_any): unknown tag "没有这个标签"'],
    [one({ field: 'stage', op: 'eq', value: 'new', window: { last_days: 7 } }), 'all[0].any[0] (stage eq): stage takes no window'],
    [{ none: [{ field: 'orders', op: 'gt', value: 1, window: { last_days: 0 } }] }, 'none[0] (orders gt): Too small'],
    [{ all: [{ any: [] }] }, 'all[0].any: a group needs at least one condition'],
    [one({ field: 'segment', op: 'in', value: ['nope'] }), 'all[0].any[0] (segment in): unknown segment "nope"'],
  ])('%j is refused: %s', async (rule, message) => {
    expect(await refused(rule)).toContain(message);
  });
});
