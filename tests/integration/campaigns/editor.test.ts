/**
 * The campaign editor's server side (app/lib/campaigns.server.ts): a draft made from the editor's form opens in the
 * edit page with the same values, every schedule kind and trigger survives the round trip, a saved edit is
 * audited, a scheduled campaign is not editable, invalid forms come back with per-field messages (zh-CN, then
 * English), and a mass campaign sent to customers and their clerks' group chats creates the group tasks too.
 */
import type { AppLoadContext } from '@remix-run/node';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createFromEditor, editPage, updateFromEditor } from '../../../app/lib/campaigns.server';
import { issuesByField } from '../../../app/lib/contracts/campaign-editor';
import { scheduleCampaign } from '../../../server/campaigns/campaigns.service';
import { dryRun } from '../../../server/campaigns/planning';
import { executeRun, tickTenant } from '../../../server/campaigns/runs.service';
import { ConflictError, ValidationError } from '../../../server/lib/errors';
import { createSegment } from '../../../server/segments/segments.service';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';

const h = useTestServices();
const ctx = () => ({ services: h.services }) as unknown as AppLoadContext;
const db = <T>(tenantId: TenantId, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.services.dbs, tenantId, fn);

function form(fields: Record<string, string | string[]>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, x);
  return f;
}

const base = (segmentId: string) => ({ name: '复购提醒', segment_id: segmentId, delivery: 'mass', target: 'customers', text: '您好，我是{导购|您的导购}', holdout_pct: '10', attribution_days: '7' });

async function validationIssues(p: Promise<unknown>) {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ValidationError);
  return issuesByField((e as ValidationError).details);
}

