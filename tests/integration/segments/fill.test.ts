/**
 * A large segment's membership is computed by a job, not in the saving request (ADR 0018): the save answers at once
 * with `filling`, the `segments.fill` job queued after commit computes the members once — a crash rolls the whole
 * fill back and a re-run fills exactly once — and until then a static segment is refused wherever its members
 * would be read (never read as empty). A dynamic segment whose new rule is large keeps answering from its rule.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { segmentJobs } from '../../../server/segments/segments.job';
import { createSegment, INLINE_MEMBERS_MAX, refreshMembership, refreshTenantSegments, segmentCount, updateSegment } from '../../../server/segments/segments.service';
import { createCampaign, scheduleCampaign } from '../../../server/campaigns/campaigns.service';
import { exportCursors, openMembersExport } from '../../../server/segments/actions.service';
import { csvStream } from '../../../app/lib/csv';
import { segmentPage } from '../../../server/segments/pages.service';
import { getSegment, lockSegment } from '../../../server/segments/segments.repository';
import type { Services } from '../../../server/services';
import { systemActor } from '../../../server/tenancy/actor';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { apiCaller, createApiKey, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';
import { runJob } from '../../support/jobs';
import { makeTenant } from '../../factories/tenant';
import { buildWorld, type World } from './world';

const h = useTestServices();
const sent: { name: string; data: unknown }[] = [];
let recording: Services | undefined;
/** The services with a started queue that records what is sent (the API server below serves with them). */
const services = () => (recording ??= { ...h.services, queue: { ...h.services.queue, started: true, send: async (name: string, data: object) => (sent.push({ name, data }), 'id') } } as Services);
const api = useApiServer({ get services() { return services(); } });

const CUSTOMERS = INLINE_MEMBERS_MAX + 1_500;
let big: { id: TenantId; slug: string };
let key: string;
let w: World;

beforeAll(async () => {
  const t = await makeTenant(h.services, { timezone: 'UTC' });
  big = { id: t.id, slug: t.slug };
  await withTenant(h.services.dbs, big.id, (trx) =>
    sql`insert into customers (tenant_id, display_name, source) select ${big.id}::uuid, 'C' || g, 'import' from generate_series(1, ${CUSTOMERS}) g`.execute(trx),
  );
  key = await createApiKey(h.services, big.id);
  w = await buildWorld(h.services);
}, 120_000);

const call = apiCaller(api, () => key);

const counts = (tenantId: TenantId, segmentId: string) =>
  withTenant(h.services.dbs, tenantId, async (trx) => {
    const r = await sql<{ members: number; enters: number; sizes: number }>`select
      (select count(*)::int from segment_members where tenant_id = ${tenantId}::uuid and segment_id = ${segmentId}::uuid) as members,
      (select count(*)::int from segment_events where tenant_id = ${tenantId}::uuid and segment_id = ${segmentId}::uuid and kind = 'enter') as enters,
      (select coalesce(sum(entered), 0)::int from segment_sizes where tenant_id = ${tenantId}::uuid and segment_id = ${segmentId}::uuid) as sizes`.execute(trx);
    return r.rows[0]!;
  });

