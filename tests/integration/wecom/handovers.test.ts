/**
 * Handovers (离职继承 / 在职继承) against the simulator: resigned customers collected from get_unassigned_list and
 * transferred in batches, refused customers, the takeover member's customer limit, the 90-day protection period and
 * the 2-transfer limit (enforced before calling, and by the simulator when called anyway), and the customer kept with
 * its history: same customer row, orders and tags, now served by the new clerk.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { clerkWecomTasks } from '../../../server/wecom/clerk-tasks.service';
import { handoverReport } from '../../../server/wecom/handovers.repository';
import { runHandover, startHandover } from '../../../server/wecom/handovers.service';
import { processPendingInbox } from '../../../server/wecom/inbox.service';
import { wecomClientFor } from '../../../server/wecom/runtime';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from './helpers';

const h = useTestServices();
const DAY = 86_400_000;

async function staffIds(tenantId: TenantId): Promise<Map<string, string>> {
  const rows = await withTenant(h.services.dbs, tenantId, (trx) => trx.selectFrom('staff').select(['id', 'wecom_userid']).where('tenant_id', '=', tenantId).where('wecom_userid', 'is not', null).execute());
  return new Map(rows.map((r) => [r.wecom_userid!, r.id]));
}

async function rows(tenantId: TenantId, handoverId: string) {
  const r = await withTenant(h.services.dbs, tenantId, (trx) =>
    sql<{ external_userid: string; status: string; reason: string | null; errcode: number | null }>`select external_userid, status, reason, errcode from wecom_handover_customers
      where tenant_id = ${tenantId}::uuid and handover_id = ${handoverId}::uuid order by external_userid`.execute(trx),
  );
  return r.rows;
}

async function servedBy(tenantId: TenantId, externalUserid: string) {
  const r = await withTenant(h.services.dbs, tenantId, (trx) =>
    sql<{ customer_id: string; userid: string; open: boolean; end_reason: string | null; tags: number; remark: string | null }>`
      select f.customer_id, s.wecom_userid as userid, f.ended_at is null as open, f.end_reason, cardinality(f.tag_ids) as tags, f.remark
      from customer_identities ci join customer_follows f on f.tenant_id = ci.tenant_id and f.customer_id = ci.customer_id join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
      where ci.tenant_id = ${tenantId}::uuid and ci.kind = 'external_userid' and ci.value = ${externalUserid} order by s.wecom_userid`.execute(trx),
  );
  return r.rows;
}

describe('handovers (客户继承)', () => {
  let ctx: Awaited<ReturnType<typeof connectedTenant>>;
  let users: string[];
  let ids: Map<string, string>;

  beforeAll(async () => {
    ctx = await connectedTenant(h.services, { customers: 40, staff: 3, seed: 182, multiFollowShare: 0 });
    await syncOnce(h.services, ctx.tenant.id);
    ids = await staffIds(ctx.tenant.id);
    users = [...ctx.sim.state.staff.keys()].sort();
  });

  it('a resigned clerk’s customers are transferred; the kept ones move to the new clerk with their history, the refused stay', async () => {
    const { tenant, sim } = ctx;
    const [a, b] = users as [string, string];
    const custs = sim.state.followsByUser.get(a)!.map((f) => f.external_userid).sort();
    expect(custs.length).toBeGreaterThan(3);
    const [refuser, kept] = custs as [string, string];
    // History that must survive the handover: an order and the relation's tags.
    const before = (await servedBy(tenant.id, kept))[0]!;
    await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql`insert into orders (tenant_id, order_no, paid_at, paid_day, amount_fen, content_hash, source, customer_id) values (${tenant.id}::uuid, 'H-1', now() - interval '10 days', current_date - 10, 5000, 'h', 'api', ${before.customer_id}::uuid)`.execute(trx),
    );
    // An open task of the old clerk for the kept customer (it must follow the customer).
    await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key, title) values (${tenant.id}::uuid, 'segment', ${before.customer_id}::uuid, ${ids.get(a)}::uuid, current_date, 'h-1', '回访')`.execute(trx),
    );
    sim.resignStaff(a);
    sim.refuseTransfer(refuser);
    const { id } = await startHandover(h.services, tenant.actor, { kind: 'resigned', fromStaffId: ids.get(a), toStaffId: ids.get(b) });
    expect(await runHandover(h.services, tenant.id, id)).toBe('waiting');
    expect((await rows(tenant.id, id)).map((r) => r.status)).toEqual(custs.map(() => 'waiting'));
    expect(sim.requestCount.get('externalcontact/resigned/transfer_customer')).toBe(1);
    // Nothing moves before the takeover happens (24 h later).
    expect((await servedBy(tenant.id, kept)).find((r) => r.open)!.userid).toBe(a);
    sim.advance(25 * 3600_000);
    expect(await runHandover(h.services, tenant.id, id)).toBe('done');
    const after = await rows(tenant.id, id);
    expect(after.find((r) => r.external_userid === refuser)!.status).toBe('refused');
    expect(after.filter((r) => r.status === 'kept')).toHaveLength(custs.length - 1);
    const task = await withTenant(h.services.dbs, tenant.id, (trx) => sql<{ staff_id: string; status: string }>`select staff_id, status from clerk_tasks where tenant_id = ${tenant.id}::uuid and dedupe_key = 'h-1'`.execute(trx));
    expect(task.rows).toEqual([{ staff_id: ids.get(b), status: 'open' }]);
    const rel = await servedBy(tenant.id, kept);
    expect(rel).toEqual([
      expect.objectContaining({ userid: a, open: false, end_reason: 'transfer' }),
      expect.objectContaining({ userid: b, open: true, customer_id: before.customer_id, tags: before.tags, remark: before.remark }),
    ]);
    const orders = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('orders').select('order_no').where('tenant_id', '=', tenant.id).where('customer_id', '=', before.customer_id).execute());
    expect(orders.map((o) => o.order_no)).toEqual(['H-1']);
    expect((await servedBy(tenant.id, refuser)).filter((r) => r.open).map((r) => r.userid)).toEqual([a]);
    const [report] = await withTenant(h.services.dbs, tenant.id, (trx) => handoverReport(trx, tenant.id));
    expect(report).toMatchObject({ kind: 'resigned', customers: custs.length, kept: custs.length - 1, refused: 1, waiting: 0, limit_reached: 0, bought_before: 1 });
    const audited = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('audit_log').select('action').where('tenant_id', '=', tenant.id).where('entity_id', '=', id).execute());
    expect(audited.map((x) => x.action).sort()).toEqual(['handover.start', 'handover.transfer']);
    // Clerks see their own handovers (the /m workspace): the takeover clerk sees it coming in; the third clerk nothing.
    const clerk = (userid: string) => ({ ...tenant.actor, kind: 'staff' as const, role: 'clerk' as const, staffId: ids.get(userid)!, label: userid });
    const mine = await withTenant(h.services.dbs, tenant.id, (trx) => clerkWecomTasks(trx, clerk(b)));
    expect(mine.handovers.map((x) => [x.id, x.direction, x.kept])).toEqual([[id, 'in', custs.length - 1]]);
    const other = await withTenant(h.services.dbs, tenant.id, (trx) => clerkWecomTasks(trx, clerk(users[2]!)));
    expect(other.handovers).toEqual([]);
  });

  it('a takeover clerk at the customer limit: the rest end as limit reached (also via the transfer_fail callback)', async () => {
    const { tenant, sim } = ctx;
    const [, b, c] = users as [string, string, string];
    const moving = sim.state.followsByUser.get(b)!.slice(0, 3).map((f) => f.external_userid);
    sim.config.staffCustomerLimit = sim.state.followsByUser.get(c)!.length + 1;
    const custIds = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('customer_identities').select('customer_id').where('tenant_id', '=', tenant.id).where('kind', '=', 'external_userid').where('value', 'in', moving).execute());
    const { id } = await startHandover(h.services, tenant.actor, { kind: 'on_job', fromStaffId: ids.get(b), toStaffId: ids.get(c), customerIds: custIds.map((x) => x.customer_id), message: '您好，我是新的专属顾问' });
    await runHandover(h.services, tenant.id, id);
    sim.advance(25 * 3600_000);
    sim.settleTransfers();
    // The callbacks arrive first: transfer_fail (customer_limit_exceed) marks the handover rows.
    const fails = sim.events.filter((e) => e.event.event === 'change_external_contact' && e.event.changeType === 'transfer_fail' && e.event.failReason === 'customer_limit_exceed');
    expect(fails.length).toBe(2);
    const { storeInboxEvent } = await import('../../../server/wecom/inbox.repository');
    for (const e of sim.events.slice(-3)) await withTenant(h.services.dbs, tenant.id, (trx) => storeInboxEvent(trx, tenant.id, { ...e.event, dedupeKey: `t-${Math.random()}` } as never));
    await processPendingInbox(h.services, tenant.id);
    expect((await rows(tenant.id, id)).map((r) => r.status).sort()).toEqual(['limit_reached', 'limit_reached', 'waiting']);
    expect(await runHandover(h.services, tenant.id, id)).toBe('done');
    expect((await rows(tenant.id, id)).map((r) => r.status).sort()).toEqual(['kept', 'limit_reached', 'limit_reached']);
    sim.config.staffCustomerLimit = 50_000;
  });

  it('inside the 90-day protection period a customer is skipped before calling, and WeCom would refuse it (40128)', async () => {
    const { tenant, sim } = ctx;
    const [, b, c] = users as [string, string, string];
    // A customer kept by b in the first test.
    const protectedEid = sim.state.transfers.find((t) => t.kind === 'resigned' && t.status === 1)!.external_userid;
    const cust = (await servedBy(tenant.id, protectedEid)).find((r) => r.open)!;
    const calls = sim.requestCount.get('externalcontact/transfer_customer') ?? 0;
    const { id } = await startHandover(h.services, tenant.actor, { kind: 'on_job', fromStaffId: ids.get(b), toStaffId: ids.get(c), customerIds: [cust.customer_id] });
    expect(await runHandover(h.services, tenant.id, id)).toBe('done');
    expect(await rows(tenant.id, id)).toEqual([expect.objectContaining({ status: 'skipped', reason: 'protection_period' })]);
    expect(sim.requestCount.get('externalcontact/transfer_customer') ?? 0).toBe(calls);
    const client = await wecomClientFor(h.services, tenant.id);
    const r = await client.transferCustomers('on_job', { handover_userid: b, takeover_userid: c, external_userid: [protectedEid] });
    expect(r.customer).toEqual([{ external_userid: protectedEid, errcode: 40128 }]);
  });

  it('an on-job customer is assigned at most twice: the third handover is skipped, and WeCom answers 40128', async () => {
    const { tenant, sim } = ctx;
    const [a, b, c] = users as [string, string, string];
    const client = await wecomClientFor(h.services, tenant.id);
    // A customer of c's (never transferred), moved c → b → c by on-job handovers 91 days apart.
    const eid = sim.state.followsByUser.get(c)!.find((f) => !sim.state.transfers.some((t) => t.external_userid === f.external_userid))!.external_userid;
    const customerId = (await servedBy(tenant.id, eid))[0]!.customer_id;
    for (const [from, to] of [
      [c, b],
      [b, c],
    ] as const) {
      const { id } = await startHandover(h.services, tenant.actor, { kind: 'on_job', fromStaffId: ids.get(from), toStaffId: ids.get(to), customerIds: [customerId] });
      await runHandover(h.services, tenant.id, id);
      sim.advance(DAY + 3600_000);
      expect(await runHandover(h.services, tenant.id, id)).toBe('done');
      expect((await rows(tenant.id, id))[0]!.status).toBe('kept');
      await processPendingInbox(h.services, tenant.id);
      sim.advance(91 * DAY);
      await withTenant(h.services.dbs, tenant.id, (trx) => sql`update wecom_handover_customers set takeover_at = takeover_at - interval '200 days' where tenant_id = ${tenant.id}::uuid and external_userid = ${eid}`.execute(trx));
    }
    expect((await servedBy(tenant.id, eid)).filter((r) => r.open).map((r) => r.userid)).toEqual([c]);
    sim.state.staff.get(a)!.status = 1;
    const { id } = await startHandover(h.services, tenant.actor, { kind: 'on_job', fromStaffId: ids.get(c), toStaffId: ids.get(b), customerIds: [customerId] });
    expect(await runHandover(h.services, tenant.id, id)).toBe('done');
    expect(await rows(tenant.id, id)).toEqual([expect.objectContaining({ status: 'skipped', reason: 'transfer_limit' })]);
    const r = await client.transferCustomers('on_job', { handover_userid: c, takeover_userid: b, external_userid: [eid] });
    expect(r.customer).toEqual([{ external_userid: eid, errcode: 40128 }]);
  });

  it('the documented call limits: at most 100 customers per call, a takeover member without customer contact (40098)', async () => {
    const { tenant, sim } = ctx;
    const [, b, c] = users as [string, string, string];
    const client = await wecomClientFor(h.services, tenant.id);
    expect(() => client.transferCustomers('on_job', { handover_userid: b, takeover_userid: c, external_userid: Array.from({ length: 101 }, (_, i) => `wm${i}`) })).toThrow(RangeError);
    const raw = sim.handle({ method: 'POST', path: '/cgi-bin/externalcontact/transfer_customer', query: { access_token: await client.getAccessToken() }, body: { handover_userid: b, takeover_userid: c, external_userid: Array.from({ length: 101 }, (_, i) => `wm${i}`) } });
    expect(raw.json).toMatchObject({ errcode: 40058 });
    sim.state.staff.get(c)!.customerContact = false;
    const one = sim.state.followsByUser.get(b)![0]!.external_userid;
    const cust = (await servedBy(tenant.id, one))[0]!;
    const { id } = await startHandover(h.services, tenant.actor, { kind: 'on_job', fromStaffId: ids.get(b), toStaffId: ids.get(c), customerIds: [cust.customer_id] });
    expect(await runHandover(h.services, tenant.id, id)).toBe('failed');
    const [report] = await withTenant(h.services.dbs, tenant.id, (trx) => handoverReport(trx, tenant.id));
    expect(report!.error).toContain('40098');
    sim.state.staff.get(c)!.customerContact = true;
  });
});
