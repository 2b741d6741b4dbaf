import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withTenant } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';

const h = useTestServices();
/** Tables that are not tenant-owned, by design (see docs/decisions/0002-tenancy.md). */
const SYSTEM_TABLES = ['platform_admins', 'platform_sessions', 'login_attempts', 'login_throttle', 'kysely_migration', 'kysely_migration_lock'];
/**
 * Tenant tables written only by the owner, where forced RLS is impossible by design: PostgreSQL refuses COPY into
 * RLS tables. The app role has no privilege on them and reads them only through a tenant-filtered
 * security-barrier view (docs/decisions/0006-import-staging-copy.md). Checked below.
 */
const OWNER_ONLY_TABLES = ['import_staging', 'import_member_staging'];

describe('schema guards the tenancy model', () => {
  it('every table with tenant_id has it first in the primary key, and forced RLS with policies', async () => {
    const r = await sql<{ table: string; pk: string[] | null; rls: boolean; forced: boolean; policies: number; has_tenant: boolean }>`
      select c.relname as table,
        (select array_agg(a.attname order by k.ord) from pg_index i cross join lateral unnest(i.indkey) with ordinality k(attnum, ord)
           join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum where i.indrelid = c.oid and i.indisprimary) as pk,
        c.relrowsecurity as rls, c.relforcerowsecurity as forced,
        (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies,
        exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as has_tenant
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition`.execute(h.services.dbs.owner);
    expect(r.rows.length).toBeGreaterThan(5);
    const problems: string[] = [];
    for (const t of r.rows) {
      if (t.table === 'tenants') {
        if (!t.rls || !t.forced) problems.push('tenants: RLS not forced');
        continue;
      }
      if (SYSTEM_TABLES.includes(t.table) || OWNER_ONLY_TABLES.includes(t.table)) continue;
      if (!t.has_tenant) problems.push(`${t.table}: no tenant_id (add it, or list it as a system table with a reason)`);
      else if (t.pk?.[0] !== 'tenant_id') problems.push(`${t.table}: primary key (${t.pk?.join(', ')}) does not start with tenant_id`);
      if (!t.rls || !t.forced) problems.push(`${t.table}: row-level security is not forced`);
      if (t.policies < 2) problems.push(`${t.table}: missing tenant/system policies`);
    }
    expect(problems).toEqual([]);
  });

  it('every index on a tenant table leads with tenant_id', async () => {
    const r = await sql<{ index: string; first: string }>`
      select ic.relname as index, a.attname as first
      from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_class c on c.oid = i.indrelid
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
      where n.nspname = 'public' and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id')`.execute(h.services.dbs.owner);
    // api_keys.key_hash is globally unique by construction (a random key's hash) and is looked up before the tenant is known.
    const bad = r.rows.filter((x) => x.first !== 'tenant_id' && x.index !== 'api_keys_key_hash_key' && !x.index.startsWith('import_staging'));
    expect(bad).toEqual([]);
  });

  it('owner-only staging tables grant the app role nothing', async () => {
    for (const t of OWNER_ONLY_TABLES) {
      const r = await sql<{ ok: boolean }>`select has_table_privilege('huike_app', ${t}, 'select') or has_table_privilege('huike_app', ${t}, 'insert') as ok`.execute(h.services.dbs.owner);
      expect(r.rows[0]!.ok, `${t} is reachable by the app role`).toBe(false);
    }
  });

  it('the app role owns no table', async () => {
    const r = await sql<{ n: number }>`select count(*)::int as n from pg_tables where schemaname = 'public' and tableowner = 'huike_app'`.execute(h.services.dbs.owner);
    expect(r.rows[0]!.n).toBe(0);
  });

  it('every view reads with the caller\'s row-level security (security_invoker), except the staging view that filters by tenant itself', async () => {
    const r = await sql<{ view: string; invoker: boolean }>`
      select c.relname as view, coalesce('security_invoker=true' = any(c.reloptions), false) as invoker
      from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'v'`.execute(h.services.dbs.owner);
    expect(r.rows.map((x) => x.view)).toContain('customer_follow_tags');
    // import_staging_rows and import_member_staging_rows read the owner-only staging tables on purpose, filtered by app.tenant_id (security_barrier).
    expect(r.rows.filter((x) => !x.invoker && x.view !== 'import_staging_rows' && x.view !== 'import_member_staging_rows')).toEqual([]);
  });

  it('a tenant sees only its own rows through a view', async () => {
    const a = await makeTenant(h.services);
    const b = await makeTenant(h.services);
    for (const t of [a, b]) {
      await withTenant(h.services.dbs, t.id, async (trx) => {
        const c = await trx.insertInto('customers').values({ tenant_id: t.id, source: 'manual', display_name: 'x', avatar: null, primary_store_id: null, mobile_masked: null, merged_into: null }).returning('id').executeTakeFirstOrThrow();
        const s = await trx.insertInto('staff').values({ tenant_id: t.id, name: 'c', role: 'clerk', wecom_userid: `u-${t.slug}`, imported: true }).returning('id').executeTakeFirstOrThrow();
        const g = await trx.insertInto('tag_groups').values({ tenant_id: t.id, name: 'g', kind: 'wecom' }).returning('id').executeTakeFirstOrThrow();
        const tag = await trx.insertInto('tags').values({ tenant_id: t.id, group_id: g.id, name: 'vip' }).returning('id').executeTakeFirstOrThrow();
        await sql`insert into customer_follows (tenant_id, customer_id, staff_id, tag_ids) values (${t.id}::uuid, ${c.id}::uuid, ${s.id}::uuid, array[${tag.id}::uuid])`.execute(trx);
      });
    }
    const seen = await withTenant(h.services.dbs, a.id, async (trx) => (await sql<{ tenant_id: string }>`select tenant_id from customer_follow_tags`.execute(trx)).rows);
    expect(seen.map((x) => x.tenant_id)).toEqual([a.id]);
  });
});
