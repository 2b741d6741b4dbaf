/**
 * Image attachments: fetched once per run and uploaded to WeCom (the simulator's media/upload) once, every clerk
 * task of the run carrying the same media_id; the next run re-uses the cached media_id; once it is about to expire
 * (WeCom keeps temporary media 3 days) the image is uploaded again, and WeCom accepts the new id.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignContent } from '../../../app/lib/contracts/campaign';
import { insertCampaign, insertRun } from '../../../server/campaigns/campaigns.repository';
import { snapshotRecipients } from '../../../server/campaigns/delivery.repository';
import { deliverMassRun, planMassRun } from '../../../server/campaigns/delivery.service';
import { fetchImage, imageFetcher } from '../../../server/campaigns/media.service';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';

const h = useTestServices();
const DAY = 86_400_000;
// The 8-byte PNG signature and a little more: enough for the simulator's size and type checks.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

let server: Server;
let imageUrl = '';
let fetches = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    fetches++;
    if (req.url !== '/poster.png') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  imageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/poster.png`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function sendRun(tenantId: TenantId, content: CampaignContent) {
  const runId = await withTenant(h.services.dbs, tenantId, async (trx) => {
    const campaignId = await insertCampaign(trx, tenantId, { name: '海报', delivery: 'mass', audience: { segment_id: null }, content, schedule: { kind: 'once', at: null }, holdoutPct: 0, attributionDays: 7, createdBy: null });
    const id = await insertRun(trx, tenantId, campaignId, new Date());
    await snapshotRecipients(trx, tenantId, id, campaignId, 0, sql<{ id: string }>`select id from customers where tenant_id = ${tenantId}::uuid and merged_into is null`);
    return id;
  });
  const plan = await planMassRun(h.services, tenantId, runId, content, 25);
  const r = await deliverMassRun(h.services, tenantId, runId, content, plan.texts, { fetchImage: imageFetcher({ allowPrivate: true }) });
  return { runId, tasks: plan.tasks, ...r };
}

describe('campaign image attachments', () => {
  it('one upload per run for every task, re-used by the next run, uploaded again when it is about to expire', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 300, staff: 4, seed: 1832 });
    await syncOnce(h.services, tenant.id);
    const link = { msgtype: 'link' as const, link: { title: '会员日', url: 'https://example.com/vip' } };
    const content: CampaignContent = { text: '{导购|您的导购}为您准备了会员日海报', attachments: [{ msgtype: 'image', image: { pic_url: imageUrl } }, link] };
    const mediaIdsOf = (runTasks: { attachments: unknown[] }[]) => new Set(runTasks.map((t) => (t.attachments[0] as { image: { media_id: string } }).image.media_id));

    const first = await sendRun(tenant.id, content);
    expect(first.tasks).toBeGreaterThan(4);
    expect(first.created).toBe(first.tasks);
    expect(fetches).toBe(1);
    expect([...sim.state.media.values()].filter((m) => m.type === 'image').length).toBe(1);
    const tasks1 = [...sim.state.massTasks.values()];
    const ids1 = mediaIdsOf(tasks1);
    expect(ids1.size).toBe(1);
    expect(sim.state.media.has([...ids1][0]!)).toBe(true);
    expect(tasks1.every((t) => JSON.stringify(t.attachments[1]) === JSON.stringify(link))).toBe(true);

    // A day later: the same bytes re-use the live media_id, no upload.
    sim.advance(DAY);
    await withTenant(h.services.dbs, tenant.id, (trx) => sql`update wecom_media set uploaded_at = uploaded_at - interval '1 day' where tenant_id = ${tenant.id}::uuid`.execute(trx));
    const second = await sendRun(tenant.id, content);
    expect(second.created).toBe(second.tasks);
    expect(sim.state.media.size).toBe(1);
    expect(mediaIdsOf([...sim.state.massTasks.values()].filter((t) => !tasks1.includes(t)))).toEqual(ids1);

    // Three days after the upload WeCom has forgotten it: uploaded again, and the tasks (accepted) carry the new id.
    sim.advance(2 * DAY);
    await withTenant(h.services.dbs, tenant.id, (trx) => sql`update wecom_media set uploaded_at = uploaded_at - interval '2 days' where tenant_id = ${tenant.id}::uuid`.execute(trx));
    const before = new Set(sim.state.massTasks.keys());
    const third = await sendRun(tenant.id, content);
    expect(third).toMatchObject({ created: third.tasks, failed: 0 });
    expect(sim.state.media.size).toBe(2);
    const ids3 = mediaIdsOf([...sim.state.massTasks.values()].filter((t) => !before.has(t.msgid)));
    expect(ids3.size).toBe(1);
    expect(ids3).not.toEqual(ids1);
    expect(fetches).toBe(3);
    const cached = await withTenant(h.services.dbs, tenant.id, (trx) => sql<{ media_id: string }>`select media_id from wecom_media where tenant_id = ${tenant.id}::uuid`.execute(trx));
    expect(cached.rows.map((r) => r.media_id)).toEqual([...ids3]);
  }, 300_000);

  it('the server fetches no image from its own network: loopback by address or by name, redirects to it, non-images', async () => {
    const port = (server.address() as AddressInfo).port;
    await expect(fetchImage(imageUrl)).rejects.toThrow(/private address/);
    await expect(fetchImage(`http://localhost:${port}/poster.png`)).rejects.toThrow(/localhost resolves to a private address/);
    await expect(fetchImage(`http://[::ffff:127.0.0.1]:${port}/poster.png`)).rejects.toThrow(/private address/);
    await expect(fetchImage('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(/private address/);
    await expect(fetchImage('file:///etc/passwd')).rejects.toThrow(/only http\(s\) URLs/);
    const before = fetches;
    await expect(imageFetcher({ allowPrivate: true })(`http://127.0.0.1:${port}/missing.png`)).rejects.toThrow(/HTTP 404/);
    expect(fetches).toBe(before + 1); // the refused ones never reached the server
  });
});

