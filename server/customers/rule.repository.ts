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

/** Ids of every matching customer, in id order (membership, exports). */
export async function matchingIds(trx: Tx, compiled: CompiledRule): Promise<string[]> {
  const r = await sql<{ id: string }>`select c.id from ${RULE_FROM} where ${compiled.where} order by c.id`.execute(trx);
  return r.rows.map((x) => x.id);
}
