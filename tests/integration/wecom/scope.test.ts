import { describe, expect, it } from 'vitest';
import { customerProfile } from '../../../server/customers/profile.repository';
import { listCustomers } from '../../../server/customers/customers.repository';
import type { Actor } from '../../../server/tenancy/actor';
import { withTenant } from '../../../server/tenancy/context';
import { getCustomerWecomProfile, wecomColumnsFor } from '../../../server/wecom/customer-wecom.repository';
import { listTagOptions } from '../../../server/wecom/tags.repository';
import { changeCustomerTags } from '../../../server/wecom/tags.service';
import { makeStaff } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from './helpers';

const h = useTestServices();

describe('customers from WeCom, scoped by role', () => {
  it('a clerk sees, opens and tags only the customers they serve; admins see everyone with who serves them and how they came', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 600, staff: 6, seed: 201 });
    const userid = [...sim.state.staff.keys()][2]!;
    // The clerk's Huike account exists before the sync: the sync matches it by wecom_userid, no duplicate clerk.
    const clerkRow = await makeStaff(h.services, tenant.id, tenant.slug, 'clerk', { wecomUserid: userid });
    await syncOnce(h.services, tenant.id);
    const clerk: Actor = { kind: 'staff', tenantId: tenant.id, tenantSlug: tenant.slug, staffId: clerkRow.id, role: 'clerk', name: 'clerk', label: 'clerk', storeId: tenant.storeIds.S1, storeScope: [tenant.storeIds.S1] };
    const admin = tenant.actor;
    const mine = new Set((sim.state.followsByUser.get(userid) ?? []).map((f) => f.external_userid));
    expect(mine.size).toBeGreaterThan(20);

    const asClerk = await withTenant(h.services.dbs, tenant.id, (trx) => listCustomers(trx, clerk, { sort: 'created_at', dir: 'desc', page: 1, size: 200 }));
    const asAdmin = await withTenant(h.services.dbs, tenant.id, (trx) => listCustomers(trx, admin, { sort: 'created_at', dir: 'desc', page: 1, size: 50 }));
    expect(asClerk.total).toBe(mine.size);
    expect(asAdmin.total).toBe(600);
    const eidOf = async (customerId: string) =>
      (await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('customer_identities').select('value').where('tenant_id', '=', tenant.id).where('customer_id', '=', customerId).where('kind', '=', 'external_userid').executeTakeFirstOrThrow())).value;
    for (const r of asClerk.rows.slice(0, 10)) expect(mine.has(await eidOf(r.id))).toBe(true);

    // The list's WeCom columns: how they came (add way / channel) and since when.
    const cols = await withTenant(h.services.dbs, tenant.id, async (trx) => wecomColumnsFor(trx, admin, asAdmin.rows.map((r) => r.id), await listTagOptions(trx, tenant.id)));
    expect(Object.values(cols).every((c) => c.firstAddedAt !== null && c.addWayLabel !== null)).toBe(true);

    const own = asClerk.rows[0]!.id;
    const other = asAdmin.rows.find((r) => !asClerk.rows.some((x) => x.id === r.id))!.id;
    const p = await withTenant(h.services.dbs, tenant.id, (trx) => getCustomerWecomProfile(trx, clerk, own));
    expect(p.relations.find((r) => r.mine)).toMatchObject({ userid, addWayLabel: expect.any(Array) });
    // Raw WeCom ids stay with admins and ops: nothing a clerk's profile loads carries them (issue #13.13).
    const profileOf = (a: Actor) => withTenant(h.services.dbs, tenant.id, (trx) => customerProfile(trx, a, own));
    expect((await profileOf(admin)).identities.map((i) => i.kind)).toContain('external_userid');
    expect((await profileOf(clerk)).identities.filter((i) => ['external_userid', 'unionid', 'openid'].includes(i.kind))).toEqual([]);
    expect(JSON.stringify([p, await profileOf(clerk)])).not.toContain(await eidOf(own));
    await expect(withTenant(h.services.dbs, tenant.id, (trx) => getCustomerWecomProfile(trx, clerk, other))).rejects.toMatchObject({ status: 404 });

    const tagId = (await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('tags').select('id').where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow())).id;
    await expect(withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, clerk, { customerIds: [other], add: [tagId] }))).rejects.toMatchObject({ status: 404 });
    const bulk = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, clerk, { customerIds: [own, other], add: [tagId] }));
    expect(bulk.outOfScope).toBe(1);

    // The tag filter returns exactly the customers carrying the tag on an open relation.
    const tagged = await withTenant(h.services.dbs, tenant.id, (trx) => listCustomers(trx, admin, { sort: 'created_at', dir: 'desc', page: 1, size: 10, tagId }));
    const wecomTagId = (await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('tags').select('wecom_tag_id').where('tenant_id', '=', tenant.id).where('id', '=', tagId).executeTakeFirstOrThrow())).wecom_tag_id!;
    const expected = new Set([...sim.state.followsByUser.values()].flat().filter((f) => f.tag_ids.includes(wecomTagId)).map((f) => f.external_userid));
    expect(tagged.total).toBe(expected.size);

    // When the clerk deletes a customer in WeCom, the next sync ends the relation and the clerk loses access.
    const gone = [...mine][0]!;
    sim.deleteContact(userid, gone);
    await syncOnce(h.services, tenant.id);
    const after = await withTenant(h.services.dbs, tenant.id, (trx) => listCustomers(trx, clerk, { sort: 'created_at', dir: 'desc', page: 1, size: 10 }));
    expect(after.total).toBe(mine.size - 1);
  });
});
