import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { authenticateApiKey, login, resolveSession, SESSION_COOKIE } from '../../../server/tenancy/auth.service';
import { withSystem, withTenant } from '../../../server/tenancy/context';
import { createApiKey, revokeApiKey, setStaffActive, updateStaff } from '../../../server/tenancy/settings.service';
import { useTestServices } from '../../support/db';
import { makeStaff, makeTenant, PASSWORD } from '../../factories/tenant';

const h = useTestServices();

function cookieHeader(setCookie: string): string {
  return setCookie.split(';')[0]!;
}

describe('sign-in and sessions', () => {
  it('signs in by email and by mobile, and the session resolves to the actor with its scope', async () => {
    const t = await makeTenant(h.services);
    const clerk = await makeStaff(h.services, t.id, t.slug, 'clerk', { storeCode: 'S1' });
    await withTenant(h.services.dbs, t.id, (trx) => trx.updateTable('staff').set({ mobile: '13912345678' }).where('tenant_id', '=', t.id).where('id', '=', clerk.id).execute());
    const byEmail = await login(h.services, { identifier: clerk.email.toUpperCase(), password: PASSWORD, ip: '10.0.0.1', userAgent: 'test' });
    expect(byEmail.kind).toBe('staff');
    const byMobile = await login(h.services, { identifier: '+86 139-1234-5678', password: PASSWORD, ip: '10.0.0.1', userAgent: 'test' });
    expect(byMobile.kind).toBe('staff');
    expect(byMobile.cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=.+HttpOnly; SameSite=Lax`));
    expect(byMobile.cookie).not.toContain('Secure');
    const s = await resolveSession(h.services, cookieHeader(byMobile.cookie));
    expect(s?.kind).toBe('staff');
    if (s?.kind !== 'staff') return;
    expect(s.actor).toMatchObject({ tenantId: t.id, role: 'clerk', storeScope: [t.storeIds.S1] });
    expect(s.csrfToken.length).toBeGreaterThan(20);
  });

  it('a manager is scoped to the stores of their regions', async () => {
    const t = await makeTenant(h.services);
    const m = await makeStaff(h.services, t.id, t.slug, 'manager', { regionCodes: ['R2'] });
    const r = await login(h.services, { identifier: m.email, password: PASSWORD, ip: null, userAgent: null });
    const s = await resolveSession(h.services, cookieHeader(r.cookie));
    expect(s?.kind === 'staff' && s.actor.storeScope).toEqual([t.storeIds.S2]);
  });

  it('a tampered or foreign cookie resolves to nobody', async () => {
    const t = await makeTenant(h.services);
    const u = await makeStaff(h.services, t.id, t.slug, 'ops');
    const r = await login(h.services, { identifier: u.email, password: PASSWORD, ip: null, userAgent: null });
    const good = cookieHeader(r.cookie);
    const tampered = good.slice(0, -3) + (good.endsWith('A') ? 'BBB' : 'AAA');
    expect(await resolveSession(h.services, tampered)).toBeNull();
    const other = await makeTenant(h.services);
    const value = decodeURIComponent(good.split('=')[1]!);
    const swapped = value.replace(t.id, other.id);
    expect(await resolveSession(h.services, `${SESSION_COOKIE}=${encodeURIComponent(swapped)}`)).toBeNull();
  });

  it('wrong password is refused; five failures throttle further attempts, even with the right password', async () => {
    const t = await makeTenant(h.services);
    const u = await makeStaff(h.services, t.id, t.slug, 'ops');
    for (let i = 0; i < 5; i++) {
      await expect(login(h.services, { identifier: u.email, password: 'wrong-password', ip: '10.9.9.9', userAgent: null })).rejects.toMatchObject({ status: 401 });
    }
    await expect(login(h.services, { identifier: u.email, password: PASSWORD, ip: '10.9.9.9', userAgent: null })).rejects.toMatchObject({ status: 429 });
    const logged = await withSystem(h.services.dbs, (db) => db.selectFrom('login_attempts').select(sql<number>`count(*)::int`.as('n')).where('identifier', '=', u.email).where('success', '=', false).executeTakeFirstOrThrow());
    expect(logged.n).toBe(5);
    // After the delay has passed, the right password works again.
    await withSystem(h.services.dbs, (db) => db.updateTable('login_throttle').set({ locked_until: sql`now() - interval '1 second'` }).where('key', 'in', [`id:${u.email}`, 'ip:10.9.9.9']).execute());
    await expect(login(h.services, { identifier: u.email, password: PASSWORD, ip: '10.9.9.9', userAgent: null })).resolves.toMatchObject({ kind: 'staff' });
  });

  it('deactivating a user or changing their role ends their sessions', async () => {
    const t = await makeTenant(h.services);
    const admin = await makeStaff(h.services, t.id, t.slug, 'admin');
    const u = await makeStaff(h.services, t.id, t.slug, 'ops');
    const adminActor = { ...t.actor, staffId: admin.id };
    const r1 = await login(h.services, { identifier: u.email, password: PASSWORD, ip: null, userAgent: null });
    await updateStaff(h.services, adminActor, { staffId: u.id, role: 'manager', regionIds: [] });
    expect(await resolveSession(h.services, cookieHeader(r1.cookie))).toBeNull();
    const r2 = await login(h.services, { identifier: u.email, password: PASSWORD, ip: null, userAgent: null });
    await setStaffActive(h.services, adminActor, u.id, false);
    expect(await resolveSession(h.services, cookieHeader(r2.cookie))).toBeNull();
    await expect(login(h.services, { identifier: u.email, password: PASSWORD, ip: null, userAgent: null })).rejects.toMatchObject({ status: 401 });
    const audit = await withTenant(h.services.dbs, t.id, (trx) => trx.selectFrom('audit_log').select(['action', 'before', 'after']).where('entity_id', '=', u.id).orderBy('id').execute());
    expect(audit.map((a) => a.action)).toEqual(['staff.create', 'staff.update', 'staff.deactivate']);
    expect(audit[1]!.before).toMatchObject({ role: 'ops' });
    expect(audit[1]!.after).toMatchObject({ role: 'manager' });
  });

  it('the same email in two tenants asks for the company code', async () => {
    const a = await makeTenant(h.services);
    const b = await makeTenant(h.services);
    await makeStaff(h.services, a.id, a.slug, 'ops', { email: 'shared@example.com' });
    await makeStaff(h.services, b.id, b.slug, 'ops', { email: 'shared@example.com' });
    await expect(login(h.services, { identifier: 'shared@example.com', password: PASSWORD, ip: null, userAgent: null })).rejects.toMatchObject({ code: 'tenant_required' });
    const r = await login(h.services, { identifier: 'shared@example.com', password: PASSWORD, tenantSlug: b.slug, ip: null, userAgent: null });
    expect(r.kind === 'staff' && r.tenantId).toBe(b.id);
  });
});

describe('API keys', () => {
  it('authenticate their own tenant until revoked; the database keeps only a hash', async () => {
    const t = await makeTenant(h.services);
    const k = await createApiKey(h.services, t.actor, 'pos');
    const actor = await authenticateApiKey(h.services, `Bearer ${k.key}`);
    expect(actor).toMatchObject({ tenantId: t.id, kind: 'apikey' });
    const stored = await withTenant(h.services.dbs, t.id, (trx) => trx.selectFrom('api_keys').selectAll().where('tenant_id', '=', t.id).executeTakeFirstOrThrow());
    expect(JSON.stringify(stored)).not.toContain(k.key);
    await revokeApiKey(h.services, t.actor, k.id);
    await expect(authenticateApiKey(h.services, `Bearer ${k.key}`)).rejects.toMatchObject({ status: 401 });
    await expect(authenticateApiKey(h.services, 'Bearer hk_notakeyatallnotakeyatall')).rejects.toMatchObject({ status: 401 });
    await expect(authenticateApiKey(h.services, null)).rejects.toMatchObject({ status: 401 });
  });
});
