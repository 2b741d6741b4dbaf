/**
 * 群发 tasks waiting for the clerk (issue 16, 今日): a campaign's mass message becomes one WeCom task per clerk and
 * chunk (`campaign_outbox`, server/campaigns/delivery.service.ts), which the clerk must confirm in WeCom before the
 * customers receive it. A task waits while it was created (msgid known), is not confirmed and was not cancelled.
 * The execution view counts confirmed against created per clerk (execution.queries.ts).
 */
import { sql } from 'kysely';
import { jsonObjectSql } from '../lib/sql';
import type { TenantId, Tx } from '../tenancy/context';

export interface WaitingMassTask {
  run_id: string;
  campaign: string;
  /** The message the customers will receive (the campaign's text; the same for all of the clerk's customers). */
  text: string;
  /** WeCom tasks (chunks) of this run the clerk still has to confirm. */
  tasks: number;
  /** Customers those tasks go to (WeCom's fail_list left out). */
  customers: number;
  created_at: Date;
}

/** SQL: the outbox rows `o` (joined to their run `r`) of the clerk's 群发 tasks still waiting for their confirmation. */
function waitingSql(tenantId: TenantId, staffId: string) {
  return sql`o.tenant_id = ${tenantId}::uuid and o.sender_staff_id = ${staffId}::uuid and o.state = 'done' and o.msgid is not null
      and o.confirmed_at is null and o.cancelled_at is null and r.status not in ('cancelled', 'failed')`;
}

/** The clerk's unconfirmed 群发 tasks, one row per campaign run, oldest first. */
export async function waitingMassTasks(trx: Tx, tenantId: TenantId, staffId: string, limit = 20): Promise<WaitingMassTask[]> {
  const r = await sql<WaitingMassTask>`
    select o.run_id, c.name as campaign, coalesce(${jsonObjectSql('c.content')}->>'text', '') as text, count(*)::int as tasks,
      sum(o.recipients - coalesce(o.fail_count, 0))::int as customers, min(o.called_at) as created_at
    from campaign_outbox o
    join campaign_runs r on r.tenant_id = o.tenant_id and r.id = o.run_id
    join campaigns c on c.tenant_id = r.tenant_id and c.id = r.campaign_id
    where ${waitingSql(tenantId, staffId)}
    group by o.run_id, c.name, c.content
    order by min(o.called_at), o.run_id
    limit ${limit}`.execute(trx);
  return r.rows;
}

/** How many campaign runs have 群发 tasks waiting for the clerk (the rows `waitingMassTasks` would list, uncapped). */
export async function waitingMassRunCount(trx: Tx, tenantId: TenantId, staffId: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(distinct o.run_id)::int as n
    from campaign_outbox o
    join campaign_runs r on r.tenant_id = o.tenant_id and r.id = o.run_id
    where ${waitingSql(tenantId, staffId)}`.execute(trx);
  return r.rows[0]!.n;
}
