/**
 * /api/v1/campaigns against a tenant synced from the simulator: validation messages, create → draft, read and
 * list, the dry run (writes nothing), schedule with and without approval, approve, cancel, every transition in
 * the audit log, tenant isolation, and the OpenAPI document.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSegment } from '../../../server/segments/segments.service';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { apiCaller, createApiKey, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';

const h = useTestServices();
const api = useApiServer(h);
let tenantId: TenantId;
let key: string;
let otherKey: string;
let segmentId: string;

beforeAll(async () => {
  const { tenant } = await connectedTenant(h.services, { customers: 300, staff: 6, seed: 41 });
  await syncOnce(h.services, tenant.id);
  tenantId = tenant.id;
  segmentId = (await withTenant(h.services.dbs, tenant.id, (trx) => createSegment(trx, tenant.actor, { name: '全部客户', rule: {} }))).id;
  key = await createApiKey(h.services, tenant.id);
  const other = await makeTenant(h.services);
  otherKey = await createApiKey(h.services, other.id);
}, 120_000);

const call = apiCaller(api, () => key);

const body = (over: Record<string, unknown> = {}) => ({
  name: '老客回购',
  audience: { segment_id: segmentId },
  delivery: 'mass',
  content: { text: '您好，我是{导购|您的导购}，本周新品到店' },
  schedule: { kind: 'once', at: null },
  holdout_pct: 10,
  attribution_days: 7,
  ...over,
});

const errorOf = async (over: Record<string, unknown>) => (await call<{ error: { message: string } }>('POST', '/campaigns', body(over), 400)).error.message;

describe('/api/v1/campaigns', () => {
  it('refuses an invalid campaign with a message naming the problem', async () => {
    expect(await errorOf({ content: { text: '{客户称呼|您好}，好久不见' } })).toContain('content.text: 群发消息对同一导购的所有客户内容相同，不能使用客户变量 {客户称呼}');
    expect(await errorOf({ content: { text: '我是{导购}' } })).toContain('变量 {导购} 需要一个备用值');
    expect(await errorOf({ content: { text: '字'.repeat(1334) } })).toContain('消息正文不能超过 4000 字节');
    const link = { msgtype: 'link', link: { title: '新品', url: 'https://example.com/a' } };
    expect(await errorOf({ content: { text: 'hi', attachments: Array(10).fill(link) } })).toContain('附件最多 9 个');
    expect(await errorOf({ audience: { segment_id: '00000000-0000-4000-8000-000000000000' } })).toContain('分群不存在');
    expect(await errorOf({ colour: 'red' })).toContain('colour');
    expect(await errorOf({ schedule: { kind: 'recurring', frequency: 'weekly', time: '10:00' } })).toContain('每周发送需要选择星期几');
    // The group-chat target is for mass messages only.
    expect(await errorOf({ delivery: 'one_to_one', target: 'customers_and_groups', content: { text: '{客户称呼}您好' } })).toContain('target: 只有群发可以发到客户群');
    expect(await errorOf({ target: 'groups_only' })).toContain('target: 发送对象无效 / Invalid target');
    // A 1:1 script may use the customer's variables.
    await call('POST', '/campaigns', body({ delivery: 'one_to_one', content: { text: '{客户称呼}您好' } }), 201);
    const groups = await call<{ id: string }>('POST', '/campaigns', body({ target: 'customers_and_groups' }), 201);
    expect((await call<{ target: string }>('GET', `/campaigns/${groups.id}`)).target).toBe('customers_and_groups');
  });

  it('create → draft; read with runs; list; dry run writes nothing; schedule; cancel — each transition audited', async () => {
    const created = await call<{ id: string; status: string }>('POST', '/campaigns', body({ quiet_hours: false }), 201);
    expect(created.status).toBe('draft');
    const detail = await call<{ status: string; runs: unknown[]; quiet_hours: boolean; holdout_pct: number }>('GET', `/campaigns/${created.id}`);
    expect(detail).toMatchObject({ status: 'draft', runs: [], quiet_hours: false, holdout_pct: 10 });
    const list = await call<{ campaigns: { id: string }[]; total: number }>('GET', '/campaigns?status=draft');
    expect(list.campaigns.map((c) => c.id)).toContain(created.id);
    await call('GET', '/campaigns?status=bogus', undefined, 400);

    const dry = await call<{ audience: number; recipients: number; holdout: number; exclusions: Record<string, number>; by_clerk: { recipients: number; tasks: number }[]; by_store: { recipients: number }[]; tasks: number }>('POST', `/campaigns/${created.id}/dry-run`);
    expect(dry.audience).toBe(300);
    const excluded = Object.values(dry.exclusions).reduce((a, b) => a + b, 0);
    expect(dry.recipients + dry.holdout + excluded).toBe(300);
    expect(dry.recipients).toBeGreaterThan(200);
    expect(dry.by_clerk.reduce((a, c) => a + c.recipients, 0)).toBe(dry.recipients);
    expect(dry.by_store.reduce((a, c) => a + c.recipients, 0)).toBe(dry.recipients);
    expect(dry.tasks).toBe(dry.by_clerk.length);
    const written = await withTenant(h.services.dbs, tenantId, async (trx) => (await sql<{ n: number }>`select (select count(*) from campaign_recipients)::int + (select count(*) from campaign_runs)::int as n`.execute(trx)).rows[0]!.n);
    expect(written).toBe(0);

    const scheduled = await call<{ status: string }>('POST', `/campaigns/${created.id}/schedule`);
    expect(scheduled.status).toBe('scheduled');
    await call('POST', `/campaigns/${created.id}/schedule`, undefined, 409);
    await call('POST', `/campaigns/${created.id}/approve`, undefined, 409);
    await call('PUT', `/campaigns/${created.id}`, body(), 409);
    expect((await call<{ status: string }>('POST', `/campaigns/${created.id}/cancel`)).status).toBe('cancelled');
    await call('POST', `/campaigns/${created.id}/cancel`, undefined, 409);

    const audit = await withTenant(h.services.dbs, tenantId, (trx) => sql<{ action: string; before: { status?: string } | null; after: { status?: string } }>`select action, before, after from audit_log where tenant_id = ${tenantId} and entity_id = ${created.id} order by id`.execute(trx));
    expect(audit.rows.map((a) => a.action)).toEqual(['campaign.create', 'campaign.quiet_hours_off', 'campaign.schedule', 'campaign.cancel']);
    expect(audit.rows.slice(2).map((a) => [a.before?.status, a.after.status])).toEqual([['draft', 'scheduled'], ['scheduled', 'cancelled']]);
  });

  it('with approval required: schedule → pending_approval, approve → scheduled (audited)', async () => {
    await call('PUT', '/campaign-settings', { quiet_hours: { start: '21:00', end: '09:00' }, frequency_cap: { max: 2, days: 7 }, receive_cap_rule: 'month_days', approval_required: true, control_pct: 0 }, 403);
    await withTenant(h.services.dbs, tenantId, (trx) => sql`insert into campaign_settings (tenant_id, quiet_start, quiet_end, approval_required) values (${tenantId}, '21:00', '09:00', true)`.execute(trx));
    expect(await call('GET', '/campaign-settings')).toMatchObject({ approval_required: true, quiet_hours: { start: '21:00', end: '09:00' }, frequency_cap: { max: 2, days: 7 } });
    const c = await call<{ id: string }>('POST', '/campaigns', body({ name: '需审批' }), 201);
    expect((await call<{ status: string }>('POST', `/campaigns/${c.id}/schedule`)).status).toBe('pending_approval');
    expect((await call<{ status: string }>('POST', `/campaigns/${c.id}/approve`)).status).toBe('scheduled');
    const audit = await withTenant(h.services.dbs, tenantId, (trx) => sql<{ action: string }>`select action from audit_log where tenant_id = ${tenantId} and entity_id = ${c.id} order by id`.execute(trx));
    expect(audit.rows.map((a) => a.action)).toEqual(['campaign.create', 'campaign.submit', 'campaign.approve']);
    await withTenant(h.services.dbs, tenantId, (trx) => sql`delete from campaign_settings where tenant_id = ${tenantId}`.execute(trx));
  });

  it('a once campaign at a past time cannot be scheduled', async () => {
    const c = await call<{ id: string }>('POST', '/campaigns', body({ name: '过期', schedule: { kind: 'once', at: '2020-01-01T10:00:00+08:00' } }), 201);
    expect((await call<{ error: { message: string } }>('POST', `/campaigns/${c.id}/schedule`, undefined, 400)).error.message).toContain('发送时间已过');
  });

  it('another tenant sees none of it', async () => {
    const c = await call<{ id: string }>('POST', '/campaigns', body({ name: '隔离' }), 201);
    await call('GET', `/campaigns/${c.id}`, undefined, 404, otherKey);
    await call('POST', `/campaigns/${c.id}/dry-run`, undefined, 404, otherKey);
    await call('POST', `/campaigns/${c.id}/schedule`, undefined, 404, otherKey);
    await call('POST', `/campaigns/${c.id}/cancel`, undefined, 404, otherKey);
    expect((await call<{ total: number }>('GET', '/campaigns', undefined, 200, otherKey)).total).toBe(0);
    // Nor can it point a campaign at this tenant's segment.
    expect((await call<{ error: { message: string } }>('POST', '/campaigns', body(), 400, otherKey)).error.message).toContain('分群不存在');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(api.base() + '/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/campaigns']!)).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/campaigns/{id}']!)).toEqual(['get', 'put']);
    for (const p of ['dry-run', 'schedule', 'approve', 'cancel', 'test-send']) expect(doc.paths[`/campaigns/{id}/${p}`]!.post, p).toBeTruthy();
  });
});
