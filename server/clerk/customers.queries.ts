/**
 * The clerk's customer list (/m/customers): search by remark, name, the last 4 digits of the mobile or the member
 * number; filters by stage, due and tag; ordered by who needs attention (due first, in the due priority order,
 * then open tasks, then the longest without a purchase). Always inside the actor's scope.
 */
import { sql } from 'kysely';
import type { ClerkCustomerQuery } from '../../app/lib/clerk-contract';
import { clerkRelationSql, customerScopeSql } from '../customers/scope';
import type { Actor } from '../tenancy/actor';
import type { TenantId, Tx } from '../tenancy/context';
import { customerHasTagSql, tagsOfCustomers, type TagOption } from '../wecom/tags.repository';
import { duePriorityOrderSql, isDueSql } from './due-priority';

export const CLERK_PAGE_SIZE = 30;

export interface ClerkCustomerRow {
  id: string;
  name: string | null;
  display_name: string | null;
  stage: string | null;
  is_due: boolean;
  recency_days: number | null;
  open_tasks: number;
}

/** The search: remark (the clerk's own, on the relation `f` when the list drives from it), name, member no., last 4 digits. */
function searchSql(actor: Actor, q: string, relation: string | null) {
  const like = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  const conds = [
    sql`c.display_name ilike ${like}`,
    relation
      ? sql`${sql.ref(`${relation}.remark`)} ilike ${like}`
      : sql`exists (select 1 from customer_follows f where f.tenant_id = c.tenant_id and f.customer_id = c.id and f.ended_at is null and f.remark ilike ${like}
          ${actor.staffId ? sql`and f.staff_id = ${actor.staffId}::uuid` : sql``})`,
    sql`exists (select 1 from customer_identities i where i.tenant_id = c.tenant_id and i.customer_id = c.id and i.kind = 'member_no' and i.value = ${q})`,
  ];
  if (/^\d{4}$/.test(q)) conds.push(sql`c.mobile_masked like ${'%' + q}`);
  return sql`(${sql.join(conds, sql` or `)})`;
}

/**
 * Where the list starts: a clerk's open relations (a few hundred rows by index; the remark is the relation's), or
 * for other roles the tenant's customers filtered by their scope.
 */
function listSource(actor: Actor) {
  const relation = clerkRelationSql(actor, 'f');
  if (relation) {
    return {
      from: sql`customer_follows f join customers c on c.tenant_id = f.tenant_id and c.id = f.customer_id`,
      scope: relation,
      name: sql`coalesce(nullif(f.remark, ''), c.display_name)`,
      alias: 'f',
    };
  }
  const staff = actor.staffId ? sql`${actor.staffId}::uuid` : sql`null::uuid`;
  return {
    from: sql`customers c`,
    scope: sql`c.tenant_id = ${actor.tenantId}::uuid and ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')}`,
    name: sql`coalesce((select nullif(f.remark, '') from customer_follows f where f.tenant_id = c.tenant_id and f.customer_id = c.id and f.staff_id = ${staff} and f.ended_at is null), c.display_name)`,
    alias: null,
  };
}

export async function listClerkCustomers(trx: Tx, actor: Actor, p: ClerkCustomerQuery, tagCatalogue?: readonly TagOption[]) {
  const src = listSource(actor);
  const conds = [src.scope, sql`c.merged_into is null`];
  if (p.q) conds.push(searchSql(actor, p.q, src.alias));
  if (p.stage) conds.push(sql`cm.stage = ${p.stage}`);
  if (p.due) conds.push(isDueSql('cm'));
  if (p.tag) conds.push(customerHasTagSql(actor.tenantId, 'c.id', p.tag));
  const staff = actor.staffId ? sql`${actor.staffId}::uuid` : sql`null::uuid`;
  // Open tasks per customer in one range scan of the actor's open tasks (clerk_tasks_open_idx), not one probe a row.
  const rows = await sql<ClerkCustomerRow & { total: number }>`
    with k as (
      select customer_id, count(*)::int as n from clerk_tasks
      where tenant_id = ${actor.tenantId}::uuid and staff_id = ${staff} and status = 'open' and customer_id is not null group by customer_id)
    select c.id, ${src.name} as name, c.display_name, cm.stage, coalesce(cm.is_due, false) as is_due, cm.recency_days,
      coalesce(k.n, 0) as open_tasks, count(*) over ()::int as total
    from ${src.from}
    left join customer_metrics cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id
    left join k on k.customer_id = c.id
    where ${sql.join(conds, sql` and `)}
    order by coalesce(cm.is_due, false) desc, ${duePriorityOrderSql('cm')}, open_tasks desc, cm.recency_days desc nulls last, c.id
    limit ${CLERK_PAGE_SIZE} offset ${(p.page - 1) * CLERK_PAGE_SIZE}`.execute(trx);
  const tags = await tagsOfCustomers(trx, actor.tenantId, rows.rows.map((r) => r.id), tagCatalogue);
  return {
    total: rows.rows[0]?.total ?? 0,
    rows: rows.rows.map(({ total: _t, ...r }) => ({ ...r, tags: (tags.get(r.id) ?? []).filter((x) => x.present).map((x) => x.name) })),
  };
}

/** The customer's sealed full mobile (tap-to-call); the caller decides whether it may be opened. */
export async function sealedMobile(trx: Tx, tenantId: TenantId, customerId: string): Promise<string | null> {
  const r = await trx.selectFrom('customers').select('mobile_sealed').where('tenant_id', '=', tenantId).where('id', '=', customerId).executeTakeFirst();
  return r?.mobile_sealed ?? null;
}

export interface CardCampaign {
  run_id: string;
  campaign: string;
  /** The run's planned time; the send time once WeCom reported it sent. */
  at: Date;
  /** Received: WeCom reported the message sent (metrics.md "Campaign outcomes": reached). */
  received: boolean;
  /** A paid order within the campaign's attribution window after the send (only for received messages). */
  converted: boolean;
}

/** The campaigns that targeted the customer (newest first): received or not, and converted. */
export async function customerCampaignHistory(trx: Tx, tenantId: TenantId, customerId: string, limit = 10): Promise<CardCampaign[]> {
  const r = await sql<CardCampaign>`
    select r.run_id, c.name as campaign, coalesce(r.sent_at, cr.planned_for) as at, r.status = 'sent' as received,
      (r.status = 'sent' and exists (select 1 from orders o where o.tenant_id = r.tenant_id and o.customer_id = r.customer_id and not o.is_refund and o.amount_fen > 0
        and o.paid_at > r.sent_at and o.paid_at <= r.sent_at + make_interval(days => c.attribution_days))) as converted
    from campaign_recipients r
    join campaign_runs cr on cr.tenant_id = r.tenant_id and cr.id = r.run_id
    join campaigns c on c.tenant_id = cr.tenant_id and c.id = cr.campaign_id
    where r.tenant_id = ${tenantId}::uuid and r.customer_id = ${customerId}::uuid and r.arm = 'target' and r.excluded is null
    order by coalesce(r.sent_at, cr.planned_for) desc limit ${limit}`.execute(trx);
  return r.rows;
}
