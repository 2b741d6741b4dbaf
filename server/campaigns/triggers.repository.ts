/**
 * Triggered campaigns in SQL, set-based (issue #15 point 2). Each trigger kind is one query of entries
 * `(customer_id, entry_key, entered_on)`: the local day an entry becomes due and a key naming what happened.
 * Firing is one `insert … select … on conflict do nothing` into the ledger `campaign_trigger_entries`, unique on
 * (tenant, campaign, customer, entry key): a crashed or retried evaluation can never fire an entry twice, and a
 * customer fires again only after the campaign's re-entry period (never again without one).
 */
import { sql, type RawBuilder } from 'kysely';
import type { CampaignTrigger } from '../../app/lib/contracts/campaign';
import type { TenantId, Tx } from '../tenancy/context';

/** The window an evaluation looks at: entries due from `from` to `today` (local days, inclusive). */
export interface EntryWindow {
  from: string;
  today: string;
}

type Entries = RawBuilder<{ customer_id: string; entry_key: string; entered_on: string }>;

/** Local day of an instant in the tenant's zone. */
const localDay = (ts: RawBuilder<unknown>, tenantId: TenantId) => sql`(${ts} at time zone (select timezone from tenants where id = ${tenantId}::uuid))::date`;

/** The entries of one trigger kind due inside the window. */
export function entriesSql(tenantId: TenantId, trigger: CampaignTrigger, w: EntryWindow): Entries {
  const t = sql`${tenantId}::uuid`;
  const inWindow = (day: RawBuilder<unknown>) => sql`${day} between ${w.from}::date and ${w.today}::date`;
  switch (trigger.type) {
    case 'entered_segment':
      // An entry of a dynamic segment (segment_events), while the customer is still a member.
      return sql`select e.customer_id, 'seg:' || e.id as entry_key, e.day as entered_on
        from segment_events e
        where e.tenant_id = ${t} and e.segment_id = ${trigger.segment_id}::uuid and e.kind = 'enter' and ${inWindow(sql`e.day`)}
          and exists (select 1 from segment_members m where m.tenant_id = e.tenant_id and m.segment_id = e.segment_id and m.customer_id = e.customer_id)`;
    case 'days_after_first_purchase':
    case 'days_after_last_purchase': {
      const agg = trigger.type === 'days_after_first_purchase' ? sql`min(o.paid_day)` : sql`max(o.paid_day)`;
      const prefix = trigger.type === 'days_after_first_purchase' ? 'first:' : 'last:';
      return sql`select o.customer_id, ${prefix} || ${agg}::text as entry_key, ${agg} + ${trigger.days}::int as entered_on
        from orders o
        where o.tenant_id = ${t} and o.customer_id is not null and not o.is_refund
        group by o.customer_id
        having ${inWindow(sql`${agg} + ${trigger.days}::int`)}`;
    }
    case 'ordered_sku':
    case 'ordered_category': {
      const match = trigger.type === 'ordered_sku' ? sql`i.sku = ${trigger.sku}` : sql`i.category = ${trigger.category}`;
      return sql`select distinct o.customer_id, 'order:' || o.id as entry_key, o.paid_day as entered_on
        from orders o join order_items i on i.tenant_id = o.tenant_id and i.order_id = o.id
        where o.tenant_id = ${t} and o.customer_id is not null and not o.is_refund and ${inWindow(sql`o.paid_day`)} and ${match}`;
    }
    case 'days_after_wecom_add': {
      const added = localDay(sql`f.added_at`, tenantId);
      return sql`select f.customer_id, 'add:' || f.staff_id || ':' || ${added}::text as entry_key, ${added} + ${trigger.days}::int as entered_on
        from customer_follows f
        where f.tenant_id = ${t} and f.added_at is not null and f.ended_at is null and ${inWindow(sql`${added} + ${trigger.days}::int`)}`;
    }
    case 'birthday': {
      // This year's and next year's birthday (29 February falls on the 28th in other years), `days_before` early.
      const bday = sql`make_date(y.y, c.birth_month, least(c.birth_day::int, extract(day from (make_date(y.y, c.birth_month, 1) + interval '1 month - 1 day'))::int))`;
      return sql`select c.id as customer_id, 'bday:' || y.y as entry_key, ${bday} - ${trigger.days_before}::int as entered_on
        from customers c
        cross join (select extract(year from ${w.today}::date)::int + k as y from generate_series(0, 1) k) y
        where c.tenant_id = ${t} and c.birth_month is not null and c.merged_into is null
          and ${inWindow(sql`${bday} - ${trigger.days_before}::int`)}`;
    }
  }
}

