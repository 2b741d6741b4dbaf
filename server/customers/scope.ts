/**
 * Which customers an actor may see. Every customer query of every capability goes through this filter:
 * - admin / ops / API keys: all customers of the tenant (RLS keeps it to the tenant);
 * - manager: customers whose primary store is in their scope, or who are served by a clerk of those stores;
 * - clerk: the customers they serve (an open follow relation).
 */
import { sql, type SqlBool } from 'kysely';
import type { IdentityKind } from '../../db/schema';
import { isClerk, type Actor } from '../tenancy/actor';

/** The filter as a SQL condition on the customer id (and primary store) columns named by the caller. */
export function customerScopeSql(actor: Actor, customerIdRef = 'customers.id', storeIdRef = 'customers.primary_store_id') {
  const cid = sql.ref(customerIdRef);
  if (isClerk(actor)) {
    return sql<SqlBool>`exists (select 1 from customer_follows f where f.customer_id = ${cid} and ${clerkRelationSql(actor, 'f')})`;
  }
  if (actor.storeScope === null) return sql<SqlBool>`true`;
  if (actor.storeScope.length === 0) return sql<SqlBool>`false`;
  const stores = sql.join(actor.storeScope.map((s) => sql`${s}::uuid`));
  return sql<SqlBool>`(${sql.ref(storeIdRef)} in (${stores}) or exists (
      select 1 from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
      where f.tenant_id = ${actor.tenantId} and f.customer_id = ${cid} and f.ended_at is null and s.store_id in (${stores})))`;
}

/**
 * A clerk's scope as the relations to start from: `customer_follows` rows (alias `f`) of the clerk that are open, one
 * per customer served (customer_follows_staff_idx). A clerk's lists drive from these instead of filtering every
 * customer of the tenant; `customerScopeSql` tests the same condition for one customer. Null for other roles.
 */
export function clerkRelationSql(actor: Actor, f: string) {
  if (!isClerk(actor)) return null;
  return sql<SqlBool>`${sql.ref(`${f}.tenant_id`)} = ${actor.tenantId}::uuid and ${sql.ref(`${f}.staff_id`)} = ${actor.staffId}::uuid and ${sql.ref(`${f}.ended_at`)} is null`;
}

/**
 * WeCom's raw ids of a customer (external_userid, unionid, openid) are for integration work: a clerk never
 * receives them (issue #13.13), so identity queries filter them out in SQL for the clerk role.
 */
const RAW_WECOM_ID_KINDS = ['external_userid', 'unionid', 'openid'] as const satisfies readonly IdentityKind[];

export function identityScopeSql(actor: Actor, kindRef = 'kind') {
  if (!isClerk(actor)) return sql<SqlBool>`true`;
  return sql<SqlBool>`${sql.ref(kindRef)} not in (${sql.join(RAW_WECOM_ID_KINDS.map((k) => sql`${k}`))})`;
}

/** Stores an actor may see (null = all). */
export function storeScopeSql(actor: Actor, storeIdRef: string) {
  if (actor.storeScope === null) return sql<SqlBool>`true`;
  if (actor.storeScope.length === 0) return sql<SqlBool>`false`;
  return sql<SqlBool>`${sql.ref(storeIdRef)} in (${sql.join(actor.storeScope.map((s) => sql`${s}::uuid`))})`;
}
