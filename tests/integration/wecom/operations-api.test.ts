/** GET /api/v1/wecom/{welcome/report,handovers,moments}: exactly the documented fields, in the OpenAPI document. */
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../../server/tenancy/context';
import { createChannel } from '../../../server/wecom/channels.service';
import type { ExternalContactEvent } from '../../../server/wecom/events';
import { runHandover, startHandover } from '../../../server/wecom/handovers.service';
import { processEvent } from '../../../server/wecom/inbox.service';
import { createMoment, runMoment } from '../../../server/wecom/moments.service';
import { saveWelcomeMessage, sendWelcome } from '../../../server/wecom/welcome.service';
import { createApiKey, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from './helpers';

const h = useTestServices();
const api = useApiServer(h);

describe('WeCom operations API', () => {
  let key: string;
  beforeAll(async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 20, staff: 3, seed: 184, multiFollowShare: 0 });
    await syncOnce(h.services, tenant.id);
    key = await createApiKey(h.services, tenant.id);
    const staff = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('staff').select(['id', 'wecom_userid']).where('tenant_id', '=', tenant.id).where('wecom_userid', 'is not', null).orderBy('wecom_userid').execute());
    const ch = await createChannel(h.services, tenant.actor, { name: '门店海报', storeId: tenant.storeIds.S1, staffId: staff[0]!.id, state: 'api_poster' });
    const configId = [...sim.state.contactWays.values()].find((w) => w.state === 'api_poster')!.config_id;
    await saveWelcomeMessage(h.services, tenant.actor, { scope: 'channel', targetId: ch.id, text: '欢迎 {客户称呼}', attachments: '' });
    sim.addContactViaContactWay(configId, { customer: { name: '林小雨' } });
    const add = { ...(sim.events.at(-1)!.event as ExternalContactEvent & { welcomeCode: string }), dedupeKey: 'k' };
    await sendWelcome(h.services, tenant.id, add);
    await processEvent(h.services, tenant.id, add);
    const { id } = await startHandover(h.services, tenant.actor, { kind: 'on_job', fromStaffId: staff[1]!.id, toStaffId: staff[2]!.id });
    await runHandover(h.services, tenant.id, id);
    const m = await createMoment(h.services, tenant.actor, { text: '新品', staffIds: [staff[0]!.id, staff[1]!.id] });
    await runMoment(h.services, tenant.id, m.id);
  });

  const get = async (path: string) => {
    const r = await fetch(`${api.base()}${path}`, { headers: { Authorization: `Bearer ${key}` } });
    expect(r.status).toBe(200);
    return (await r.json()) as Record<string, unknown>[];
  };

  it('welcome report, handovers and moments answer with exactly the documented fields', async () => {
    const welcome = await get('/wecom/welcome/report');
    expect(welcome.find((r) => r.channel === '门店海报')).toEqual({ channel: '门店海报', added: 1, welcomed: 1, first_purchase_30d: 0 });
    const handovers = await get('/wecom/handovers');
    expect(handovers).toHaveLength(1);
    expect(Object.keys(handovers[0]!).sort()).toEqual(['customers', 'from_clerk', 'id', 'kept', 'kind', 'limit_reached', 'refused', 'to_clerk', 'waiting']);
    expect(handovers[0]).toMatchObject({ kind: 'on_job', kept: 0, refused: 0, limit_reached: 0 });
    expect(handovers[0]!.waiting).toBe(handovers[0]!.customers);
    const moments = await get('/wecom/moments');
    expect(moments).toEqual([{ id: expect.any(String), clerks: 2, posted: 0, reached: 0, orders_7d: 0 }]);
    const doc = (await (await fetch(`${api.base()}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/wecom/welcome/report', '/wecom/handovers', '/wecom/moments']));
    expect((await fetch(`${api.base()}/wecom/moments`)).status).toBe(401);
  });
});