describe('a large segment is filled by a job', () => {
  it('the API answers at once with filling; the queued job fills the frozen list once, and only then may it be read', async () => {
    const created = await call<{ id: string; size: number | null; filling: boolean }>('POST', '/segments', { name: '全部客户（静态）', kind: 'static', rule: {} }, 201);
    expect(created).toMatchObject({ filling: true, size: null });
    expect(sent).toContainEqual({ name: 'segments.fill', data: { tenantId: big.id, segmentId: created.id } });
    expect(await counts(big.id, created.id)).toEqual({ members: 0, enters: 0, sizes: 0 });

    // Until the job ran, its members are refused, not answered as 0.
    const refused = await call<{ error: { message: string } }>('GET', `/segments/${created.id}/count`, undefined, 400);
    expect(refused.error.message).toContain('成员还在计算中');
    const ops = systemActor(big.id, big.slug, 'test');
    await expect(openMembersExport(h.services, ops, created.id)).rejects.toThrow(/still being computed/);
    const page = await segmentPage(h.services, ops, created.id, { page: 1, size: 20 });
    expect(page.members.total).toBe(0);
    expect(page.segment.fill_owed_since).not.toBeNull();
    const inOther = await call<{ error: { message: string } }>('POST', '/segments/preview', { rule: { all: [{ any: [{ field: 'segment', op: 'in', value: [created.id] }] }] } }, 400);
    expect(inOther.error.message).toContain('全部客户（静态）');

    await runJob(segmentJobs, 'segments.fill', h.services, { tenantId: big.id, segmentId: created.id });
    expect(await call('GET', `/segments/${created.id}`)).toMatchObject({ filling: false, size: CUSTOMERS });
    expect(await call('GET', `/segments/${created.id}/count`)).toMatchObject({ count: CUSTOMERS });
    expect(await counts(big.id, created.id)).toEqual({ members: CUSTOMERS, enters: CUSTOMERS, sizes: CUSTOMERS });

    // A second run (a duplicate nudge, the hourly refresh) finds nothing owed: no entry twice, and the list stays frozen.
    await withTenant(h.services.dbs, big.id, (trx) => sql`insert into customers (tenant_id, display_name, source) values (${big.id}::uuid, 'late', 'import')`.execute(trx));
    await runJob(segmentJobs, 'segments.fill', h.services, { tenantId: big.id, segmentId: created.id });
    await refreshTenantSegments(h.services.dbs, big.id);
    expect(await counts(big.id, created.id)).toEqual({ members: CUSTOMERS, enters: CUSTOMERS, sizes: CUSTOMERS });
  }, 60_000);

  it('a fill that dies midway leaves nothing behind but the debt; the re-run fills exactly once', async () => {
    const admin = systemActor(big.id, big.slug, 'test');
    const seg = await withTenant(h.services.dbs, big.id, (trx) => createSegment(trx, admin, { name: '中途失败', kind: 'static', rule: {} }));
    expect(seg.fill_owed_since).not.toBeNull();
    // The job's own steps, then the process dies before its commit.
    await expect(
      withTenant(h.services.dbs, big.id, async (trx) => {
        const s = (await lockSegment(trx, big.id, seg.id))!;
        await refreshMembership(trx, big.id, s, { freeze: true });
        throw new Error('worker killed');
      }),
    ).rejects.toThrow('worker killed');
    expect(await counts(big.id, seg.id)).toEqual({ members: 0, enters: 0, sizes: 0 });
    expect((await withTenant(h.services.dbs, big.id, (trx) => getSegment(trx, big.id, seg.id)))!.fill_owed_since).not.toBeNull();

    await runJob(segmentJobs, 'segments.fill', h.services, { tenantId: big.id, segmentId: seg.id });
    await runJob(segmentJobs, 'segments.fill', h.services, { tenantId: big.id, segmentId: seg.id });
    const n = CUSTOMERS + 1; // with the customer added by the test above
    expect(await counts(big.id, seg.id)).toEqual({ members: n, enters: n, sizes: n });
  }, 60_000);

  it('a lost nudge converges: the hourly schedule finds the tenant and its refresh fills what is owed', async () => {
    const admin = systemActor(big.id, big.slug, 'test');
    const seg = await withTenant(h.services.dbs, big.id, (trx) => createSegment(trx, admin, { name: '丢失的通知', kind: 'static', rule: {} }));
    sent.length = 0;
    await runJob(segmentJobs, 'segments.schedule', services(), {});
    expect(sent).toContainEqual({ name: 'segments.refresh', data: { tenantId: big.id } });
    await runJob(segmentJobs, 'segments.refresh', h.services, { tenantId: big.id });
    expect(await call('GET', `/segments/${seg.id}`)).toMatchObject({ filling: false, size: CUSTOMERS + 1 });
  }, 60_000);

  it('small segments are still saved with their members; a dynamic rule change owed to the job keeps answering from the rule', async () => {
    const admin = w.admin;
    const s1 = { all: [{ any: [{ field: 'store', op: 'in', value: ['S1'] }] }], none: [] };
    const seg = await withTenant(h.services.dbs, w.t.id, (trx) => createSegment(trx, admin, { name: 'S1', rule: s1 }));
    expect(seg).toMatchObject({ fill_owed_since: null, size: 2 });

    const s2 = { all: [{ any: [{ field: 'store', op: 'in', value: ['S2'] }] }], none: [] };
    const upd = await withTenant(h.services.dbs, w.t.id, (trx) => updateSegment(trx, admin, seg.id, { name: 'S1', rule: s2 }, { inlineMax: 0 }));
    expect(upd.fill_owed_since).not.toBeNull();
    // The members are the rule, read live: the count is already the new one.
    expect(await withTenant(h.services.dbs, w.t.id, (trx) => segmentCount(trx, admin, seg.id))).toMatchObject({ count: 2 });
    await runJob(segmentJobs, 'segments.fill', h.services, { tenantId: w.t.id, segmentId: seg.id });
    const after = (await withTenant(h.services.dbs, w.t.id, (trx) => getSegment(trx, w.t.id, seg.id)))!;
    expect(after.fill_owed_since).toBeNull();
    // A second nudge of the job (saves are never deduplicated) finds nothing owed and computes nothing.
    await runJob(segmentJobs, 'segments.fill', h.services, { tenantId: w.t.id, segmentId: seg.id });
    expect((await withTenant(h.services.dbs, w.t.id, (trx) => getSegment(trx, w.t.id, seg.id)))!.refreshed_at).toEqual(after.refreshed_at);
    const members = await withTenant(h.services.dbs, w.t.id, (trx) =>
      sql<{ name: string }>`select c.display_name as name from segment_members m join customers c on c.tenant_id = m.tenant_id and c.id = m.customer_id where m.tenant_id = ${w.t.id}::uuid and m.segment_id = ${seg.id}::uuid order by 1`.execute(trx),
    );
    expect(members.rows.map((r) => r.name)).toEqual(['C', 'D']);
  });
});

