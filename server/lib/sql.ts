/** Small SQL fragments shared across repositories. */
import { sql, type RawBuilder } from 'kysely';

/**
 * A jsonb column read as an object even when a writer stored it as a JSON string holding the object: postgres.js
 * serializes a parameter cast `::jsonb` once more, so `${JSON.stringify(x)}::jsonb` stores the string
 * `"{\"a\":1}"`, not `{"a":1}`. Readers of columns that several capabilities write go through this.
 */
export function jsonObjectSql(column: string): RawBuilder<Record<string, unknown>> {
  const c = sql.ref(column);
  return sql`(case when jsonb_typeof(${c}) = 'string' then (${c} #>> '{}')::jsonb else ${c} end)`;
}
