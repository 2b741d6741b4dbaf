/**
 * Issue 12 point 9: sign-in throttling must count attempts before checking passwords. The probe sent 60 wrong
 * passwords for one account in parallel: every one was checked (the count was read before any was recorded) and
 * the right password then succeeded.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { login } from '../../server/tenancy/auth.service';
import { withSystem } from '../../server/tenancy/context';
import { makeStaff, makeTenant, PASSWORD } from '../factories/tenant';
import { useTestServices } from '../support/db';

const h = useTestServices();

const statuses = (rs: PromiseSettledResult<unknown>[]) =>
  rs.map((r) => (r.status === 'fulfilled' ? 200 : ((r.reason as { status?: number }).status ?? 500))).reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

const failuresChecked = async (identifier: string) =>
  (await withSystem(h.services.dbs, (db) => db.selectFrom('login_attempts').select(sql<number>`count(*)::int`.as('n')).where('identifier', '=', identifier).where('success', '=', false).executeTakeFirstOrThrow())).n;

describe('sign-in throttling under parallel attempts', () => {
  it('60 parallel wrong passwords: only 5 are checked, the rest refused, and then the right password is refused while locked', async () => {
    const t = await makeTenant(h.services);
    const u = await makeStaff(h.services, t.id, t.slug, 'ops');
    const wrong = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => login(h.services, { identifier: u.email, password: `wrong-${i}`, ip: '10.12.0.1', userAgent: null })));
    expect(statuses(wrong)).toEqual({ 401: 5, 429: 55 });
    expect(await failuresChecked(u.email)).toBe(5);

    // The right password, from the same or another address, is refused while the account is locked.
    await expect(login(h.services, { identifier: u.email, password: PASSWORD, ip: '10.12.0.1', userAgent: null })).rejects.toMatchObject({ status: 429 });
    await expect(login(h.services, { identifier: u.email, password: PASSWORD, ip: '10.12.0.2', userAgent: null })).rejects.toMatchObject({ status: 429 });

    // Once the lock has lapsed the right password works and clears the counter.
    await withSystem(h.services.dbs, (db) => db.updateTable('login_throttle').set({ locked_until: sql`now() - interval '1 second'` }).execute());
    await expect(login(h.services, { identifier: u.email, password: PASSWORD, ip: '10.12.0.2', userAgent: null })).resolves.toMatchObject({ kind: 'staff' });
    const left = await withSystem(h.services.dbs, (db) => db.selectFrom('login_throttle').select('key').where('key', '=', `id:${u.email}`).execute());
    expect(left).toEqual([]);
  });

  it('parallel wrong passwords over many accounts from one address: the address is locked after 5', async () => {
    const t = await makeTenant(h.services);
    const users = await Promise.all(Array.from({ length: 12 }, () => makeStaff(h.services, t.id, t.slug, 'clerk', { storeCode: 'S1' })));
    const spray = await Promise.allSettled(users.map((u) => login(h.services, { identifier: u.email, password: 'wrong', ip: '10.13.0.1', userAgent: null })));
    expect(statuses(spray)).toEqual({ 401: 5, 429: 7 });
    // A refused attempt is not counted against the account it named: that account signs in from elsewhere.
    const refused = users.filter((_, i) => spray[i]!.status === 'rejected' && (spray[i] as PromiseRejectedResult).reason.status === 429);
    await expect(login(h.services, { identifier: refused[0]!.email, password: PASSWORD, ip: '10.13.0.1', userAgent: null })).rejects.toMatchObject({ status: 429 });
    await expect(login(h.services, { identifier: refused[0]!.email, password: PASSWORD, ip: '10.13.0.9', userAgent: null })).resolves.toMatchObject({ kind: 'staff' });
  });
});
