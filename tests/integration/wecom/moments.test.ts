/**
 * Enterprise moments (客户朋友圈) against the simulator: a post for chosen clerks and corp tags, a job that runs a
 * while and finishes with invalid senders and tags, the clerks' posted state, the customers in range and reached,
 * likes and comments, cancel, the documented attachment limits, and orders within 7 days (reached vs not reached).
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { clerkWecomTasks } from '../../../server/wecom/clerk-tasks.service';
import { momentReport } from '../../../server/wecom/moments.repository';
import { cancelMoment, createMoment, parseMomentAttachments, runMoment } from '../../../server/wecom/moments.service';
import { wecomClientFor } from '../../../server/wecom/runtime';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from './helpers';

const h = useTestServices();

async function staffIds(tenantId: TenantId): Promise<Map<string, string>> {
  const rows = await withTenant(h.services.dbs, tenantId, (trx) => trx.selectFrom('staff').select(['id', 'wecom_userid']).where('tenant_id', '=', tenantId).where('wecom_userid', 'is not', null).execute());
  return new Map(rows.map((r) => [r.wecom_userid!, r.id]));
}

describe('moments (客户朋友圈)', () => {
  let ctx: Awaited<ReturnType<typeof connectedTenant>>;
  let ids: Map<string, string>;
  let users: string[];

  beforeAll(async () => {
    ctx = await connectedTenant(h.services, { customers: 60, staff: 4, seed: 183, multiFollowShare: 0, sim: { config: { rateLimitPerMinute: null, momentJobMs: 60_000 } } });
    await syncOnce(h.services, ctx.tenant.id);
    ids = await staffIds(ctx.tenant.id);
    users = [...ctx.sim.state.staff.keys()].sort();
  });

  it('a post for three clerks (one without customer contact) runs, finishes with the invalid sender, and syncs who posted and whom it reached', async () => {
    const { tenant, sim } = ctx;
    const [a, b, c] = users as [string, string, string];
    sim.state.staff.get(c)!.customerContact = false;
    const { id } = await createMoment(h.services, tenant.actor, { text: '秋季新品到店，欢迎来试', attachments: 'link 新品目录 | https://example.com/new', staffIds: [ids.get(a), ids.get(b), ids.get(c)] });
    // WeCom's job is still running: Huike waits and asks again.
    expect(await runMoment(h.services, tenant.id, id)).toBe('creating');
    expect(sim.requestCount.get('externalcontact/add_moment_task')).toBe(1);
    sim.advance(61_000);
    expect(await runMoment(h.services, tenant.id, id)).toBe('active');
    expect(sim.requestCount.get('externalcontact/add_moment_task')).toBe(1);
    const momentId = [...sim.state.moments.keys()][0]!;
    sim.postMoment(momentId, a);
    const shownToA = sim.state.moments.get(momentId)!.senders.get(a)!.shown;
    sim.interactMoment(momentId, a, shownToA[0]!, 'like');
    sim.interactMoment(momentId, a, shownToA[1]!, 'comment');
    // One reached customer orders within 7 days; one in range but not reached, too (the comparison group).
    const notShown = sim.state.moments.get(momentId)!.senders.get(a)!.customers.find((e) => !shownToA.includes(e))!;
    await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql`insert into orders (tenant_id, order_no, paid_at, paid_day, amount_fen, content_hash, source, customer_id)
        select ci.tenant_id, 'M-' || ci.value, now() + interval '1 day', current_date + 1, 8800, 'h', 'api', ci.customer_id from customer_identities ci
        where ci.tenant_id = ${tenant.id}::uuid and ci.kind = 'external_userid' and ci.value in (${shownToA[2]!}, ${notShown})`.execute(trx),
    );
    await runMoment(h.services, tenant.id, id);
    const [r] = await withTenant(h.services.dbs, tenant.id, (trx) => momentReport(trx, tenant.id));
    expect(r).toMatchObject({ status: 'active', invalid_senders: [c], clerks: 2, posted: 1, likes: 1, comments: 1, reached: shownToA.length, orders_7d: 1, reached_buyers_7d: 1, unreached_buyers_7d: 1 });
    const inRange = sim.state.moments.get(momentId)!.senders;
    expect(r!.unreached).toBe(inRange.get(a)!.customers.length + inRange.get(b)!.customers.length - shownToA.length);
    // b has not posted: the task waits in b's workspace; a's is done.
    const clerk = (u: string) => ({ ...tenant.actor, kind: 'staff' as const, role: 'clerk' as const, staffId: ids.get(u)!, label: u });
    expect((await withTenant(h.services.dbs, tenant.id, (trx) => clerkWecomTasks(trx, clerk(b)))).moments.map((m) => m.id)).toEqual([id]);
    expect((await withTenant(h.services.dbs, tenant.id, (trx) => clerkWecomTasks(trx, clerk(a)))).moments).toEqual([]);
    // Cancel stops b; a's published post stays.
    await cancelMoment(h.services, tenant.actor, id);
    expect(sim.state.moments.get(momentId)!.cancelled).toBe(true);
    expect(sim.postMoment(momentId, b)).toBe(0);
    expect((await withTenant(h.services.dbs, tenant.id, (trx) => clerkWecomTasks(trx, clerk(b)))).moments).toEqual([]);
    const audited = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('audit_log').select('action').where('tenant_id', '=', tenant.id).where('entity_id', '=', id).orderBy('id').execute());
    expect(audited.map((x) => x.action)).toEqual(['moment.create', 'moment.post', 'moment.cancel']);
    sim.state.staff.get(c)!.customerContact = true;
  });

  it('tags limit who sees it; an unknown tag comes back in invalid_external_contact_list', async () => {
    const { tenant, sim } = ctx;
    const [a] = users as [string];
    const tag = [...sim.state.tags.values()].find((t) => !t.deleted && (sim.state.followsByUser.get(a) ?? []).some((f) => f.tag_ids.includes(t.id)))!;
    const client = await wecomClientFor(h.services, tenant.id);
    const jobid = await client.addMomentTask({ text: { content: '会员专享' }, visible_range: { sender_list: { user_list: [a] }, external_contact_list: { tag_list: [tag.id, 'etUNKNOWN'] } } });
    sim.advance(61_000);
    const r = await client.getMomentTaskResult(jobid);
    expect(r.status).toBe(3);
    expect(r.result!.invalid_external_contact_list!.tag_list).toEqual(['etUNKNOWN']);
    const inRange = sim.state.moments.get(r.result!.moment_id!)!.senders.get(a)!.customers;
    expect(inRange.length).toBeGreaterThan(0);
    expect(inRange.every((e) => sim.state.getFollow(a, e)!.tag_ids.includes(tag.id))).toBe(true);
  });

  it('the documented attachment limits: 9 images, or one video, or one link, one kind only', async () => {
    const { tenant } = ctx;
    const client = await wecomClientFor(h.services, tenant.id);
    const img = (n: number) => Array.from({ length: n }, (_, i) => ({ msgtype: 'image' as const, image: { media_id: `m${i}` } }));
    await expect(client.addMomentTask({ attachments: img(10), visible_range: { sender_list: { user_list: [users[0]!] } } })).rejects.toMatchObject({ errcode: 41064 });
    await expect(client.addMomentTask({ attachments: [...img(1), { msgtype: 'link', link: { url: 'https://x.example' } }] })).rejects.toMatchObject({ errcode: 41065 });
    await expect(client.addMomentTask({ text: { content: 'x'.repeat(2001) } })).rejects.toMatchObject({ errcode: 40058 });
    expect(() => parseMomentAttachments(Array.from({ length: 10 }, (_, i) => `image m${i}`).join('\n'))).toThrow(/9/);
    expect(() => parseMomentAttachments('image m1\nvideo v1')).toThrow();
    expect(parseMomentAttachments('video v1')).toEqual([{ msgtype: 'video', video: { media_id: 'v1' } }]);
  });
});
