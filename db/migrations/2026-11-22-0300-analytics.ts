/**
 * Repurchase analytics (issue 5): per-customer metrics, the tenant's analytics state and setting, model fits,
 * daily snapshots (stage × RFM group per home store) and daily order facts (per store and channel).
 *
 * Everything here is a read model rebuilt from orders and customers by server/analytics/refresh.service.ts:
 * a full recompute per tenant (set-based SQL), an incremental refresh of touched customers, and a daily job.
 * Definitions: ../shared/metrics.md and docs/metrics.md.
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

const statements = [
  // The tenant's configurable repurchase window W (null = automatic, see docs/metrics.md).
  `create table analytics_settings (
     tenant_id uuid not null references tenants(id) on delete cascade,
     repurchase_window_days integer check (repurchase_window_days between 1 and 3650),
     updated_at timestamptz not null default now(),
     updated_by text,
     primary key (tenant_id)
   )`,

  // What the last refresh computed for the tenant as a whole.
  `create table analytics_state (
     tenant_id uuid not null references tenants(id) on delete cascade,
     as_of date not null,
     version bigint not null default 1,
     window_days integer not null,
     window_source text not null check (window_source in ('setting','auto','default')),
     median_interval_days numeric,
     interval_count bigint not null default 0,
     interval_histogram jsonb not null default '[]'::jsonb,
     rfm_breaks jsonb not null default '{}'::jsonb,
     customers integer not null default 0,
     buyers integer not null default 0,
     repeaters integer not null default 0,
     facts_watermark timestamptz,
     last_full_at timestamptz not null default now(),
     last_full_ms integer,
     last_incremental_at timestamptz,
     last_incremental_ms integer,
     primary key (tenant_id)
   )`,

  `create table customer_metrics (
     tenant_id uuid not null,
     customer_id uuid not null,
     as_of date not null,
     store_id uuid,
     clerk_id uuid,
     first_purchase date,
     second_purchase date,
     last_purchase date,
     frequency integer not null default 0,
     recency_days integer,
     monetary_fen bigint not null default 0,
     paid_fen bigint not null default 0,
     refund_fen bigint not null default 0,
     tx_days integer,
     t_days integer,
     interval_count integer not null default 0,
     median_interval_days numeric,
     repeat_spend_fen numeric,
     r_score smallint,
     f_score smallint,
     m_score smallint,
     fm_score smallint,
     rfm_group text,
     stage text not null check (stage in ('prospect','new','active','at_risk','lapsed')),
     expected_next_purchase date,
     is_due boolean not null default false,
     p_alive double precision,
     exp_purchases_30 double precision,
     exp_purchases_90 double precision,
     exp_purchases_365 double precision,
     expected_spend_fen double precision,
     predicted_value_12m_fen bigint,
     refreshed_at timestamptz not null default now(),
     primary key (tenant_id, customer_id),
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete cascade
   )`,
  // Filters and counts of the customer list and the dashboards (all lead with tenant_id).
  `create index customer_metrics_segment_idx on customer_metrics (tenant_id, stage, rfm_group, store_id) include (is_due)`,
  `create index customer_metrics_store_idx on customer_metrics (tenant_id, store_id, stage)`,
  `create index customer_metrics_clerk_idx on customer_metrics (tenant_id, clerk_id) where clerk_id is not null`,
  `create index customer_metrics_rfm_idx on customer_metrics (tenant_id, r_score, fm_score)`,
  // Sort orders of the customer list: descending = a forward scan, ascending = a backward scan (the list orders
  // `x desc nulls last, customer_id` or `x asc nulls first, customer_id desc` to match).
  `create index customer_metrics_monetary_idx on customer_metrics (tenant_id, monetary_fen desc nulls last, customer_id)`,
  `create index customer_metrics_last_idx on customer_metrics (tenant_id, last_purchase desc nulls last, customer_id)`,
  `create index customer_metrics_first_idx on customer_metrics (tenant_id, first_purchase, store_id)`,
  `create index customer_metrics_next_idx on customer_metrics (tenant_id, expected_next_purchase desc nulls last, customer_id)`,
  `create index customer_metrics_value_idx on customer_metrics (tenant_id, predicted_value_12m_fen desc nulls last, customer_id)`,

  `create table analytics_model_fits (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     as_of date not null,
     status text not null check (status in ('fitted','insufficient_data','failed')),
     reason text,
     customers integer not null,
     repeaters integer not null,
     distinct_rows integer,
     bgnbd_r double precision,
     bgnbd_alpha double precision,
     bgnbd_a double precision,
     bgnbd_b double precision,
     bgnbd_log_likelihood double precision,
     bgnbd_converged boolean,
     gg_p double precision,
     gg_q double precision,
     gg_v double precision,
     gg_log_likelihood double precision,
     gg_converged boolean,
     gg_customers integer,
     fit_ms integer,
     backtest jsonb,
     created_at timestamptz not null default now(),
     primary key (tenant_id, id)
   )`,
  `create index analytics_model_fits_as_of_idx on analytics_model_fits (tenant_id, as_of desc, created_at desc)`,

  // Customers per home store, stage and RFM group on a day (zero uuid = no store, '' = no RFM group).
  `create table analytics_daily_snapshots (
     tenant_id uuid not null references tenants(id) on delete cascade,
     day date not null,
     store_key uuid not null,
     stage text not null,
     rfm_group text not null,
     customers integer not null,
     repeaters integer not null,
     due integer not null,
     monetary_fen bigint not null,
     primary key (tenant_id, day, store_key, stage, rfm_group)
   )`,

  // Orders per local day, store (zero uuid = none) and channel: additive facts for revenue charts.
  `create table analytics_daily_facts (
     tenant_id uuid not null references tenants(id) on delete cascade,
     day date not null,
     store_key uuid not null,
     channel text not null,
     paid_orders integer not null,
     refund_orders integer not null,
     paid_fen bigint not null,
     refund_fen bigint not null,
     identified_orders integer not null,
     identified_fen bigint not null,
     primary key (tenant_id, day, store_key, channel)
   )`,

  // Lets the refresh find the days whose orders changed since the last refresh (daily facts).
  `create index orders_updated_idx on orders (tenant_id, updated_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
  for (const t of ['analytics_settings', 'analytics_state', 'customer_metrics', 'analytics_model_fits', 'analytics_daily_snapshots', 'analytics_daily_facts']) {
    await secureTenantTable(db, t);
  }
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
