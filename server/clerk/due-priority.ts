/**
 * The one place the clerk's workspace reads "who is due, and in which order" from (metrics.md "Lifecycle stage":
 * a due customer is `customer_metrics.is_due`; lists of due customers are ordered by predicted 12-month value, M
 * where there is no fit, descending, then days overdue ascending — i.e. the most recently expected first).
 * When the analytics capability changes the due definition or its priority, adapt it here only.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** SQL: the metrics row (alias) counts as due. */
export function isDueSql(cm: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(`${cm}.is_due`)}`;
}

/** SQL order-by items for due customers, highest priority first. */
export function duePriorityOrderSql(cm: string): RawBuilder<unknown> {
  return sql`coalesce(${sql.ref(`${cm}.predicted_value_12m_fen`)}, ${sql.ref(`${cm}.monetary_fen`)}) desc nulls last, ${sql.ref(`${cm}.expected_next_purchase`)} desc nulls last`;
}

/** SQL: a key of the customer's current due cycle (one due task per cycle). */
export function dueCycleKeySql(cm: string): RawBuilder<string> {
  return sql<string>`'due:' || ${sql.ref(`${cm}.customer_id`)} || ':' || coalesce(${sql.ref(`${cm}.expected_next_purchase`)}::text, '')`;
}