describe('campaign editor', () => {
  it('a triggered draft round-trips through the edit page; an edit is saved and audited; once scheduled it is not editable', async () => {
    const tenant = await makeTenant(h.services);
    const [seg, other] = await db(tenant.id, async (trx) => [(await createSegment(trx, tenant.actor, { name: '全部', rule: {} })).id, (await createSegment(trx, tenant.actor, { name: '会员', rule: {} })).id]);
    const created = await createFromEditor(ctx(), tenant.actor, form({ ...base(seg), exclude_segment_ids: [other], schedule_kind: 'triggered', trigger: 'ordered_sku', sku: 'SKU-42', reentry_days: '30', time: '11:30', priority: '5', expire_hours: '48', attachments: '会员权益 | https://example.com/vip', quiet_hours_off: 'on' }));
    const page = await editPage(ctx(), tenant.actor, created.id);
    expect(page.editable).toBe(true);
    expect(page.values).toMatchObject({ schedule_kind: 'triggered', trigger: 'ordered_sku', sku: 'SKU-42', reentry_days: '30', time: '11:30', priority: 5, expire_hours: 48, exclude_segment_ids: [other], attachments: '会员权益 | https://example.com/vip', quiet_hours_off: true });

    // Edited into a weekly campaign on Mon and Thu between two days, to customers and their group chats.
    await updateFromEditor(ctx(), tenant.actor, created.id, form({ ...base(seg), name: '周一周四提醒', target: 'customers_and_groups', schedule_kind: 'recurring', frequency: 'weekly', weekdays: ['1', '4'], starts_on: '2027-01-01', ends_on: '2027-03-31', time: '10:15' }));
    const edited = await editPage(ctx(), tenant.actor, created.id);
    expect(edited.values).toMatchObject({ name: '周一周四提醒', target: 'customers_and_groups', schedule_kind: 'recurring', frequency: 'weekly', weekdays: [1, 4], starts_on: '2027-01-01', ends_on: '2027-03-31', time: '10:15', quiet_hours_off: false });
    const audit = await db(tenant.id, (trx) => sql<{ action: string; after: { name?: string } }>`select action, after from audit_log where tenant_id = ${tenant.id}::uuid and entity_id = ${created.id} order by id`.execute(trx));
    expect(audit.rows.map((a) => a.action)).toEqual(['campaign.create', 'campaign.quiet_hours_off', 'campaign.update']);
    expect(audit.rows[2]!.after.name).toBe('周一周四提醒');

    await db(tenant.id, (trx) => scheduleCampaign(trx, tenant.actor, created.id));
    expect((await editPage(ctx(), tenant.actor, created.id)).editable).toBe(false);
    await expect(updateFromEditor(ctx(), tenant.actor, created.id, form({ ...base(seg), schedule_kind: 'once' }))).rejects.toBeInstanceOf(ConflictError);
  });

  it('a once campaign at a local time is shown back in the tenant zone; every trigger kind keeps its parameter', async () => {
    const tenant = await makeTenant(h.services);
    const seg = (await db(tenant.id, (trx) => createSegment(trx, tenant.actor, { name: '全部', rule: {} }))).id;
    const once = await createFromEditor(ctx(), tenant.actor, form({ ...base(seg), schedule_kind: 'once', at: '2030-05-01T09:30' }));
    expect((await editPage(ctx(), tenant.actor, once.id)).values.at).toBe('2030-05-01T09:30');
    const cases: [Record<string, string>, Record<string, unknown>][] = [
      [{ trigger: 'entered_segment', trigger_segment_id: '' }, { trigger: 'entered_segment', trigger_segment_id: '' }],
      [{ trigger: 'days_after_first_purchase', trigger_days: '3' }, { trigger_days: 3 }],
      [{ trigger: 'days_after_wecom_add', trigger_days: '7' }, { trigger_days: 7 }],
      [{ trigger: 'ordered_category', category: '羊毛衫' }, { category: '羊毛衫' }],
      [{ trigger: 'birthday', days_before: '3' }, { days_before: 3, reentry_days: '' }],
    ];
    for (const [fields, expected] of cases) {
      const c = await createFromEditor(ctx(), tenant.actor, form({ ...base(seg), schedule_kind: 'triggered', time: '10:00', ...fields }));
      expect((await editPage(ctx(), tenant.actor, c.id)).values).toMatchObject({ trigger: fields.trigger, ...expected });
    }
  });

  it('an invalid form names each field in zh-CN and English', async () => {
    const tenant = await makeTenant(h.services);
    const seg = (await db(tenant.id, (trx) => createSegment(trx, tenant.actor, { name: '全部', rule: {} }))).id;
    const sku = await validationIssues(createFromEditor(ctx(), tenant.actor, form({ ...base(seg), schedule_kind: 'triggered', trigger: 'ordered_sku', sku: '' })));
    expect(sku['schedule.trigger.sku']).toEqual(['请填写商品编码 / Enter the SKU']);
    const weekly = await validationIssues(createFromEditor(ctx(), tenant.actor, form({ ...base(seg), schedule_kind: 'recurring', frequency: 'weekly', ends_on: '2027-01-01', starts_on: '2027-02-01' })));
    expect(weekly['schedule.weekdays']).toEqual(['请至少选择一天 / Choose at least one weekday']);
    expect(weekly['schedule.ends_on']).toEqual(['结束日期早于开始日期 / The last day is before the first day']);
    const oneToOne = await validationIssues(createFromEditor(ctx(), tenant.actor, form({ ...base(seg), delivery: 'one_to_one', target: 'customers_and_groups' })));
    expect(oneToOne.target).toEqual(['只有群发可以发到客户群；1 对 1 跟进只发给客户本人 / Only a mass message can go to group chats; a 1:1 follow-up goes to each customer']);
    const numbers = await validationIssues(createFromEditor(ctx(), tenant.actor, form({ ...base(seg), holdout_pct: '60', expire_hours: '1.5' })));
    expect(numbers.holdout_pct).toEqual(['对照组比例最多 50% / Holdout: at most 50%']);
    expect(numbers.expire_hours).toEqual(['任务有效期（小时）必须是整数 / must be a whole number']);
    const image = await validationIssues(createFromEditor(ctx(), tenant.actor, form({ ...base(seg), attachments: 'not a url' })));
    expect(image['content.attachments.0.image.pic_url']).toEqual(['图片地址无效 / Invalid image URL']);
  });

  it('target customers_and_groups: the run creates the customer tasks and one group task per serving clerk with chats', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 300, staff: 4, seed: 1831 });
    await syncOnce(h.services, tenant.id);
    const seg = (await db(tenant.id, (trx) => createSegment(trx, tenant.actor, { name: '全部', rule: {} }))).id;
    const c = await createFromEditor(ctx(), tenant.actor, form({ ...base(seg), target: 'customers_and_groups', schedule_kind: 'once', quiet_hours_off: 'on' }));
    const now = new Date();
    const preview = await db(tenant.id, (trx) => dryRun(trx, tenant.actor, c.id, now));
    await db(tenant.id, (trx) => scheduleCampaign(trx, tenant.actor, c.id, now));
    const tick = await tickTenant(h.services, tenant.id, now);
    expect(tick.toExecute.length).toBe(1);
    expect((await executeRun(h.services, tenant.id, tick.toExecute[0]!, { now })).kind).toBe('sent');
    const tasks = [...sim.state.massTasks.values()];
    const senders = new Set(tasks.filter((t) => t.chat_type !== 'group').map((t) => t.recipients[0]!.userid));
    const live = [...sim.state.groupChats.values()].filter((g) => !g.dismissed && senders.has(g.owner));
    expect(live.length).toBeGreaterThan(0);
    const groupTasks = tasks.filter((t) => t.chat_type === 'group');
    expect(groupTasks.length).toBe(new Set(live.map((g) => g.owner)).size);
    expect(groupTasks.flatMap((t) => t.recipients.map((x) => x.chat_id)).sort()).toEqual(live.map((g) => g.chat_id).sort());
    // The dry run showed those chats and tasks before anything was sent.
    expect({ chats: preview.group_chats, tasks: preview.group_tasks }).toEqual({ chats: live.length, tasks: groupTasks.length });
  }, 300_000);
});
