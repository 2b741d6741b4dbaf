/**
 * 1:1 follow-up delivery (issue #15 point 3): instead of a WeCom mass message, each recipient becomes a task for
 * their serving clerk (the same sender rule as mass delivery) in the clerk workspace's 今日, carrying a script
 * personalised with the customer's variables ({客户称呼}, {上次购买商品}, {距上次购买天数}, {累计消费}, {会员等级})
 * and the clerk's. The recipient counts as sent — toward the report and the frequency cap — when the clerk sends
 * it: from the sidebar (sendChatMessage, then the touch names the task) or by marking it sent on the phone.
 *
 * Idempotent: tasks are keyed by run and customer, and only recipients still 'planned' are rendered, so a
 * crashed or repeated call creates each task once.
 */
import type { CampaignContent } from '../../app/lib/contracts/campaign';
import { formatMoney } from '../../app/lib/format';
import type { Services } from '../services';
import { withTenant, type TenantId } from '../tenancy/context';
import { renderMessage } from './content';
import { assignSenders } from './delivery.repository';
import * as repo from './one-to-one.repository';

/** Recipients rendered and written per transaction. */
const PAGE = 5_000;

export function scriptFor(text: string, v: repo.ScriptValues): string {
  return renderMessage(text, {
    客户称呼: v.salutation,
    上次购买商品: v.last_item,
    距上次购买天数: v.days_since === null ? null : String(v.days_since),
    累计消费: v.spent_fen === null ? null : formatMoney(v.spent_fen),
    会员等级: v.member_level,
    导购: v.clerk,
    门店: v.store,
    门店地址: v.store_address,
  });
}

/** Assigns senders, then creates every recipient's clerk task, a page per transaction. Returns tasks created. */
export async function createOneToOneTasks(services: Services, tenantId: TenantId, runId: string, content: CampaignContent): Promise<number> {
  const header = await withTenant(services.dbs, tenantId, async (trx) => {
    await assignSenders(trx, tenantId, runId);
    return repo.runHeader(trx, tenantId, runId);
  });
  const run = { runId, campaignId: header.campaign_id, title: header.name, dueOn: header.due_on, attachments: content.attachments };
  let created = 0;
  let after: string | null = null;
  for (;;) {
    const page = await withTenant(services.dbs, tenantId, async (trx) => {
      const rows = await repo.scriptValuesPage(trx, tenantId, runId, after, PAGE);
      const tasks = rows.map((v) => ({ customerId: v.customer_id, staffId: v.staff_id, text: scriptFor(content.text, v) }));
      return { rows: rows.length, last: rows.at(-1)?.customer_id ?? null, inserted: await repo.insertScriptTasks(trx, tenantId, run, tasks) };
    });
    created += page.inserted;
    if (page.rows < PAGE) return created;
    after = page.last;
  }
}
