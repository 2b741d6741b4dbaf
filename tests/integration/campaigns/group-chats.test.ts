/**
 * A run's second target, the clerks' customer group chats: one chat_type=group task per owner clerk and chunk,
 * each live chat in exactly one task, through the same crash-safe outbox as the customer tasks; the send results
 * WeCom reports per chat land on the chats.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { CampaignContent } from '../../../app/lib/contracts/campaign';
import { insertCampaign, insertRun } from '../../../server/campaigns/campaigns.repository';
import { snapshotRecipients } from '../../../server/campaigns/delivery.repository';
import { deliverMassRun, planGroupRunIn, planMassRun } from '../../../server/campaigns/delivery.service';
import { pollRunResults } from '../../../server/campaigns/results.service';
import { withTenant } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';

const h = useTestServices();
const content: CampaignContent = { text: '各位好，我是{导购|您的导购}，本周{门店|门店}会员日', attachments: [] };

describe('campaign group-chat target', () => {
  it('one group task per owner clerk and chunk, every live chat once; results per chat; a re-run creates nothing', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 600, staff: 4, seed: 1721 });
    await syncOnce(h.services, tenant.id);
    const t = sql`${tenant.id}::uuid`;
    const db = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.services.dbs, tenant.id, fn);
    // One chat is dismissed in Huike's copy: it is not a target.
    const dismissed = (await db((trx) => sql<{ chat_id: string }>`update wecom_group_chats set dismissed_at = now() where tenant_id = ${t} and chat_id = (select min(chat_id) from wecom_group_chats where tenant_id = ${t}) returning chat_id`.execute(trx))).rows[0]!.chat_id;
    const runId = await db(async (trx) => {
      const campaignId = await insertCampaign(trx, tenant.id, { name: '会员日', delivery: 'mass', audience: { segment_id: null }, content, schedule: { kind: 'once', at: null }, holdoutPct: 0, attributionDays: 7, createdBy: null });
      const id = await insertRun(trx, tenant.id, campaignId, new Date());
      await snapshotRecipients(trx, tenant.id, id, campaignId, 0, sql<{ id: string }>`select id from customers where tenant_id = ${t} and merged_into is null`);
      return id;
    });
    const mass = await planMassRun(h.services, tenant.id, runId, content);
    const groups = await withTenant(h.services.dbs, tenant.id, (trx) => planGroupRunIn(trx, tenant.id, runId, content, { chunkSize: 3 }));
    const expected = [...sim.state.groupChats.values()].filter((g) => !g.dismissed && g.chat_id !== dismissed);
    expect(expected.length).toBeGreaterThan(6);
    const owners = new Set(expected.map((g) => g.owner));
    const perOwner = [...owners].map((o) => Math.ceil(expected.filter((g) => g.owner === o).length / 3));
    expect(groups.tasks).toBe(perOwner.reduce((a, b) => a + b, 0));

    const texts = new Map([...mass.texts, ...groups.texts]);
    const r = await deliverMassRun(h.services, tenant.id, runId, content, texts);
    expect(r).toEqual({ created: mass.tasks + groups.tasks, reconciled: 0, failed: 0 });
    const groupTasks = [...sim.state.massTasks.values()].filter((x) => x.chat_type === 'group');
    expect(groupTasks.length).toBe(groups.tasks);
    const seen = new Set<string>();
    for (const task of groupTasks) {
      const sender = task.recipients[0]!.userid;
      expect(task.recipients.every((x) => x.userid === sender && sim.state.groupChats.get(x.chat_id!)!.owner === sender)).toBe(true);
      expect(task.recipients.length).toBeLessThanOrEqual(3);
      expect(task.text?.content).toContain(`我是${sim.state.staff.get(sender)!.name}`);
      for (const x of task.recipients) {
        expect(seen.has(x.chat_id!)).toBe(false);
        seen.add(x.chat_id!);
      }
    }
    expect([...seen].sort()).toEqual(expected.map((g) => g.chat_id).sort());

    // One owner confirms their group tasks; the poll marks exactly their chats sent.
    const owner = groupTasks[0]!.recipients[0]!.userid;
    for (const task of groupTasks) if (task.recipients[0]!.userid === owner) sim.sendMassMessage(task.msgid, owner);
    await pollRunResults(h.services, tenant.id, runId);
    const states = await db((trx) => sql<{ chat_id: string; status: string; sent: boolean }>`select chat_id, status, sent_at is not null as sent from campaign_group_targets where tenant_id = ${t} and run_id = ${runId}::uuid`.execute(trx));
    const ownerChats = new Set(expected.filter((g) => g.owner === owner).map((g) => g.chat_id));
    for (const s of states.rows) expect(s).toEqual({ chat_id: s.chat_id, status: ownerChats.has(s.chat_id) ? 'sent' : 'task_created', sent: ownerChats.has(s.chat_id) });
    expect(states.rows.length).toBe(expected.length);

    // Planning and delivering again creates no task.
    await withTenant(h.services.dbs, tenant.id, (trx) => planGroupRunIn(trx, tenant.id, runId, content, { chunkSize: 3 }));
    expect(await deliverMassRun(h.services, tenant.id, runId, content, texts)).toEqual({ created: 0, reconciled: 0, failed: 0 });
    expect([...sim.state.massTasks.values()].filter((x) => x.chat_type === 'group').length).toBe(groups.tasks);
  }, 120_000);
});
