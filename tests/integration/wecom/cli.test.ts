import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../server/cli/main';
import { withTenant } from '../../../server/tenancy/context';
import { generateEncodingAesKey } from '../../../server/wecom/crypto';
import { generateStaff } from '../../../server/wecom/simulator/population';
import { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import { wecomClientFor } from '../../../server/wecom/runtime';
import { makeTenant } from '../../factories/tenant';
import { wecomHandlers } from '../../mocks/wecom';
import { useTestServices } from '../../support/db';
import { counts, fastClients, syncOnce } from './helpers';

const h = useTestServices();
// A live-mode tenant talks HTTP to qyapi.weixin.qq.com; msw answers from the simulator.
const sim = new WecomSimulator({ populationOptions: { seed: 301, customers: 1500, staff: generateStaff(25, 301) }, seed: 301, config: { rateLimitPerMinute: null } });
const server = setupServer(...wecomHandlers(sim));
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterAll(() => server.close());

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('CLI: wecom configure / test / sync', () => {
  it('configures a live connection (secret sealed), tests it readably and runs a full sync with progress over HTTP', async () => {
    const tenant = await makeTenant(h.services);
    fastClients(h.services);
    const key = generateEncodingAesKey(() => 0.77);
    const a = io();
    expect(await runCli(['wecom', 'configure', '--tenant', tenant.slug, '--corp-id', sim.corpId, '--secret', sim.secret, '--token', 'cliToken', '--aes-key', key, '--agent-id', '1000002'], a.io, async () => h.services)).toBe(0);
    expect(a.out.join('\n')).toContain(`/wecom/callback/${tenant.slug}`);
    const row = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_connections').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow());
    expect(row.secret_sealed).not.toContain(sim.secret);
    expect(row.aes_key_sealed).not.toContain(key);
    expect(row).toMatchObject({ corp_id: sim.corpId, agent_id: 1000002, callback_token: 'cliToken', mode: 'live' });

    const b = io();
    expect(await runCli(['wecom', 'test', '--tenant', tenant.slug], b.io, async () => h.services)).toBe(0);
    expect(b.out.join('\n')).toMatch(/连接成功.*25 人/);

    const c = io();
    expect(await runCli(['wecom', 'sync', '--tenant', tenant.slug, '--concurrency', '4'], c.io, async () => h.services)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/Full sync of .* started/);
    expect(text).toMatch(/\[\s*\d+%\] contacts/);
    expect(text).toMatch(/Done in .*1,500 customers \(1500 new/);
    expect((await counts(h.services, tenant.id)).open).toBe(sim.summary().relations);
    // The client of this tenant talked to qyapi.weixin.qq.com (intercepted), with its token in the database.
    const client = await wecomClientFor(h.services, tenant.id);
    expect(client.appKey).toBe('agent:1000002');
    const tok = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_access_tokens').select('app_key').where('tenant_id', '=', tenant.id).execute());
    expect(tok.map((x) => x.app_key)).toEqual(['agent:1000002']);
  });

  it('a wrong secret: the test explains it, the sync fails with the reason in its history', async () => {
    const tenant = await makeTenant(h.services);
    const a = io();
    expect(await runCli(['wecom', 'configure', '--tenant', tenant.slug, '--corp-id', sim.corpId, '--secret', 'not-the-right-secret', '--token', 'cliToken', '--aes-key', generateEncodingAesKey(() => 0.5)], a.io, async () => h.services)).toBe(0);
    const b = io();
    expect(await runCli(['wecom', 'test', '--tenant', tenant.slug], b.io, async () => h.services)).toBe(1);
    expect(b.err.join('\n')).toMatch(/获取访问令牌失败.*Secret 无效.*40001/);
    const run = await syncOnce(h.services, tenant.id).catch(() => null);
    expect(run).toBeNull();
    const last = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_sync_runs').select(['status', 'error_message']).where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow());
    expect(last.status).toBe('failed');
    expect(last.error_message).toMatch(/40001/);
    const bad = io();
    expect(await runCli(['wecom', 'configure', '--tenant', tenant.slug, '--corp-id', sim.corpId, '--secret', 'x'.repeat(20), '--token', 'bad token!', '--aes-key', 'short'], bad.io, async () => h.services)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/Token.*EncodingAESKey/s);
  });
});
