/**
 * The customer profile: base data and member profile, metrics, the order timeline (newest first, up to 200), serving
 * clerks, identities (tags: the WeCom section). Inside the actor's scope (customerScopeSql on the customer's home
 * store, or the metrics' home store).
 */
import { sql } from 'kysely';
import { NotFoundError } from '../lib/errors';
import type { Actor } from '../tenancy/actor';
import type { TenantId, Tx } from '../tenancy/context';
import { customerScopeSql, identityScopeSql } from './scope';
import type { MemberFacts } from '../../app/lib/contracts/member';

export interface ProfileOrder {
  id: number;
  order_no: string;
  paid_at: Date;
  paid_day: string;
  amount_fen: number;
  is_refund: boolean;
  channel: string;
  store: string | null;
  clerk: string | null;
  items: { name: string | null; category: string | null; quantity: number; amount_fen: number }[];
}

/** The profile: base data, metrics, the order timeline (newest first, up to 200), serving clerks, identities (tags: the WeCom section). */
export async function customerProfile(trx: Tx, actor: Actor, id: string) {
  const base = await sql<{
    id: string;
    display_name: string | null;
    source: string;
    mobile_masked: string | null;
    created_at: Date;
    gender: number;
    store: string | null;
    home_store: string | null;
  }>`
    select c.id, c.display_name, c.source, c.mobile_masked, c.created_at, c.gender, ps.name as store, hs.name as home_store
    from customers c
    left join customer_metrics cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id
    left join stores ps on ps.tenant_id = c.tenant_id and ps.id = c.primary_store_id
    left join stores hs on hs.tenant_id = c.tenant_id and hs.id = cm.store_id
    where c.tenant_id = ${actor.tenantId} and c.id = ${id}::uuid and c.merged_into is null
      and (${customerScopeSql(actor, 'c.id', 'c.primary_store_id')} or (cm.customer_id is not null and ${customerScopeSql(actor, 'c.id', 'cm.store_id')}))`.execute(trx);
  const c = base.rows[0];
  if (!c) throw new NotFoundError('客户不存在或不在你的范围内 / Customer not found or outside your scope');
  const metrics = await trx.selectFrom('customer_metrics').selectAll().where('tenant_id', '=', actor.tenantId).where('customer_id', '=', id).executeTakeFirst();
  const orders = await sql<Omit<ProfileOrder, 'items'>>`
    select o.id, o.order_no, o.paid_at, o.paid_day::text as paid_day, o.amount_fen, (o.is_refund or o.amount_fen < 0) as is_refund, o.channel, s.name as store, k.name as clerk
    from orders o left join stores s on s.tenant_id = o.tenant_id and s.id = o.store_id left join staff k on k.tenant_id = o.tenant_id and k.id = o.clerk_id
    where o.tenant_id = ${actor.tenantId} and o.customer_id = ${id}::uuid
    order by o.paid_at desc limit 200`.execute(trx);
  const orderCount = await sql<{ n: number }>`select count(*)::int as n from orders where tenant_id = ${actor.tenantId} and customer_id = ${id}::uuid`.execute(trx);
  const ids = orders.rows.map((o) => o.id);
  const items = ids.length
    ? await sql<{ order_id: number; name: string | null; category: string | null; quantity: number; amount_fen: number }>`
        select order_id, name, category, quantity::float8 as quantity, amount_fen from order_items
        where tenant_id = ${actor.tenantId} and order_id = any(${ids}::bigint[]) order by order_id, line_no`.execute(trx)
    : { rows: [] };
  const byOrder = new Map<number, ProfileOrder['items']>();
  for (const it of items.rows) {
    const list = byOrder.get(it.order_id) ?? [];
    list.push({ name: it.name, category: it.category, quantity: Number(it.quantity), amount_fen: Number(it.amount_fen) });
    byOrder.set(it.order_id, list);
  }
  const follows = await sql<{ clerk: string; store: string | null; added_at: Date | null; remark: string | null; ended_at: Date | null }>`
    select s.name as clerk, st.name as store, f.added_at, f.remark, f.ended_at
    from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
    where f.tenant_id = ${actor.tenantId} and f.customer_id = ${id}::uuid order by f.added_at nulls last`.execute(trx);
  const identities = await sql<{ kind: string; value: string }>`
    select kind, value from customer_identities where tenant_id = ${actor.tenantId} and customer_id = ${id}::uuid and ${identityScopeSql(actor)} order by created_at`.execute(trx);
  return {
    ...c,
    metrics: metrics ?? null,
    orders: orders.rows.map((o) => ({ ...o, amount_fen: Number(o.amount_fen), items: byOrder.get(o.id) ?? [] })),
    orderCount: orderCount.rows[0]?.n ?? 0,
    follows: follows.rows,
    member: await memberProfile(trx, actor.tenantId, id),
    identities: identities.rows.map((i) => ({ kind: i.kind, value: i.kind === 'mobile' ? (c.mobile_masked ?? '***') : i.value })),
  };
}

/** Member data of a customer (the member import): null when the customer has none. */
export async function memberProfile(trx: Tx, tenantId: TenantId, id: string) {
  const r = await sql<MemberFacts & { opt_out_at: Date | null; updated_at: Date | null }>`
    select (select min(ci.value) from customer_identities ci where ci.tenant_id = c.tenant_id and ci.customer_id = c.id and ci.kind = 'member_no') as member_no,
      c.member_level as level, c.member_points as points, c.birth_year, c.birth_month, c.birth_day, s.name as registered_store,
      c.registered_on::text as registered_on, c.marketing_opt_out as opt_out, c.marketing_opt_out_at as opt_out_at, c.member_updated_at as updated_at
    from customers c left join stores s on s.tenant_id = c.tenant_id and s.id = c.registered_store_id
    where c.tenant_id = ${tenantId} and c.id = ${id}::uuid`.execute(trx);
  const m = r.rows[0];
  if (!m || (m.member_no === null && m.level === null && m.points === null && m.birth_month === null && m.registered_on === null && !m.opt_out)) return null;
  return { ...m, points: m.points === null ? null : Number(m.points) };
}
export type MemberProfile = NonNullable<Awaited<ReturnType<typeof memberProfile>>>;
