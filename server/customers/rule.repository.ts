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
 * An estimate of the count from a sample of the customers table's pages (TABLESAMPLE SYSTEM, about `sampleRows`
 * customers, repeatable per rule so the figure does not flicker): the share of the tenant's sampled customers that
 * match, times the tenant's customers.
 */
export async function estimateMatching(trx: Tx, compiled: CompiledRule, tenantId: string, sampleRows = 15_000): Promise<number> {
  const r = await sql<{ hit: number; seen: number; total: number }>`
    with pct as (select least(100, greatest(0.01, ${sampleRows}::float8 * 100 / greatest(reltuples, 1)::float8)) as p from pg_class where oid = 'customers'::regclass)
    select
      (select count(*) filter (where ${compiled.where})::int from customers c tablesample system ((select p from pct)) repeatable (7)
        left join customer_metrics cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id
        where c.tenant_id = ${tenantId}::uuid and c.merged_into is null) as hit,
      (select count(*)::int from customers c tablesample system ((select p from pct)) repeatable (7) where c.tenant_id = ${tenantId}::uuid and c.merged_into is null) as seen,
      -- The tenant's customers: the metrics snapshot's count of the reference day (exact after a refresh), else counted.
      coalesce((select sum(s.customers)::int from analytics_daily_snapshots s join analytics_state a on a.tenant_id = s.tenant_id and a.as_of = s.day where s.tenant_id = ${tenantId}::uuid),
        (select count(*)::int from customers c where c.tenant_id = ${tenantId}::uuid and c.merged_into is null)) as total`.execute(trx);
  const x = r.rows[0]!;
  if (x.seen === 0) return countMatching(trx, compiled);
  return Math.round((x.hit / x.seen) * x.total);
}

export type { MatchingCustomerRow };

/** One page of matching customers, highest net spend first (ties by id, so pages are stable). */
export async function pageMatching(trx: Tx, compiled: CompiledRule, page: number, size: number): Promise<MatchingCustomerRow[]> {
  const r = await sql<MatchingCustomerRow>`
    select c.id, c.display_name, c.mobile_masked,
      (select st.name from stores st where st.tenant_id = c.tenant_id and st.id = c.primary_store_id) as store,
      cm.stage, cm.rfm_group, cm.frequency, cm.monetary_fen::float8 as monetary_fen, cm.last_purchase::text as last_purchase, cm.is_due,
      cm.predicted_value_12m_fen::float8 as predicted_value_12m_fen
    from ${RULE_FROM} where ${compiled.where}
    order by cm.monetary_fen desc nulls last, c.id
    limit ${size} offset ${(page - 1) * size}`.execute(trx);
  return r.rows;
}
