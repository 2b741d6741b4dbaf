/** Small SQL fragments shared across repositories. */
import { sql, type RawBuilder } from 'kysely';

/**
 * A jsonb parameter: sent as text and cast in SQL, so any JSON value (object, array, string) is stored as itself.
 * (A pre-stringified value bound straight to `::jsonb` is stored as a JSON string; see jsonObjectSql.) Null and
 * undefined are SQL NULL. The one home for this: repositories import it from here; audit rows use audit.ts, which
 * strips secrets first.
 */
export function jsonb(v: unknown): RawBuilder<string> {
  return v === undefined || v === null ? sql<string>`null` : sql<string>`(${JSON.stringify(v)}::text)::jsonb`;
}

/**
 * A jsonb column read as an object even when a writer stored it as a JSON string holding the object: postgres.js
 * serializes a parameter cast `::jsonb` once more, so `${JSON.stringify(x)}::jsonb` stores the string
 * `"{\"a\":1}"`, not `{"a":1}`. Readers of columns that several capabilities write go through this.
 */
export function jsonObjectSql(column: string): RawBuilder<Record<string, unknown>> {
  const c = sql.ref(column);
  return sql`(case when jsonb_typeof(${c}) = 'string' then (${c} #>> '{}')::jsonb else ${c} end)`;
}