describe('a campaign to a segment still being filled', () => {
  it('is not scheduled until the members are there, and says why', async () => {
    const admin = systemActor(big.id, big.slug, 'test');
    const seg = await withTenant(h.services.dbs, big.id, (trx) => createSegment(trx, admin, { name: '活动受众（静态）', kind: 'static', rule: {} }));
    expect(seg.fill_owed_since).not.toBeNull();
    const { id } = await withTenant(h.services.dbs, big.id, (trx) =>
      createCampaign(trx, admin, { name: '回购提醒', audience: { segment_id: seg.id }, delivery: 'mass', content: { text: '您好' }, schedule: { kind: 'once', at: null }, holdout_pct: 10, attribution_days: 7 }),
    );
    await expect(withTenant(h.services.dbs, big.id, (trx) => scheduleCampaign(trx, admin, id))).rejects.toThrow('分群「活动受众（静态）」的成员还在计算中');
    await runJob(segmentJobs, 'segments.fill', h.services, { tenantId: big.id, segmentId: seg.id });
    expect(await withTenant(h.services.dbs, big.id, (trx) => scheduleCampaign(trx, admin, id))).toMatchObject({ status: 'scheduled' });
  }, 60_000);
});

describe('a fill the rule refuses', () => {
  it('is not retried: the segment says why, and a save with a mended rule fills it', async () => {
    const tag = await withTenant(h.services.dbs, w.t.id, async (trx) => {
      const g = await trx.selectFrom('tag_groups').select('id').where('tenant_id', '=', w.t.id).where('kind', '=', 'internal').executeTakeFirstOrThrow();
      return (await trx.insertInto('tags').values({ tenant_id: w.t.id, group_id: g.id, name: '临时', wecom_tag_id: null, push_error: null, created_by_label: 'test', deleted_at: null }).returning('id').executeTakeFirstOrThrow()).id;
    });
    const rule = { all: [{ any: [{ field: 'tags', op: 'has_none', value: [tag] }] }] };
    const seg = await withTenant(h.services.dbs, w.t.id, (trx) => createSegment(trx, w.admin, { name: '无临时标签', kind: 'static', rule }, { inlineMax: 0 }));
    expect(seg.fill_owed_since).not.toBeNull();
    // The tag goes between the save and the job.
    await withTenant(h.services.dbs, w.t.id, (trx) => sql`update tags set deleted_at = now() where tenant_id = ${w.t.id} and id = ${tag}`.execute(trx));
    await runJob(segmentJobs, 'segments.fill', h.services, { tenantId: w.t.id, segmentId: seg.id }); // handled: no retry
    const failed = (await withTenant(h.services.dbs, w.t.id, (trx) => getSegment(trx, w.t.id, seg.id)))!;
    expect(failed.fill_error).toContain(tag);
    expect(failed.fill_owed_since).not.toBeNull();
    const page = await segmentPage(h.services, w.admin, seg.id, { page: 1, size: 20 });
    expect(page.segment.fill_error).toContain('unknown tag');

    const mended = await withTenant(h.services.dbs, w.t.id, (trx) => updateSegment(trx, w.admin, seg.id, { name: '无临时标签', kind: 'static', rule: { all: [{ any: [{ field: 'store', op: 'in', value: ['S1'] }] }] } }, { inlineMax: 0 }));
    expect(mended.fill_owed_since).not.toBeNull();
    expect(mended.fill_error).toBeNull();
    await runJob(segmentJobs, 'segments.fill', h.services, { tenantId: w.t.id, segmentId: seg.id });
    expect((await withTenant(h.services.dbs, w.t.id, (trx) => getSegment(trx, w.t.id, seg.id)))!).toMatchObject({ fill_owed_since: null, fill_error: null, size: 2 });
  });
});

