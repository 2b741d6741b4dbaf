/** The WeCom chat sidebar against the simulator: OAuth codes, JS-SDK ticket caching and signatures, scope. */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../server/tenancy/actor';
import { resolveSession } from '../../../server/tenancy/auth.service';
import { withTenant } from '../../../server/tenancy/context';
import { signSidebarUrl, WindowLimiter } from '../../../server/wecom/jsapi.service';
import { wecomRuntime } from '../../../server/wecom/runtime';
import { fetchContactNow, groupView, loginWithOauthCode, recordTouch, resolveContact } from '../../../server/wecom/sidebar.service';
import { makeStaff } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';

const h = useTestServices();
const req = { ip: '127.0.0.1', userAgent: 'wxwork' };

async function setup(seed: number) {
  const r = await connectedTenant(h.services, { customers: 200, staff: 4, seed });
  const [u1, u2] = [...r.sim.state.staff.keys()];
  const s1 = await makeStaff(h.services, r.tenant.id, r.tenant.slug, 'clerk', { wecomUserid: u1! });
  const s2 = await makeStaff(h.services, r.tenant.id, r.tenant.slug, 'clerk', { wecomUserid: u2! });
  await syncOnce(h.services, r.tenant.id);
  const actorOf = (id: string): Actor => ({ kind: 'staff', tenantId: r.tenant.id, tenantSlug: r.tenant.slug, staffId: id, role: 'clerk', name: 'c', label: 'c', storeId: null, storeScope: [] });
  return { ...r, u1: u1!, u2: u2!, clerk1: actorOf(s1.id), clerk2: actorOf(s2.id), s1 };
}

