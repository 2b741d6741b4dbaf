/**
 * 1:1 follow-up delivery: one clerk task per recipient for their serving clerk, with the script personalised per
 * customer, created once however often delivery runs; shown in the clerk's 今日; the recipient counts as sent
 * when the clerk marks it sent on the phone or puts the script into the chat from the sidebar, and as unsent
 * when they skip it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignContent } from '../../../app/lib/contracts/campaign';
import { closeClerkTask, todayView } from '../../../server/clerk/workspace.service';
import { insertCampaign, insertRun } from '../../../server/campaigns/campaigns.repository';
import { snapshotRecipients } from '../../../server/campaigns/delivery.repository';
import { imageFetcher } from '../../../server/campaigns/media.service';
import { createOneToOneTasks, taskChatMessages } from '../../../server/campaigns/one-to-one.service';
import type { Actor } from '../../../server/tenancy/actor';
import { withTenant } from '../../../server/tenancy/context';
import { recordTouch } from '../../../server/wecom/sidebar.service';
import { makeStaff } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';

const h = useTestServices();
// A PNG (its signature and a little more) served on 127.0.0.1: the campaign's image attachment.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
let server: Server;
let imageUrl = '';
beforeAll(async () => {
  server = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'image/png' }).end(PNG));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  imageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/poster.png`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
const content: CampaignContent = { text: '{客户称呼|您好}，距上次购买已 {距上次购买天数|好些} 天，您买过的{上次购买商品|商品}到货了。{导购|导购}', attachments: [] };

describe('1:1 campaign delivery', () => {
  it('creates one personalised task per recipient once, and counts a recipient as sent when the clerk sends it', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 200, staff: 4, seed: 1711 });
    const userid = [...sim.state.staff.keys()][1]!;
    const staff = await makeStaff(h.services, tenant.id, tenant.slug, 'clerk', { wecomUserid: userid });
    await syncOnce(h.services, tenant.id);
    const clerk: Actor = { kind: 'staff', tenantId: tenant.id, tenantSlug: tenant.slug, staffId: staff.id, role: 'clerk', name: '小王', label: 'clerk', storeId: tenant.storeIds.S1, storeScope: [tenant.storeIds.S1] };
    const db = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.services.dbs, tenant.id, fn);
    const t = sql`${tenant.id}::uuid`;

    const { runId } = await db(async (trx) => {
      const campaignId = await insertCampaign(trx, tenant.id, { name: '老客回访', delivery: 'one_to_one', audience: { segment_id: null }, content, schedule: { kind: 'once', at: null }, holdoutPct: 10, attributionDays: 7, createdBy: null });
      const id = await insertRun(trx, tenant.id, campaignId, new Date());
      await snapshotRecipients(trx, tenant.id, id, campaignId, 10, sql<{ id: string }>`select id from customers where tenant_id = ${t} and merged_into is null`);
      return { runId: id };
    });
    // One of the clerk's customers bought rice 12 days ago and was given a remark by the clerk.
    const buyer = (await db((trx) => sql<{ customer_id: string }>`select f.customer_id from customer_follows f join campaign_recipients r on r.tenant_id = f.tenant_id and r.customer_id = f.customer_id and r.run_id = ${runId}::uuid and r.arm = 'target'
      where f.tenant_id = ${t} and f.staff_id = ${staff.id}::uuid and f.ended_at is null
        and not exists (select 1 from customer_follows g where g.tenant_id = f.tenant_id and g.customer_id = f.customer_id and g.staff_id <> f.staff_id)
      order by f.customer_id limit 1`.execute(trx))).rows[0]!.customer_id;
    await db(async (trx) => {
      await sql`update customer_follows set remark = '王姐' where tenant_id = ${t} and customer_id = ${buyer}::uuid and staff_id = ${staff.id}::uuid`.execute(trx);
      const o = await sql<{ id: number }>`insert into orders (tenant_id, order_no, paid_at, paid_day, amount_fen, content_hash, source, customer_id)
        values (${t}, 'R-1', now() - interval '12 days', ((now() - interval '12 days') at time zone 'Asia/Shanghai')::date, 5990, 'h', 'api', ${buyer}::uuid) returning id`.execute(trx);
      await sql`insert into order_items (tenant_id, order_id, line_no, sku, name, category, quantity, amount_fen) values (${t}, ${o.rows[0]!.id}, 1, 'RICE', '五常大米', '粮油', 1, 5990)`.execute(trx);
    });

    const created = await createOneToOneTasks(h.services, tenant.id, runId, content);
    const recipients = await db((trx) => sql<{ status: string; n: number }>`select status, count(*)::int as n from campaign_recipients where tenant_id = ${t} and run_id = ${runId}::uuid group by status`.execute(trx));
    const byStatus = Object.fromEntries(recipients.rows.map((r) => [r.status, r.n]));
    expect(created).toBe(byStatus.task_created);
    expect(created).toBeGreaterThan(100);
    // Running it again (a retried job) creates nothing.
    expect(await createOneToOneTasks(h.services, tenant.id, runId, content)).toBe(0);
    const tasks = await db((trx) => sql<{ n: number; customers: number }>`select count(*)::int as n, count(distinct customer_id)::int as customers from clerk_tasks where tenant_id = ${t} and kind = 'campaign'`.execute(trx));
    expect(tasks.rows[0]).toEqual({ n: created, customers: created });

    // The clerk's 今日 shows their campaign tasks with the personalised script; the holdout gets none.
    const today = await db((trx) => todayView(trx, clerk));
    const mine = today.tasks.filter((k) => k.kind === 'campaign');
    expect(mine.length).toBeGreaterThan(5);
    const buyerTask = mine.find((k) => k.customer_id === buyer)!;
    expect(buyerTask.payload.text).toBe('王姐，距上次购买已 12 天，您买过的五常大米到货了。小王'.replace('小王', (await db((trx) => trx.selectFrom('staff').select('name').where('tenant_id', '=', tenant.id).where('id', '=', staff.id).executeTakeFirstOrThrow())).name));
    const other = mine.find((k) => k.customer_id !== buyer)!;
    expect(other.payload.text).toMatch(/距上次购买已 好些 天，您买过的商品到货了/);

    const state = async (customerId: string) => (await db((trx) => sql<{ status: string; sent: boolean }>`select status, sent_at is not null as sent from campaign_recipients where tenant_id = ${t} and run_id = ${runId}::uuid and customer_id = ${customerId}::uuid`.execute(trx))).rows[0];
    // "Sent" on the phone.
    await db((trx) => closeClerkTask(trx, clerk, { intent: 'done', taskId: buyerTask.id }));
    expect(await state(buyer)).toEqual({ status: 'sent', sent: true });
    // Put into the chat from the sidebar (the touch carries the script's text).
    await db((trx) => recordTouch(trx, clerk, { customerId: other.customer_id, content: other.payload.text }));
    expect(await state(other.customer_id!)).toEqual({ status: 'sent', sent: true });
    // An ordinary message to a third customer leaves their campaign task open; naming the task counts it.
    const third = mine.find((k) => k.customer_id !== buyer && k.customer_id !== other.customer_id)!;
    await db((trx) => recordTouch(trx, clerk, { customerId: third.customer_id, content: '在吗？' }));
    expect(await state(third.customer_id!)).toEqual({ status: 'task_created', sent: false });
    await db((trx) => recordTouch(trx, clerk, { customerId: third.customer_id, taskId: third.id, content: '改过的话术' }));
    expect(await state(third.customer_id!)).toEqual({ status: 'sent', sent: true });
    // Skipped: unsent.
    const fourth = mine.find((k) => ![buyer, other.customer_id, third.customer_id].includes(k.customer_id))!;
    await db((trx) => closeClerkTask(trx, clerk, { intent: 'skip', taskId: fourth.id, reason: 'not_reachable' }));
    expect(await state(fourth.customer_id!)).toEqual({ status: 'unsent', sent: false });

    const after = await db((trx) => todayView(trx, clerk));
    expect(after.tasks.filter((k) => k.kind === 'campaign').length).toBe(mine.length - 4);
  }, 120_000);

  it('the sidebar puts a task into the chat with its attachments: the image by a WeCom media_id uploaded once, the link as a card', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 60, staff: 3, seed: 1712 });
    const userid = [...sim.state.staff.keys()][0]!;
    const staff = await makeStaff(h.services, tenant.id, tenant.slug, 'clerk', { wecomUserid: userid });
    const otherStaff = await makeStaff(h.services, tenant.id, tenant.slug, 'clerk', { wecomUserid: [...sim.state.staff.keys()][1]! });
    await syncOnce(h.services, tenant.id);
    const actorOf = (id: string): Actor => ({ kind: 'staff', tenantId: tenant.id, tenantSlug: tenant.slug, staffId: id, role: 'clerk', name: '导购', label: 'clerk', storeId: tenant.storeIds.S1, storeScope: [tenant.storeIds.S1] });
    const db = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.services.dbs, tenant.id, fn);
    const withImage: CampaignContent = {
      text: '{客户称呼|您好}，新品海报请查收',
      attachments: [
        { msgtype: 'image', image: { pic_url: imageUrl } },
        { msgtype: 'link', link: { title: '会员日', url: 'https://example.com/vip', desc: '全场 8 折' } },
        { msgtype: 'miniprogram', miniprogram: { title: '商城', pic_media_id: 'MEDIA_COVER', appid: 'wx123', page: 'pages/index' } },
      ],
    };
    const runId = await db(async (trx) => {
      const campaignId = await insertCampaign(trx, tenant.id, { name: '海报', delivery: 'one_to_one', audience: { segment_id: null }, content: withImage, schedule: { kind: 'once', at: null }, holdoutPct: 0, attributionDays: 7, createdBy: null });
      const id = await insertRun(trx, tenant.id, campaignId, new Date());
      await snapshotRecipients(trx, tenant.id, id, campaignId, 0, sql<{ id: string }>`select id from customers where tenant_id = ${tenant.id}::uuid and merged_into is null`);
      return id;
    });
    await createOneToOneTasks(h.services, tenant.id, runId, withImage);
    const mine = (await db((trx) => todayView(trx, actorOf(staff.id)))).tasks.filter((k) => k.kind === 'campaign');
    expect(mine.length).toBeGreaterThan(1);
    const [a, b] = mine;

    const uploads = () => [...sim.state.media.values()].filter((m) => m.type === 'image').length;
    const before = uploads();
    const first = await taskChatMessages(h.services, actorOf(staff.id), a!.id, { fetchImage: imageFetcher({ allowPrivate: true }) });
    expect(first.messages.map((m) => m.msgtype)).toEqual(['text', 'image', 'news']);
    expect(first.messages[0]).toEqual({ msgtype: 'text', enterChat: true, text: { content: a!.payload.text } });
    const mediaid = (first.messages[1] as { image: { mediaid: string } }).image.mediaid;
    expect(sim.state.media.has(mediaid)).toBe(true);
    expect(first.messages[2]).toEqual({ msgtype: 'news', enterChat: true, news: { link: 'https://example.com/vip', title: '会员日', desc: '全场 8 折', imgUrl: '' } });
    expect(first.skipped).toBe(1); // the mini-program: no cover URL for the JS-SDK
    // The next task re-uses the uploaded image (WeCom keeps it 3 days).
    const second = await taskChatMessages(h.services, actorOf(staff.id), b!.id, { fetchImage: imageFetcher({ allowPrivate: true }) });
    expect((second.messages[1] as { image: { mediaid: string } }).image.mediaid).toBe(mediaid);
    expect(uploads() - before).toBe(1);
    // Another clerk cannot read it, nor can anyone once it is done.
    await expect(taskChatMessages(h.services, actorOf(otherStaff.id), a!.id)).rejects.toThrow(/not open/);
    await db((trx) => closeClerkTask(trx, actorOf(staff.id), { intent: 'done', taskId: a!.id }));
    await expect(taskChatMessages(h.services, actorOf(staff.id), a!.id)).rejects.toThrow(/not open/);
    await expect(taskChatMessages(h.services, actorOf(staff.id), 'not-a-task')).rejects.toThrow(/not open/);
  }, 120_000);
});
