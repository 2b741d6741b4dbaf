import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withSystem, withTenant } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { makeStaff, makeTenant } from '../../factories/tenant';

const h = useTestServices();

describe('tenant isolation (forced row-level security)', () => {
  it("under tenant A's context an unfiltered query returns none of tenant B's rows", async () => {
    const a = await makeTenant(h.services);
    const b = await makeTenant(h.services);
    await makeStaff(h.services, a.id, a.slug, 'ops');
    await makeStaff(h.services, b.id, b.slug, 'ops');
    const tables = ['tenants', 'regions', 'stores', 'staff', 'audit_log'] as const;
    for (const t of tables) {
      const rows = await withTenant(h.services.dbs, a.id, (trx) => sql<{ tenant: string }>`select ${sql.ref(t === 'tenants' ? 'id' : 'tenant_id')}::text as tenant from ${sql.table(t)}`.execute(trx));
      expect(rows.rows.length, `${t} has rows for A`).toBeGreaterThan(0);
      expect(rows.rows.every((r) => r.tenant === a.id), `${t} leaks another tenant`).toBe(true);
    }
    // The owner (withSystem) sees both.
    const all = await withSystem(h.services.dbs, (db) => db.selectFrom('stores').select('tenant_id').where('tenant_id', 'in', [a.id, b.id]).execute());
    expect(new Set(all.map((r) => r.tenant_id))).toEqual(new Set([a.id, b.id]));
  });

  it('without a tenant context the app role sees nothing', async () => {
    await makeTenant(h.services);
    const rows = await sql`select * from stores`.execute(h.services.dbs.app);
    expect(rows.rows).toHaveLength(0);
  });

  it('cannot write a row into another tenant', async () => {
    const a = await makeTenant(h.services);
    const b = await makeTenant(h.services);
    await expect(
      withTenant(h.services.dbs, a.id, (trx) => trx.insertInto('regions').values({ tenant_id: b.id, code: 'X', name: 'x' }).execute()),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('the app role cannot disable or bypass RLS', async () => {
    const a = await makeTenant(h.services);
    await expect(withTenant(h.services.dbs, a.id, (trx) => sql`alter table stores disable row level security`.execute(trx))).rejects.toMatchObject({ code: '42501' });
    await expect(withTenant(h.services.dbs, a.id, (trx) => sql`alter table stores no force row level security`.execute(trx))).rejects.toMatchObject({ code: '42501' });
    await expect(withTenant(h.services.dbs, a.id, (trx) => sql`set local row_security = off; select * from stores`.execute(trx))).rejects.toBeTruthy();
    const role = await sql<{ rolbypassrls: boolean; rolsuper: boolean }>`select rolbypassrls, rolsuper from pg_roles where rolname = current_user`.execute(h.services.dbs.app);
    expect(role.rows[0]).toEqual({ rolbypassrls: false, rolsuper: false });
  });
});
