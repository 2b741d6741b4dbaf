/**
 * Handovers (客户继承, wecom-api.md 7): ops hand a resigned clerk's unassigned customers (离职继承) or chosen customers
 * of a clerk who stays (在职继承, with the transfer message) to a takeover clerk — suggested: same store, fewest
 * customers. The `wecom.handover` job then
 *
 *  1. (resigned) collects the clerk's customers from get_unassigned_list;
 *  2. skips before calling what WeCom would refuse: the 90-day protection period, an on-job customer assigned twice
 *     already, a transfer of the customer still waiting;
 *  3. transfers the rest in batches of 100 (each batch audited; a per-customer errcode other than 0 fails that
 *     customer; 40129 after a crash between call and write means the transfer already started: waiting);
 *  4. polls transfer_result until nothing waits (1 kept, 3 refused, 4 limit reached), moving each kept customer's
 *     relation to the new clerk — the customer row, its orders, tags and metrics stay as they are.
 * transfer_fail callbacks mark refused / limit reached as they arrive (inbox.service.ts).
 */
import { z } from 'zod';
import { moveOpenTasks } from '../clerk/tasks.repository';
import { markCustomersTouched, nudgeRefresh } from '../customers/refresh';
import { NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import type { Services } from '../services';
import { assertCan, systemActor, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type TenantId } from '../tenancy/context';
import {
  addExternalCustomers,
  addServedCustomers,
  applyTransferAnswers,
  applyTransferResults,
  countWaiting,
  getHandover,
  insertHandover,
  moveKeptRelations,
  openHandoverIds,
  pendingBatch,
  setHandoverStatus,
  skipProtected,
  staffById,
  suggestTakeover,
  type HandoverRow,
  type ServedFilter,
} from './handovers.repository';
import { describeWecomError, isTransientWecomError } from './messages';
import { wecomClientFor } from './runtime';
import { WECOM_LIMITS } from './types';

/** An empty or absent form field (FormData.get gives null) counts as not given. */
const blank = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);

export const handoverInput = z.object({
  kind: z.enum(['resigned', 'on_job']),
  fromStaffId: z.string().uuid(),
  toStaffId: z.preprocess(blank, z.string().uuid().optional()),
  /** On-job: the chosen customers; or, with `allMatching`, every customer of the clerk that `q` / `stage` match. */
  customerIds: z.array(z.string().uuid()).max(10_000).optional(),
  /** The picker says which it sent, so that "chosen" with nothing ticked is an error rather than "all". */
  selection: z.enum(['chosen', 'matching']).optional(),
  allMatching: z.preprocess((v) => v === true || v === 'true' || v === 'on' || v === '1', z.boolean()).default(false),
  q: z.preprocess(blank, z.string().trim().max(50).optional()),
  stage: z.preprocess(blank, z.string().trim().max(20).optional()),
  message: z.preprocess(blank, z.string().trim().max(WECOM_LIMITS.transferMessageChars, '转接语最多 200 字 / The message is at most 200 characters').optional()),
});

/** Which customers an on-job handover takes: every one matching the search, the chosen ones, or (neither) all. */
function onJobSelection(v: z.infer<typeof handoverInput>): ServedFilter {
  if (v.selection === 'chosen' && !v.customerIds?.length) throw new ValidationError('请勾选要转接的客户 / Tick the customers to hand over');
  if (v.allMatching || v.selection === 'matching') return { q: v.q ?? null, stage: v.stage ?? null };
  if (v.customerIds?.length) return { customerIds: v.customerIds };
  return {};
}

/** Starts a handover (the job does the WeCom side after commit). */
export async function startHandover(services: Services, actor: Actor, input: unknown): Promise<{ id: string; toStaffId: string; customers: number | null }> {
  assertCan(actor, 'wecom.ops');
  const v = parseOrThrow(handoverInput, input, { details: 'issues' });
  const t = actor.tenantId;
  const r = await withTenant(services.dbs, t, async (trx) => {
    const from = await staffById(trx, t, v.fromStaffId);
    if (!from) throw new NotFoundError('导购不存在 / Clerk not found');
    if (!from.wecom_userid) throw new ValidationError(`${from.name} 没有企业微信账号 / ${from.name} has no WeCom account`);
    const toId = v.toStaffId ?? (await suggestTakeover(trx, t, from.id))?.id;
    if (!toId) throw new ValidationError('没有可接替的导购（同门店、在职、已连接企业微信）/ No clerk can take over (same store, active, on WeCom)');
    const to = await staffById(trx, t, toId);
    if (!to || !to.wecom_userid || !to.active) throw new ValidationError('接替导购须在职并已连接企业微信 / The takeover clerk must be active and on WeCom');
    if (to.id === from.id) throw new ValidationError('接替导购不能是原导购 / The takeover clerk must be someone else');
    const message = v.kind === 'on_job' ? (v.message ?? null) : null;
    const id = await insertHandover(trx, t, { kind: v.kind, from, to, message, staffId: actor.staffId, label: actor.label });
    const customers = v.kind === 'on_job' ? await addServedCustomers(trx, t, id, from.id, onJobSelection(v)) : null;
    if (customers === 0) throw new ValidationError(`${from.name} 目前没有可转接的客户 / ${from.name} serves no customer to hand over`);
    await audit(trx, actor, { action: 'handover.start', entityType: 'wecom_handover', entityId: id, after: { kind: v.kind, from: from.name, to: to.name, customers, message } });
    return { id, toStaffId: to.id, customers };
  });
  await enqueueHandover(services, t, r.id);
  return r;
}