/**
 * Fires the window's entries into `runId`: one entry per customer (the earliest), for customers that are not
 * merged, have no fired row for the same entry, and no fired row inside the re-entry period (any at all when the
 * campaign has none). Returns how many customers fired.
 */
export async function fireEntries(trx: Tx, tenantId: TenantId, campaignId: string, runId: string, entries: Entries, reentryDays: number | null, now: Date): Promise<number> {
  const t = sql`${tenantId}::uuid`;
  const blocked = reentryDays === null ? sql`true` : sql`e.fired_at > ${now}::timestamptz - make_interval(days => ${reentryDays}::int)`;
  const r = await sql`insert into campaign_trigger_entries (tenant_id, campaign_id, customer_id, entry_key, entered_on, run_id, fired_at)
    select ${t}, ${campaignId}::uuid, p.customer_id, p.entry_key, p.entered_on, ${runId}::uuid, ${now}::timestamptz
    from (select distinct on (q.customer_id) q.customer_id, q.entry_key, q.entered_on from (${entries}) q order by q.customer_id, q.entered_on, q.entry_key) p
    join customers c on c.tenant_id = ${t} and c.id = p.customer_id and c.merged_into is null
    where not exists (select 1 from campaign_trigger_entries e
      where e.tenant_id = ${t} and e.campaign_id = ${campaignId}::uuid and e.customer_id = p.customer_id and (e.entry_key = p.entry_key or ${blocked}))
    on conflict do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** The audience of a triggered run: the customers whose entries fired into it (for the run's snapshot). */
export function triggeredAudienceSql(tenantId: TenantId, runId: string) {
  return sql<{ id: string }>`select customer_id as id from campaign_trigger_entries where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid`;
}

export interface TriggerState {
  since_on: string;
  evaluated_on: string | null;
}

/** The campaign's trigger state, created on its first evaluation with entries counting from `today`. */
export async function lockTriggerState(trx: Tx, tenantId: TenantId, campaignId: string, today: string): Promise<TriggerState> {
  await sql`insert into campaign_trigger_state (tenant_id, campaign_id, since_on) values (${tenantId}::uuid, ${campaignId}::uuid, ${today}::date) on conflict do nothing`.execute(trx);
  const r = await sql<TriggerState>`select since_on::text as since_on, evaluated_on::text as evaluated_on from campaign_trigger_state
    where tenant_id = ${tenantId}::uuid and campaign_id = ${campaignId}::uuid for update`.execute(trx);
  return r.rows[0]!;
}

export async function markEvaluated(trx: Tx, tenantId: TenantId, campaignId: string, today: string, now: Date): Promise<void> {
  await sql`update campaign_trigger_state set evaluated_on = ${today}::date, evaluated_at = ${now}
    where tenant_id = ${tenantId}::uuid and campaign_id = ${campaignId}::uuid`.execute(trx);
}

/** The tenant's local day at `now`. */
export async function tenantClock(trx: Tx, tenantId: TenantId, now: Date): Promise<{ today: string }> {
  const r = await sql<{ today: string }>`select (${now}::timestamptz at time zone timezone)::date::text as today from tenants where id = ${tenantId}::uuid`.execute(trx);
  return r.rows[0]!;
}

/** Deletes a run that fired nobody (inside the evaluation's transaction). */
export async function deleteEmptyRun(trx: Tx, tenantId: TenantId, runId: string): Promise<void> {
  await sql`delete from campaign_runs where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid`.execute(trx);
}
