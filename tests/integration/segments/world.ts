/**
 * A small tenant where every segment field has something to find: five customers (A–E) with orders, WeCom
 * relations of three clerks (one left), corp and internal tags, a group chat, identities; metrics refreshed.
 * Time zone UTC, so the reference day D is today's UTC date.
 */
import { sql } from 'kysely';
import { fullRefresh } from '../../../server/analytics/refresh.service';
import type { Services } from '../../../server/services';
import type { Actor } from '../../../server/tenancy/actor';
import { login, resolveSession } from '../../../server/tenancy/auth.service';
import { withTenant } from '../../../server/tenancy/context';
import { makeStaff, makeTenant, PASSWORD } from '../../factories/tenant';
import { addCustomers, addOrders } from '../analytics/support';

export const day = (ago: number) => new Date(Date.now() - ago * 86400_000).toISOString().slice(0, 10);

export async function actorOf(services: Services, email: string): Promise<Actor> {
  const r = await login(services, { identifier: email, password: PASSWORD, ip: null, userAgent: null });
  const s = await resolveSession(services, r.cookie.split(';')[0]!);
  if (s?.kind !== 'staff') throw new Error('no staff session');
  return s.actor;
}

export type World = Awaited<ReturnType<typeof buildWorld>>;

export async function buildWorld(services: Services) {
  const t = await makeTenant(services, { timezone: 'UTC' });
  const clerk1 = await makeStaff(services, t.id, t.slug, 'clerk', { storeCode: 'S1', wecomUserid: 'c1' });
  const clerk2 = await makeStaff(services, t.id, t.slug, 'clerk', { storeCode: 'S2', wecomUserid: 'c2' });
  const clerk3 = await makeStaff(services, t.id, t.slug, 'clerk', { storeCode: 'S2', wecomUserid: 'c3' });
  const manager = await makeStaff(services, t.id, t.slug, 'manager', { regionCodes: ['R1'] });
  const ops = await makeStaff(services, t.id, t.slug, 'ops');
  const [A, B, C, D, E] = (await addCustomers(services, t.id, [
    { name: 'A', storeId: t.storeIds.S1 },
    { name: 'B', storeId: t.storeIds.S1 },
    { name: 'C', storeId: t.storeIds.S2 },
    { name: 'D', storeId: t.storeIds.S2 },
    { name: 'E', storeId: null },
  ])) as [string, string, string, string, string];
  const names: Record<string, string> = { [A]: 'A', [B]: 'B', [C]: 'C', [D]: 'D', [E]: 'E' };
  const S1 = t.storeIds.S1;
  const S2 = t.storeIds.S2;
  await addOrders(services, t.id, [
    { customer: A, at: day(40), yuan: 100, store: S1 },
    { customer: A, at: day(10), yuan: 100, store: S1, category: '护肤', orderNo: `A10-${t.slug}` },
    { customer: B, at: day(5), yuan: 50, store: S1, category: '彩妆' },
    { customer: C, at: day(30), yuan: 300, store: S2 },
    { customer: C, at: day(3), yuan: 300, store: S2, category: '护肤', orderNo: `C3-${t.slug}` },
    { customer: C, at: day(2), yuan: -50, refund: true, store: S2 },
    { customer: D, at: day(200), yuan: 700, store: S2 },
    { customer: null, at: day(1), yuan: 999, store: S1 },
  ]);
  const tags = await withTenant(services.dbs, t.id, async (trx) => {
    await sql`update order_items set sku = 'SKU-X' where tenant_id = ${t.id} and order_id = (select id from orders where tenant_id = ${t.id} and order_no = ${`C3-${t.slug}`})`.execute(trx);
    await sql`update customers set gender = case display_name when 'A' then 2 when 'B' then 1 else 0 end, mobile_masked = case when display_name = 'A' then '138****0001' end where tenant_id = ${t.id}`.execute(trx);
    await sql`insert into customer_identities (tenant_id, kind, value, customer_id, source) values
      (${t.id}, 'member_no', 'M001', ${A}, 'test'), (${t.id}, 'member_no', 'M002', ${D}, 'test')`.execute(trx);
    const wg = await trx.insertInto('tag_groups').values({ tenant_id: t.id, name: '意向', kind: 'wecom', wecom_group_id: 'wg1', deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    const ig = await trx.insertInto('tag_groups').values({ tenant_id: t.id, name: '内部', kind: 'internal', wecom_group_id: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    const mk = (group_id: string, name: string, wid: string | null) =>
      trx.insertInto('tags').values({ tenant_id: t.id, group_id, name, wecom_tag_id: wid, push_error: null, created_by_label: 'test', deleted_at: null }).returning('id').executeTakeFirstOrThrow().then((r) => r.id);
    const T1 = await mk(wg.id, '高意向', 'wt1');
    const T2 = await mk(wg.id, 'VIP', 'wt2');
    const I1 = await mk(ig.id, '内部关注', null);
    const ago = (n: number) => sql`now() - make_interval(days => ${n})`;
    const follow = (customer: string, staff: string, addedAgo: number, extra: { state?: string; remark?: string; tags?: string[]; ended?: boolean; deleted?: boolean } = {}) =>
      sql`insert into customer_follows (tenant_id, customer_id, staff_id, added_at, state, remark, tag_ids, ended_at, customer_deleted_at)
        values (${t.id}, ${customer}, ${staff}, ${ago(addedAgo)}, ${extra.state ?? null}, ${extra.remark ?? null}, ${extra.tags ?? []}::uuid[],
          ${extra.ended ? sql`now()` : sql`null`}, ${extra.deleted ? sql`now()` : sql`null`})`.execute(trx);
    await follow(A, clerk1.id, 100, { state: 'qr-shop', remark: '老顾客', tags: [T1] });
    await follow(A, clerk2.id, 20, { tags: [T2] });
    await follow(B, clerk1.id, 5, { state: 'qr-mall', tags: [T1] });
    await follow(C, clerk2.id, 50, { tags: [T2], ended: true });
    await follow(E, clerk1.id, 2, { deleted: true });
    await follow(D, clerk3.id, 300);
    await sql`update staff set active = false where tenant_id = ${t.id} and id = ${clerk3.id}`.execute(trx);
    await sql`insert into customer_internal_tags (tenant_id, customer_id, tag_id, added_by_label) values (${t.id}, ${B}, ${I1}, 'test')`.execute(trx);
    await sql`insert into wecom_group_chats (tenant_id, chat_id, name) values (${t.id}, 'chat1', '会员群')`.execute(trx);
    await sql`insert into wecom_group_members (tenant_id, chat_id, member_id, member_type, customer_id, left_at) values
      (${t.id}, 'chat1', 'ext-b', 2, ${B}, null), (${t.id}, 'chat1', 'ext-a', 2, ${A}, now())`.execute(trx);
    return { T1, T2, I1 };
  });
  await fullRefresh(services, t.id);
  return {
    t,
    ids: { A, B, C, D, E },
    names,
    tags,
    staff: { clerk1, clerk2, clerk3, manager, ops },
    admin: t.actor,
  };
}
