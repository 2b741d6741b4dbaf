/** Customer list and profile reads, always within the actor's scope (server/customers/scope.ts). */
import { sql } from 'kysely';
import type { Actor } from '../tenancy/actor';
import type { Tx } from '../tenancy/context';
import { NotFoundError } from '../lib/errors';
import { customerHasTagSql } from '../wecom/tags.repository';
import { customerScopeSql } from './scope';

export const CUSTOMER_SORTS = ['name', 'created_at', 'store'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

export async function listCustomers(trx: Tx, actor: Actor, p: { sort: CustomerSort; dir: 'asc' | 'desc'; page: number; size: number; q?: string; storeId?: string; tagId?: string }) {
  const order = { name: sql`c.display_name`, created_at: sql`c.created_at`, store: sql`st.name` }[p.sort];
  const where = sql`c.tenant_id = ${actor.tenantId} and c.merged_into is null and ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')}
    ${p.q ? sql`and (c.display_name ilike ${'%' + p.q + '%'} or c.mobile_masked like ${'%' + p.q + '%'})` : sql``}
    ${p.storeId ? sql`and c.primary_store_id = ${p.storeId}::uuid` : sql``}
    ${p.tagId ? sql`and ${customerHasTagSql(actor.tenantId, 'c.id', p.tagId)}` : sql``}`;
  const total = await sql<{ n: number }>`select count(*)::int as n from customers c where ${where}`.execute(trx);
  const rows = await sql<{ id: string; display_name: string | null; source: string; mobile_masked: string | null; created_at: Date; store: string | null; clerks: string | null }>`
    select c.id, c.display_name, c.source, c.mobile_masked, c.created_at, st.name as store,
      (select string_agg(s.name, '、' order by f.added_at) from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
        where f.tenant_id = c.tenant_id and f.customer_id = c.id and f.ended_at is null) as clerks
    from customers c left join stores st on st.tenant_id = c.tenant_id and st.id = c.primary_store_id
    where ${where}
    order by ${order} ${sql.raw(p.dir === 'asc' ? 'asc nulls last' : 'desc nulls last')}, c.id
    limit ${p.size} offset ${(p.page - 1) * p.size}`.execute(trx);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

export async function getCustomer(trx: Tx, actor: Actor, id: string) {
  const row = await sql<{ id: string; display_name: string | null; source: string; mobile_masked: string | null; created_at: Date; store: string | null; gender: number; avatar: string | null }>`
    select c.id, c.display_name, c.source, c.mobile_masked, c.created_at, st.name as store, c.gender, c.avatar
    from customers c left join stores st on st.tenant_id = c.tenant_id and st.id = c.primary_store_id
    where c.tenant_id = ${actor.tenantId} and c.id = ${id}::uuid and ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')}`.execute(trx);
  const c = row.rows[0];
  if (!c) throw new NotFoundError('客户不存在或不在你的范围内 / Customer not found or outside your scope');
  const follows = await trx
    .selectFrom('customer_follows as f')
    .innerJoin('staff as s', (j) => j.onRef('s.tenant_id', '=', 'f.tenant_id').onRef('s.id', '=', 'f.staff_id'))
    .leftJoin('stores as st', (j) => j.onRef('st.tenant_id', '=', 's.tenant_id').onRef('st.id', '=', 's.store_id'))
    .select(['s.name as clerk', 'st.name as store', 'f.added_at', 'f.add_way', 'f.state', 'f.remark', 'f.description', 'f.ended_at', 'f.end_reason'])
    .where('f.tenant_id', '=', actor.tenantId)
    .where('f.customer_id', '=', id)
    .orderBy('f.added_at')
    .execute();
  const identities = await trx
    .selectFrom('customer_identities')
    .select(['kind', 'value', 'source', 'created_at'])
    .where('tenant_id', '=', actor.tenantId)
    .where('customer_id', '=', id)
    .orderBy('created_at')
    .execute();
  return { ...c, follows, identities: identities.map((i) => ({ ...i, value: i.kind === 'mobile' ? (c.mobile_masked ?? '***') : i.value })) };
}

/** Is the customer (not merged away) inside the actor's customer scope? */
export async function customerInScope(trx: Tx, actor: Actor, customerId: string): Promise<boolean> {
  const r = await sql`select 1 from customers c where c.tenant_id = ${actor.tenantId}::uuid and c.id = ${customerId}::uuid and c.merged_into is null and ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')}`.execute(trx);
  return r.rows.length > 0;
}

/** customerInScope, or the "not found" a user outside the scope gets (the same as for a customer that does not exist). */
export async function assertCustomerInScope(trx: Tx, actor: Actor, customerId: string): Promise<void> {
  if (!(await customerInScope(trx, actor, customerId))) throw new NotFoundError('客户不存在或不在你的范围内 / Customer not found or outside your scope');
}
