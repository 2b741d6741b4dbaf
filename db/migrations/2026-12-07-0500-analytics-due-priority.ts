/**
 * The metric definitions changed (docs/metrics.md, 2026-12-07): the F score, the due window and the priority order
 * of due lists, P(alive) of one-purchase customers.
 *
 * - The due list's priority order (predicted 12-month value, net spend where there is none, descending; then the
 *   most recently due first) gets its own partial index: only due customers are in it, so the incremental refresh
 *   pays for it only when a touched customer is due, and a page of the 待回访 list is an index scan.
 * - Every computed tenant gets a full-recompute request, so the hourly `analytics.daily` job recomputes the stored
 *   metrics under the new definitions (until then the old ones stay visible, never an empty page).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index customer_metrics_due_priority_idx on customer_metrics
    (tenant_id, (coalesce(predicted_value_12m_fen, monetary_fen)) desc nulls last, expected_next_purchase desc nulls last, customer_id) where is_due`.execute(db);
  await sql`insert into analytics_refresh_requests (tenant_id, reason)
    select tenant_id, 'metric definitions changed: F score, due window, P(alive) of one-purchase customers' from analytics_state
    on conflict (tenant_id) do nothing`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
