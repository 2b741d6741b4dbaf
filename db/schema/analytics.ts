/** Tables of the analytics capability (migration 2026-11-22-0300-analytics). */
import type { Generated, JSONColumnType } from 'kysely';
import type { DateString, Timestamp } from './core';

export type LifecycleStage = 'prospect' | 'new' | 'active' | 'at_risk' | 'lapsed';
export type RfmGroup =
  | 'champions'
  | 'loyal'
  | 'potential_loyalist'
  | 'new'
  | 'promising'
  | 'need_attention'
  | 'about_to_sleep'
  | 'at_risk'
  | 'cant_lose'
  | 'hibernating'
  | 'lost';

export interface AnalyticsSettingsTable {
  tenant_id: string;
  repurchase_window_days: number | null;
  updated_at: Generated<Timestamp>;
  updated_by: string | null;
}

/** One bucket of the tenant's inter-purchase interval histogram: `days` between consecutive purchase days. */
export interface IntervalBucket {
  days: number;
  count: number;
}

/** Per score 1..5 the smallest and largest value that got it (R on R_days, F on F, M on M). */
export interface RfmBreaks {
  r?: { score: number; min: number; max: number }[];
  f?: { score: number; min: number; max: number }[];
  m?: { score: number; min: number; max: number }[];
}

export interface AnalyticsStateTable {
  tenant_id: string;
  as_of: DateString;
  version: Generated<number>;
  window_days: number;
  window_source: 'setting' | 'auto' | 'default';
  median_interval_days: number | null;
  interval_count: Generated<number>;
  interval_histogram: JSONColumnType<IntervalBucket[], string, string>;
  rfm_breaks: JSONColumnType<RfmBreaks, string, string>;
  customers: Generated<number>;
  buyers: Generated<number>;
  repeaters: Generated<number>;
  facts_watermark: Timestamp | null;
  last_full_at: Generated<Timestamp>;
  last_full_ms: number | null;
  last_incremental_at: Timestamp | null;
  last_incremental_ms: number | null;
}

export interface CustomerMetricsTable {
  tenant_id: string;
  customer_id: string;
  as_of: DateString;
  /** Home store: the customer's primary store. */
  store_id: string | null;
  /** Serving clerk: the earliest open WeCom follow. */
  clerk_id: string | null;
  first_purchase: DateString | null;
  second_purchase: DateString | null;
  last_purchase: DateString | null;
  frequency: number;
  recency_days: number | null;
  monetary_fen: number;
  paid_fen: number;
  refund_fen: number;
  tx_days: number | null;
  t_days: number | null;
  interval_count: number;
  median_interval_days: number | null;
  repeat_spend_fen: number | null;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  fm_score: number | null;
  rfm_group: RfmGroup | null;
  stage: LifecycleStage;
  expected_next_purchase: DateString | null;
  is_due: boolean;
  p_alive: number | null;
  exp_purchases_30: number | null;
  exp_purchases_90: number | null;
  exp_purchases_365: number | null;
  expected_spend_fen: number | null;
  predicted_value_12m_fen: number | null;
  refreshed_at: Generated<Timestamp>;
}

export interface AnalyticsModelFitsTable {
  tenant_id: string;
  id: Generated<string>;
  as_of: DateString;
  status: 'fitted' | 'insufficient_data' | 'failed';
  reason: string | null;
  customers: number;
  repeaters: number;
  distinct_rows: number | null;
  bgnbd_r: number | null;
  bgnbd_alpha: number | null;
  bgnbd_a: number | null;
  bgnbd_b: number | null;
  bgnbd_log_likelihood: number | null;
  bgnbd_converged: boolean | null;
  gg_p: number | null;
  gg_q: number | null;
  gg_v: number | null;
  gg_log_likelihood: number | null;
  gg_converged: boolean | null;
  gg_customers: number | null;
  fit_ms: number | null;
  backtest: JSONColumnType<StoredBacktest | null, string | null, string | null>;
  created_at: Generated<Timestamp>;
}

/** The holdout comparison stored with a fit (see server/analytics/backtest.ts). */
export interface StoredBacktest {
  calibrationEnd: string;
  holdoutEnd: string;
  holdoutDays: number;
  customers: number;
  totalPredicted: number;
  totalActual: number;
  relativeError: number | null;
  params: { r: number; alpha: number; a: number; b: number } | null;
  groups: { label: string; customers: number; predicted: number; actual: number }[];
  reason?: string;
}

export interface AnalyticsDailySnapshotsTable {
  tenant_id: string;
  day: DateString;
  store_key: string;
  stage: string;
  rfm_group: string;
  customers: number;
  repeaters: number;
  due: number;
  monetary_fen: number;
}

export interface AnalyticsDailyFactsTable {
  tenant_id: string;
  day: DateString;
  store_key: string;
  channel: string;
  paid_orders: number;
  refund_orders: number;
  paid_fen: number;
  refund_fen: number;
  identified_orders: number;
  identified_fen: number;
}

/** One pending request for a full recompute of the tenant (migration 2026-12-06-0305). */
export interface AnalyticsRefreshRequestsTable {
  tenant_id: string;
  requested_at: Generated<Timestamp>;
  reason: string;
}

export interface AnalyticsTables {
  analytics_settings: AnalyticsSettingsTable;
  analytics_state: AnalyticsStateTable;
  analytics_refresh_requests: AnalyticsRefreshRequestsTable;
  customer_metrics: CustomerMetricsTable;
  analytics_model_fits: AnalyticsModelFitsTable;
  analytics_daily_snapshots: AnalyticsDailySnapshotsTable;
  analytics_daily_facts: AnalyticsDailyFactsTable;
}
