/**
 * Huike must be able to run on Citus distributed by tenant_id (docs/decisions/0008-scaling-past-one-postgres.md).
 * Citus enforces a primary key, a unique constraint or index, and a foreign key between distributed tables only
 * when it includes the distribution column. These guards keep every new tenant table shardable.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestServices } from '../../support/db';

const h = useTestServices();

/**
 * Unique indexes that are global by construction and the reason; each is named in the ADR.
 * api_keys.key_hash: a random key's hash, looked up before the tenant is known (a Citus reference lookup table
 * `api_key_index(key_hash, tenant_id)` replaces it when distributed).
 */
const GLOBAL_UNIQUE = new Set(['api_keys_key_hash_key']);

interface KeyRow {
  table: string;
  name: string;
  kind: string;
  cols: string[];
}

async function tenantTableKeys(): Promise<KeyRow[]> {
  const r = await sql<KeyRow>`
    select c.relname as table, ic.relname as name,
      case when i.indisprimary then 'primary key' else 'unique' end as kind,
      array(select a.attname from unnest(i.indkey) k(attnum) join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum) as cols
    from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_class c on c.oid = i.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and (i.indisunique or i.indisprimary) and c.relkind in ('r', 'p') and not c.relispartition
      and c.relname <> 'tenants'
      and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id' and not t.attisdropped)`.execute(h.services.dbs.owner);
  return r.rows;
}

interface ForeignKeyRow {
  table: string;
  name: string;
  target: string;
  cols: string[];
  target_cols: string[];
  target_has_tenant: boolean;
}

async function tenantTableForeignKeys(): Promise<ForeignKeyRow[]> {
  const r = await sql<ForeignKeyRow>`
    select c.relname as table, con.conname as name, t.relname as target,
      array(select a.attname from unnest(con.conkey) k(attnum) join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum) as cols,
      array(select a.attname from unnest(con.confkey) k(attnum) join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum) as target_cols,
      exists (select 1 from pg_attribute x where x.attrelid = t.oid and x.attname = 'tenant_id' and not x.attisdropped) as target_has_tenant
    from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_class t on t.oid = con.confrelid
    join pg_namespace n on n.oid = c.relnamespace
    where con.contype = 'f' and n.nspname = 'public' and not c.relispartition
      and exists (select 1 from pg_attribute x where x.attrelid = c.oid and x.attname = 'tenant_id' and not x.attisdropped)`.execute(h.services.dbs.owner);
  return r.rows;
}

describe('the schema stays distributable by tenant_id (Citus)', () => {
  it('every primary key and unique key of a tenant table includes tenant_id', async () => {
    const keys = await tenantTableKeys();
    expect(keys.length).toBeGreaterThan(10);
    const bad = keys.filter((k) => !k.cols.includes('tenant_id') && !GLOBAL_UNIQUE.has(k.name)).map((k) => `${k.table}.${k.name} (${k.kind}: ${k.cols.join(', ')})`);
    expect(bad).toEqual([]);
  });

  it('every foreign key between tenant tables joins on tenant_id on both sides', async () => {
    const fks = await tenantTableForeignKeys();
    expect(fks.length).toBeGreaterThan(10);
    const bad = fks
      .filter((f) => f.target === 'tenants' ? !f.cols.includes('tenant_id') : f.target_has_tenant && (f.cols[0] !== 'tenant_id' || f.target_cols[0] !== 'tenant_id'))
      .map((f) => `${f.table}.${f.name} → ${f.target} (${f.cols.join(', ')}) → (${f.target_cols.join(', ')})`);
    expect(bad).toEqual([]);
  });

  it('a tenant table refers to no other global table than tenants (which becomes a reference table)', async () => {
    const fks = await tenantTableForeignKeys();
    const globals = [...new Set(fks.filter((f) => !f.target_has_tenant && f.target !== 'tenants').map((f) => `${f.table} → ${f.target}`))];
    expect(globals).toEqual([]);
  });
});