/** After commit: run (or resume) the handover job; `afterSeconds` for the next transfer_result poll. */
export async function enqueueHandover(services: Services, tenantId: TenantId, handoverId: string, afterSeconds = 0): Promise<void> {
  if (!services.queue.started) return;
  try {
    await services.queue.send('wecom.handover', { tenantId, handoverId }, { singletonKey: `${handoverId}:${afterSeconds > 0 ? 'poll' : 'run'}`, ...(afterSeconds > 0 ? { startAfter: afterSeconds } : {}), retryLimit: 5, retryDelay: 30, retryBackoff: true });
  } catch (e) {
    services.log.warn('handover stored but not enqueued (the watchdog resumes it)', { tenantId, handoverId, error: e });
  }
}

/** Collects, transfers and polls one handover as far as it can go now. Idempotent and resumable. */
export async function runHandover(services: Services, tenantId: TenantId, handoverId: string): Promise<HandoverRow['status']> {
  const h = await withTenant(services.dbs, tenantId, (trx) => getHandover(trx, tenantId, handoverId));
  if (!h) throw new NotFoundError('handover not found');
  if (h.status === 'done' || h.status === 'failed') return h.status;
  const client = await wecomClientFor(services, tenantId);
  try {
    if (h.status === 'collecting') {
      let cursor = '';
      do {
        const page = await client.getUnassignedList({ cursor });
        const mine = page.info.filter((i) => i.handover_userid === h.from_userid).map((i) => i.external_userid);
        await withTenant(services.dbs, tenantId, (trx) => addExternalCustomers(trx, tenantId, h.id, mine));
        cursor = page.next_cursor;
      } while (cursor);
      await withTenant(services.dbs, tenantId, (trx) => setHandoverStatus(trx, tenantId, h.id, 'transferring'));
      h.status = 'transferring';
    }
    if (h.status === 'transferring') {
      await withTenant(services.dbs, tenantId, (trx) => skipProtected(trx, tenantId, h, WECOM_LIMITS.transferProtectionDays, WECOM_LIMITS.onJobTransfersPerCustomer));
      await transferPending(services, tenantId, h);
      await withTenant(services.dbs, tenantId, (trx) => setHandoverStatus(trx, tenantId, h.id, 'waiting'));
    }
    return await pollHandover(services, tenantId, h);
  } catch (e) {
    if (isTransientWecomError(e)) throw e;
    await withTenant(services.dbs, tenantId, (trx) => setHandoverStatus(trx, tenantId, h.id, 'failed', describeWecomError(e)));
    return 'failed';
  }
}

async function transferPending(services: Services, tenantId: TenantId, h: HandoverRow): Promise<void> {
  const client = await wecomClientFor(services, tenantId);
  const actor = systemActor(tenantId, '', 'wecom-handover');
  for (;;) {
    const batch = await withTenant(services.dbs, tenantId, (trx) => pendingBatch(trx, tenantId, h.id, WECOM_LIMITS.transferBatch));
    if (batch.length === 0) return;
    const r = await client.transferCustomers(h.kind, { handover_userid: h.from_userid, takeover_userid: h.to_userid, external_userid: batch, ...(h.message ? { transfer_success_msg: h.message } : {}) });
    const answered = new Map(r.customer.map((c) => [c.external_userid, c.errcode]));
    // A customer WeCom did not answer for is treated as failed (never re-sent in a loop).
    const answers = batch.map((eid) => ({ external_userid: eid, errcode: answered.get(eid) ?? -1 }));
    await withTenant(services.dbs, tenantId, async (trx) => {
      await applyTransferAnswers(trx, tenantId, h.id, answers);
      await audit(trx, actor, {
        action: 'handover.transfer',
        entityType: 'wecom_handover',
        entityId: h.id,
        after: { kind: h.kind, from: h.from_userid, to: h.to_userid, customers: batch.length, started: answers.filter((a) => a.errcode === 0 || a.errcode === 40129).length, failed: answers.filter((a) => a.errcode !== 0 && a.errcode !== 40129).map((a) => [a.external_userid, a.errcode]) },
      });
    });
  }
}

/** One transfer_result pass: applies final statuses and moves kept relations; done when nothing waits. */
export async function pollHandover(services: Services, tenantId: TenantId, h: HandoverRow): Promise<HandoverRow['status']> {
  const client = await wecomClientFor(services, tenantId);
  let cursor = '';
  const results: { external_userid: string; status: number; takeover_time?: number | undefined }[] = [];
  do {
    const page = await client.transferResult(h.kind, { handover_userid: h.from_userid, takeover_userid: h.to_userid, cursor });
    results.push(...page.customer);
    cursor = page.next_cursor;
  } while (cursor);
  const r = await withTenant(services.dbs, tenantId, async (trx) => {
    await applyTransferResults(trx, tenantId, h.id, results);
    const moved = await moveKeptRelations(trx, tenantId, h);
    await moveOpenTasks(trx, tenantId, moved, h.from_staff_id, h.to_staff_id, 'handed over');
    await markCustomersTouched(trx, tenantId, moved, 'wecom.handover');
    const waiting = await countWaiting(trx, tenantId, h.id);
    if (waiting === 0) await setHandoverStatus(trx, tenantId, h.id, 'done');
    return { moved: moved.length, waiting };
  });
  if (r.moved > 0) await nudgeRefresh(services, tenantId);
  if (r.waiting > 0) {
    await enqueueHandover(services, tenantId, h.id, 3600);
    return 'waiting';
  }
  return 'done';
}

/** Polls every open handover of the tenant (the watchdog, the demo's "24 hours later"). */
export async function pollOpenHandovers(services: Services, tenantId: TenantId): Promise<number> {
  const ids = await withTenant(services.dbs, tenantId, (trx) => openHandoverIds(trx, tenantId));
  for (const id of ids) await runHandover(services, tenantId, id);
  return ids.length;
}