describe('the members export of a large segment', () => {
  it('streams every member once, a chunk at a time; a download stopped midway lets its connection go', async () => {
    const admin = systemActor(big.id, big.slug, 'test');
    const seg = await withTenant(h.services.dbs, big.id, (trx) => createSegment(trx, admin, { name: '导出', rule: {} }));
    const out = await openMembersExport(h.services, admin, seg.id);
    const sizes: number[] = [];
    const ids = new Set<string>();
    for await (const chunk of out.chunks) {
      sizes.push(chunk.length);
      for (const r of chunk) ids.add(r.id);
    }
    expect(out.total).toBeGreaterThan(INLINE_MEMBERS_MAX);
    expect(ids.size).toBe(out.total);
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5_000);

    // The CSV as the route sends it: the header, then one record per member (no member has metrics here).
    const bytes = Buffer.from(await new Response(csvStream([{ key: 'id', label: 'id' }], (await openMembersExport(h.services, admin, seg.id)).chunks, (r) => ({ id: r.id }))).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM, for Excel
    const lines = bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('id');
    expect(lines.length).toBe(out.total + 1);

    // A cancelled download: the stream is cancelled after its first chunk; its transaction ends and the pool is free.
    const stream = csvStream([{ key: 'id', label: 'id' }], (await openMembersExport(h.services, admin, seg.id)).chunks, (r) => ({ id: r.id }));
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    const open = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where state like 'idle in transaction%' and datname = current_database()`.execute(h.services.dbs.owner);
    expect(open.rows[0]!.n).toBe(0);
  }, 60_000);

  it('streams at most two exports at once: a third starts when one ends', async () => {
    const admin = systemActor(big.id, big.slug, 'test');
    const seg = await withTenant(h.services.dbs, big.id, (trx) => createSegment(trx, admin, { name: '并发导出', rule: {} }));
    const open = await Promise.all([1, 2, 3].map(() => openMembersExport(h.services, admin, seg.id)));
    const [a, b, c] = open.map((x) => x.chunks);
    await a!.next();
    await b!.next();
    let third = false;
    const thirdFirst = c!.next().then((r) => ((third = true), r));
    await new Promise((r) => setTimeout(r, 200));
    expect(third).toBe(false); // waiting for a slot: no cursor, no connection taken
    expect(exportCursors).toMatchObject({ inUse: 2, waiting: 1 });
    await a!.return(undefined); // a download cancelled: its slot goes to the third
    expect((await thirdFirst).done).toBe(false);
    await b!.return(undefined);
    await c!.return(undefined);
    expect(exportCursors).toMatchObject({ inUse: 0, waiting: 0 });
  }, 60_000);
});

