/**
 * The references that have no row-level foreign key (migrations 0200, 0302, 0303: the bulk writers guarantee
 * them, statement-level triggers keep their delete side). `danglingReferences` counts the rows that point at a
 * missing parent, across tenants (owner connection) — what a foreign key would have refused. Tests run it after
 * syncs, callbacks, imports and merges; an operator can run it against a live database.
 */
import { sql } from 'kysely';
import type { DB } from '../../db/connection';

interface Reference {
  child: string;
  column: string;
  parent: string;
  /** The parent's key column matching `column` (its tenant column is `tenant_id`, or `id` for tenants). */
  key: string;
}

export const UNCHECKED_REFERENCES: readonly Reference[] = [
  { child: 'customers', column: 'tenant_id', parent: 'tenants', key: 'id' },
  { child: 'customers', column: 'primary_store_id', parent: 'stores', key: 'id' },
  { child: 'customer_identities', column: 'customer_id', parent: 'customers', key: 'id' },
  { child: 'customer_follows', column: 'customer_id', parent: 'customers', key: 'id' },
  { child: 'customer_follows', column: 'staff_id', parent: 'staff', key: 'id' },
  { child: 'customer_follows', column: 'channel_id', parent: 'wecom_channels', key: 'id' },
  { child: 'customer_follow_tags', column: 'tag_id', parent: 'tags', key: 'id' }, // the view over customer_follows.tag_ids
  { child: 'customer_refresh_queue', column: 'tenant_id', parent: 'tenants', key: 'id' },
  { child: 'wecom_group_members', column: 'chat_id', parent: 'wecom_group_chats', key: 'chat_id' },
  { child: 'wecom_group_members', column: 'customer_id', parent: 'customers', key: 'id' },
  { child: 'wecom_group_members', column: 'staff_id', parent: 'staff', key: 'id' },
  { child: 'orders', column: 'tenant_id', parent: 'tenants', key: 'id' },
  { child: 'orders', column: 'customer_id', parent: 'customers', key: 'id' },
  { child: 'orders', column: 'store_id', parent: 'stores', key: 'id' },
  { child: 'orders', column: 'clerk_id', parent: 'staff', key: 'id' },
];

/** `child.column → parent` with the number of rows whose parent is missing (of the given tenants, or all); only the non-zero ones. */
export async function danglingReferences(owner: DB, tenantIds?: readonly string[]): Promise<{ reference: string; rows: number }[]> {
  const out: { reference: string; rows: number }[] = [];
  for (const r of UNCHECKED_REFERENCES) {
    const sameTenant = r.parent === 'tenants' ? sql`` : sql`p.tenant_id = x.tenant_id and`;
    const only = tenantIds ? sql`x.tenant_id = any(${[...tenantIds]}::uuid[]) and` : sql``;
    const n = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.table(r.child)} x
      where ${only} x.${sql.ref(r.column)} is not null
        and not exists (select 1 from ${sql.table(r.parent)} p where ${sameTenant} p.${sql.ref(r.key)} = x.${sql.ref(r.column)})`.execute(owner);
    const rows = n.rows[0]?.n ?? 0;
    if (rows > 0) out.push({ reference: `${r.child}.${r.column} → ${r.parent}`, rows });
  }
  return out;
}
