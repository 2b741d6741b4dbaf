import { describe, expect, it } from 'vitest';
import { withTenant } from '../../../server/tenancy/context';
import { WecomClient } from '../../../server/wecom/client';
import { PgTokenStore } from '../../../server/wecom/pg-token-store';
import { createSimulatorFetch } from '../../../server/wecom/simulator/fetch';
import { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';

const h = useTestServices();

describe('access tokens in PostgreSQL, shared by clients of different processes', () => {
  it('two clients (own stores, own in-process state) fetch one token together and refresh it once', async () => {
    const tenant = await makeTenant(h.services);
    const sim = new WecomSimulator({ populationOptions: { seed: 5, customers: 20 }, config: { rateLimitPerMinute: null, latencyMs: 5 } });
    const fetch = createSimulatorFetch(sim);
    const key = h.services.config.APP_ENCRYPTION_KEY;
    // Separate store and client objects stand for two processes: only the database is shared.
    const mk = () => new WecomClient({ corpId: sim.corpId, secret: sim.secret, fetch, tokenStore: new PgTokenStore(h.services.dbs, tenant.id, key), rateLimiter: false, sleep: async () => undefined });
    const a = mk();
    const b = mk();
    const gettoken = () => sim.requestCount.get('gettoken') ?? 0;

    const tokens = await Promise.all([...Array.from({ length: 8 }, () => a.getAccessToken()), ...Array.from({ length: 8 }, () => b.getAccessToken())]);
    expect(new Set(tokens).size).toBe(1);
    expect(gettoken()).toBe(1);

    // Sealed at rest.
    const row = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_access_tokens').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow());
    expect(row.token_sealed).not.toContain(tokens[0]!);
    expect(row.token_sealed.startsWith('v1:')).toBe(true);
    expect(row.app_key).toBe(a.appKey);

    // Expired at WeCom: the first client to see 42001 refreshes; the other reuses the new token from the store.
    sim.expireTokens();
    await a.listFollowUsers();
    expect(gettoken()).toBe(2);
    await b.listFollowUsers();
    expect(gettoken()).toBe(2);
    expect(await b.getAccessToken()).toBe(await a.getAccessToken());

    // Invalidated early (40014) while both are busy: still a single refresh.
    sim.invalidateTokens();
    await Promise.all([a.listFollowUsers(), b.listFollowUsers(), a.listFollowUsers(), b.listFollowUsers()]);
    expect(gettoken()).toBe(3);
    expect(a.stats.tokenRetries + b.stats.tokenRetries).toBeGreaterThanOrEqual(2);
  });

  it('tenants do not see each other’s tokens (row-level security), and a lock failure releases the lock', async () => {
    const t1 = await makeTenant(h.services);
    const t2 = await makeTenant(h.services);
    const key = h.services.config.APP_ENCRYPTION_KEY;
    const s1 = new PgTokenStore(h.services.dbs, t1.id, key);
    const s2 = new PgTokenStore(h.services.dbs, t2.id, key);
    await s1.set('wwcorp', 'app', { token: 'secret-token-1', expiresAt: Date.now() + 3_600_000 });
    expect(await s2.get('wwcorp', 'app')).toBeNull();
    expect((await s1.get('wwcorp', 'app'))?.token).toBe('secret-token-1');
    await expect(s1.withRefreshLock('wwcorp', 'app', async () => Promise.reject(new Error('gettoken failed')))).rejects.toThrow('gettoken failed');
    // The lock was released with the transaction: the next holder gets it at once.
    const t0 = Date.now();
    expect(await s1.withRefreshLock('wwcorp', 'app', async () => 'ok')).toBe('ok');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
