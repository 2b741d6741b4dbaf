/** Reads over a compiled rule (server/customers/rule-compiler.ts): the count and a page of matching customers. */
import { sql } from 'kysely';
import type { Tx } from '../tenancy/context';
import { RULE_FROM, type CompiledRule } from './rule-compiler';
import type { MatchingCustomerRow } from '../../app/lib/segments/rule';

/** How many customers match: one statement. */
export async function countMatching(trx: Tx, compiled: CompiledRule): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from ${RULE_FROM} where ${compiled.where}`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

/**
 * The planner's estimated cost of the exact count (EXPLAIN without running it: planning only, a few ms), so a
 * live count can go straight to the estimate when counting exactly would blow its budget anyway.
 */
export async function countCost(trx: Tx, compiled: CompiledRule): Promise<number> {
  const r = await sql<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }>`explain (format json) select count(*)::int as n from ${RULE_FROM} where ${compiled.where}`.execute(trx);
  return r.rows[0]!['QUERY PLAN'][0].Plan['Total Cost'];
}

/**
 * The count if it takes at most `budgetMs`, else null (the statement is cancelled; the transaction goes on: the
 * attempt runs inside a savepoint).
 */
export async function countMatchingWithin(trx: Tx, compiled: CompiledRule, budgetMs: number): Promise<number | null> {
  const before = await sql<{ v: string }>`select current_setting('statement_timeout') as v`.execute(trx);
  await sql`savepoint count_within`.execute(trx);
  try {
    await sql`select set_config('statement_timeout', ${String(budgetMs)}, true)`.execute(trx);
    const n = await countMatching(trx, compiled);
    await sql`select set_config('statement_timeout', ${before.rows[0]!.v}, true)`.execute(trx);
    await sql`release savepoint count_within`.execute(trx);
    return n;
  } catch (e) {
    if ((e as { code?: string }).code !== '57014') throw e;
    await sql`rollback to savepoint count_within`.execute(trx);
    return null;
  }
}

/**
 * An estimate of the count from a random sample of about `sampleRows` of the tenant's customers: those whose id
 * (a random v4 UUID) falls in a fixed slice at the bottom of the id space, sized from the tenant's customer count —
 * a simple random sample that is the same for every rule (the figure does not flicker as a rule is edited). The
 * share of the sample that matches, times the tenant's customers (the metrics snapshot's count).
 * The sample is read from the customers' metrics, which a full refresh lays out in id order (writeMetrics): one
 * short index range over a few hundred adjacent pages. The rule runs per sampled row, in the order the compiler
 * emits its conditions (cheapest first): the conditions on the metrics alone gate the rest (PostgreSQL evaluates
 * them before it reads anything else for the row), so the customer row, relations and orders are read only for the
 * sampled customers those conditions keep (ADR 0016). A tenant without metrics yet is sampled from its customers.
 * Precision: a rule matching 1.6% of customers has ≈ 80 of them in 5,000, so the estimate is within ≈ ±11% (one
 * standard deviation); it is shown "≈", and the count is exact on demand and before any send. (Sampling whole pages —
 * TABLESAMPLE SYSTEM — read customers inserted together, who resemble each other: at 6,000 rows it was 12% off on the
 * bench's 6-condition rule.)
 */
export async function estimateMatching(trx: Tx, compiled: CompiledRule, tenantId: string, sampleRows = 5_000): Promise<number> {
  const total = await tenantCustomerCount(trx, tenantId);
  const end = sampleSliceEnd(sampleRows, total);
  let x = (await estimateSql(compiled, tenantId, end).execute(trx)).rows[0]!;
  if (x.seen === 0) x = (await customerSampleSql(compiled, tenantId, end).execute(trx)).rows[0]!;
  if (x.seen === 0) return countMatching(trx, compiled);
  return Math.round((x.hit / x.seen) * total);
}

/** The tenant's customers: the metrics snapshot's count of the reference day (exact after a refresh), else counted. */
export async function tenantCustomerCount(trx: Tx, tenantId: string): Promise<number> {
  const r = await sql<{ total: number }>`select coalesce(
      (select sum(s.customers)::int from analytics_daily_snapshots s join analytics_state a on a.tenant_id = s.tenant_id and a.as_of = s.day where s.tenant_id = ${tenantId}::uuid),
      (select count(*)::int from customers c where c.tenant_id = ${tenantId}::uuid and c.merged_into is null)) as total`.execute(trx);
  return r.rows[0]!.total;
}

/** The last id of the slice of the id space that holds about `rows` of `total` random v4 ids (by their first 32 bits). */
export function sampleSliceEnd(rows: number, total: number): string {
  const top = Math.min(0xffffffff, Math.ceil((rows / Math.max(total, 1)) * 0x100000000));
  return `${top.toString(16).padStart(8, '0')}-ffff-ffff-ffff-ffffffffffff`;
}

/**
 * The estimate's statement (bench/segments/explain-rule.ts explains it): the sample's matches and size, over the
 * customers with metrics. The slice's end is a parameter, so the planner sees how few rows it holds. Inside the
 * EXISTS the metrics are the outer row's: the rule's conditions on them alone become the subquery's one-time filter.
 */
export function estimateSql(compiled: CompiledRule, tenantId: string, sliceEnd: string) {
  return sql<{ hit: number; seen: number }>`
    select count(*) filter (where exists (select from customers c where c.tenant_id = cm.tenant_id and c.id = cm.customer_id and ${compiled.where}))::int as hit,
      count(*)::int as seen
    from customer_metrics cm
    where cm.tenant_id = ${tenantId}::uuid and cm.customer_id <= ${sliceEnd}::uuid`;
}

/** The same sample for a tenant without metrics: its customers in the slice (every metric condition is then false). */
export function customerSampleSql(compiled: CompiledRule, tenantId: string, sliceEnd: string) {
  return sql<{ hit: number; seen: number }>`
    select count(*) filter (where ${compiled.where})::int as hit, count(*)::int as seen
    from customers c
    left join customer_metrics cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id and cm.customer_id <= ${sliceEnd}::uuid
    where c.tenant_id = ${tenantId}::uuid and c.id <= ${sliceEnd}::uuid and c.merged_into is null`;
}

export type { MatchingCustomerRow };

/** Every matching customer, highest net spend first (ties by id, so pages are stable): a page of it, or all of it streamed. */
export function matchingInOrder(compiled: CompiledRule) {
  return sql<MatchingCustomerRow>`
    select c.id, c.display_name, c.mobile_masked,
      (select st.name from stores st where st.tenant_id = c.tenant_id and st.id = c.primary_store_id) as store,
      cm.stage, cm.rfm_group, cm.frequency, cm.monetary_fen::float8 as monetary_fen, cm.last_purchase::text as last_purchase, cm.is_due,
      cm.predicted_value_12m_fen::float8 as predicted_value_12m_fen
    from ${RULE_FROM} where ${compiled.where}
    order by cm.monetary_fen desc nulls last, c.id`;
}

/** One page of matching customers, highest net spend first (ties by id, so pages are stable). */
export async function pageMatching(trx: Tx, compiled: CompiledRule, page: number, size: number): Promise<MatchingCustomerRow[]> {
  const r = await sql<MatchingCustomerRow>`${matchingInOrder(compiled)} limit ${size} offset ${(page - 1) * size}`.execute(trx);
  return r.rows;
}
