/** SQL fragments the read models share: paid orders, the actor's scope with the filters, the period. */
import { sql } from 'kysely';
import { customerScopeSql, storeScopeSql } from '../../customers/scope';
import { storeFilterSql } from '../filters';
import type { Ctx } from './read';

export const PAID = sql`(o.amount_fen > 0 and not o.is_refund)`;

export function custScope(c: Ctx) {
  return sql`${customerScopeSql(c.actor, 'cm.customer_id', 'cm.store_id')} and ${storeFilterSql(c.f, 'cm.store_id')}`;
}
export function keyScope(c: Ctx, ref = 'store_key') {
  return sql`${storeScopeSql(c.actor, ref)} and ${storeFilterSql(c.f, ref)}`;
}
export function orderScope(c: Ctx) {
  return sql`${storeScopeSql(c.actor, 'o.store_id')} and ${storeFilterSql(c.f, 'o.store_id')} ${c.f.channel ? sql`and o.channel = ${c.f.channel}` : sql``}`;
}
export function channelFilter(c: Ctx) {
  return c.f.channel ? sql`and channel = ${c.f.channel}` : sql``;
}
export function period(ref: string, from: string | null, to: string) {
  return from ? sql`${sql.ref(ref)} between ${from}::date and ${to}::date` : sql`${sql.ref(ref)} <= ${to}::date`;
}