describe('WeCom sidebar', () => {
  it('OAuth: a valid code opens a session for the staff member with that userid; a reused or expired code is refused', async () => {
    const { tenant, sim, u1, s1 } = await setup(1701);
    const code = sim.issueOauthCode(u1);
    const r = await loginWithOauthCode(h.services, tenant.id, code, req);
    expect(r.staffId).toBe(s1.id);
    const cookieValue = r.cookie.split(';')[0]!;
    const session = await resolveSession(h.services, cookieValue);
    expect(session).toMatchObject({ kind: 'staff', actor: { staffId: s1.id, role: 'clerk' } });
    // The same code again: single use.
    await expect(loginWithOauthCode(h.services, tenant.id, code, req)).rejects.toMatchObject({ status: 401 });
    // A code older than 5 minutes.
    const old = sim.issueOauthCode(u1);
    sim.advance(5 * 60_000 + 1000);
    await expect(loginWithOauthCode(h.services, tenant.id, old, req)).rejects.toMatchObject({ status: 401 });
    // A member whose Huike account is deactivated.
    const stranger = [...sim.state.staff.keys()][3]!;
    await withTenant(h.services.dbs, tenant.id, (trx) => trx.updateTable('staff').set({ active: false }).where('tenant_id', '=', tenant.id).where('wecom_userid', '=', stranger).execute());
    await expect(loginWithOauthCode(h.services, tenant.id, sim.issueOauthCode(stranger), req)).rejects.toMatchObject({ status: 403 });
  });

  it('JS-SDK: many signatures, concurrently and from a fresh client, fetch each ticket once; the signature is sha1 of the documented string; only own-host URLs', async () => {
    const { tenant, sim } = await setup(1702);
    const base = h.services.config.publicUrl.replace(/\/+$/, '');
    const url = `${base}/wecom/sidebar?t=${tenant.slug}&x=1`;
    const before = { corp: sim.requestCount.get('get_jsapi_ticket') ?? 0, agent: sim.requestCount.get('ticket/get') ?? 0 };
    const sigs = await Promise.all(Array.from({ length: 12 }, () => signSidebarUrl(h.services, tenant.id, `${url}#frag`)));
    wecomRuntime(h.services).reset();
    sigs.push(await signSidebarUrl(h.services, tenant.id, url));
    expect((sim.requestCount.get('get_jsapi_ticket') ?? 0) - before.corp).toBe(1);
    expect((sim.requestCount.get('ticket/get') ?? 0) - before.agent).toBe(1);
    // Independently: sha1 of "jsapi_ticket=T&noncestr=N&timestamp=TS&url=U", U without the fragment.
    const corpTicket = sim.currentJsapiTicket(sim.secret, 'corp')!;
    const agentTicket = sim.currentJsapiTicket(sim.secret, 'agent')!;
    expect(corpTicket).not.toBe(agentTicket);
    for (const s of sigs) {
      expect(s.signature).toBe(createHash('sha1').update(`jsapi_ticket=${corpTicket}&noncestr=${s.nonceStr}&timestamp=${s.timestamp}&url=${url}`).digest('hex'));
      expect(s.agentSignature).toBe(createHash('sha1').update(`jsapi_ticket=${agentTicket}&noncestr=${s.nonceStr}&timestamp=${s.timestamp}&url=${url}`).digest('hex'));
      expect(s.corpId).toBe(sim.corpId);
    }
    await expect(signSidebarUrl(h.services, tenant.id, 'https://evil.example.com/wecom/sidebar')).rejects.toMatchObject({ status: 400 });
    // The cached ticket is sealed at rest.
    const rows = await withTenant(h.services.dbs, tenant.id, (trx) => sql<{ app_key: string; token_sealed: string }>`select app_key, token_sealed from wecom_access_tokens where tenant_id = ${tenant.id}::uuid and app_key like 'jsapi:%'`.execute(trx));
    expect(rows.rows.map((r) => r.app_key).sort()).toEqual(['jsapi:agent:none', 'jsapi:corp']);
    expect(rows.rows.some((r) => r.token_sealed.includes(corpTicket))).toBe(false);
    // Rate limit: the 31st request of a minute is refused.
    let now = 0;
    const limiter = new WindowLimiter(30, 60_000, () => now);
    for (let i = 0; i < 30; i++) limiter.take('clerk');
    expect(() => limiter.take('clerk')).toThrow(/Too many/);
    now = 60_000;
    expect(() => limiter.take('clerk')).not.toThrow();
  });

  it("scope: a clerk opening another clerk's customer sees only what the tenant allows, and cannot record a touch on them; an unsynced customer is fetched now", async () => {
    const { tenant, sim, u1, u2, clerk1, clerk2 } = await setup(1703);
    const mine1 = new Set((sim.state.followsByUser.get(u1) ?? []).map((f) => f.external_userid));
    const only2 = (sim.state.followsByUser.get(u2) ?? []).map((f) => f.external_userid).find((e) => !mine1.has(e))!;
    const own = [...mine1][0]!;
    const db = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.services.dbs, tenant.id, fn);
    expect(await db((trx) => resolveContact(trx, clerk1, own))).toMatchObject({ state: 'mine' });
    const other = await db((trx) => resolveContact(trx, clerk1, only2));
    expect(other).toEqual({ state: 'other', name: expect.any(String), servedBy: expect.any(Array) });
    expect(Object.keys(other).sort()).toEqual(['name', 'servedBy', 'state']);
    const theirs = await db((trx) => resolveContact(trx, clerk2, only2));
    expect(theirs.state).toBe('mine');
    const theirId = (theirs as { customerId: string }).customerId;
    await expect(db((trx) => recordTouch(trx, clerk1, { customerId: theirId, content: 'hi' }))).rejects.toMatchObject({ status: 404 });
    await db((trx) => sql`update tenants set settings = jsonb_set(settings, '{clerk}', '{"otherClerkCustomer":"none"}') where id = ${tenant.id}::uuid`.execute(trx));
    expect(await db((trx) => resolveContact(trx, clerk1, only2))).toEqual({ state: 'hidden' });

    // A customer added in WeCom whose callback has not arrived: unknown, then fetched now and mine.
    const added = sim.addContact({ userid: u1, customer: { name: '新来的客户' }, welcomeCode: false });
    const eid = added.externalUserid;
    expect(await db((trx) => resolveContact(trx, clerk1, eid))).toEqual({ state: 'unknown' });
    await fetchContactNow(h.services, clerk1, eid);
    expect(await db((trx) => resolveContact(trx, clerk1, eid))).toMatchObject({ state: 'mine' });

    // A group chat: its customers' stage mix counts every customer member; the list names only the clerk's own.
    const chat = [...sim.state.groupChats.values()].find((g) => !g.dismissed && g.members.some((m) => m.type === 2))!;
    const g = (await db((trx) => groupView(trx, clerk1, chat.chat_id)))!;
    const customerMembers = chat.members.filter((m) => m.type === 2).length;
    expect(g.stages.reduce((n, x) => n + x.n, 0)).toBe(customerMembers);
    const mineIds = new Set((await db((trx) => sql<{ id: string }>`select customer_id as id from customer_follows where tenant_id = ${tenant.id}::uuid and staff_id = ${clerk1.staffId}::uuid and ended_at is null`.execute(trx))).rows.map((r) => r.id));
    expect(g.mine.every((m) => mineIds.has(m.id))).toBe(true);
  });
});
