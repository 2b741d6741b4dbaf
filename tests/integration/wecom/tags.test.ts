import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { startQueue, startWorkers } from '../../../server/jobs/queue';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { getCustomerWecomProfile, wecomColumnsFor } from '../../../server/wecom/customer-wecom.repository';
import { listTagOptions, tagsOfCustomers, type CustomerTagView } from '../../../server/wecom/tags.repository';
import type { Actor } from '../../../server/tenancy/actor';
import { changeCustomerTags, createTag, enqueueTagWriteback, processTagWriteback } from '../../../server/wecom/tags.service';
import type { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import type { AnyJob } from '../../../server/jobs/job';
import { wecomJobs } from '../../../server/wecom/wecom.job';

const jobs: AnyJob[] = wecomJobs;
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from './helpers';

const h = useTestServices();

async function customerIdOf(tenantId: TenantId, eid: string): Promise<string> {
  const r = await withTenant(h.services.dbs, tenantId, (trx) => trx.selectFrom('customer_identities').select('customer_id').where('tenant_id', '=', tenantId).where('kind', '=', 'external_userid').where('value', '=', eid).executeTakeFirstOrThrow());
  return r.customer_id;
}

async function tagIdByWecom(tenantId: TenantId, wid: string): Promise<string> {
  const r = await withTenant(h.services.dbs, tenantId, (trx) => trx.selectFrom('tags').select('id').where('tenant_id', '=', tenantId).where('wecom_tag_id', '=', wid).executeTakeFirstOrThrow());
  return r.id;
}

async function setup(seed: number) {
  const x = await connectedTenant(h.services, { customers: 300, staff: 5, seed, multiFollowShare: 0.4 });
  await syncOnce(h.services, x.tenant.id);
  return x;
}

/** A customer with two clerks and without the given tag on any relation. */
function twoClerkCustomer(sim: WecomSimulator, without: string) {
  const [eid, rels] = [...sim.state.followsByCustomer.entries()].find(([, fs]) => fs.length === 2 && fs.every((f) => !f.tag_ids.includes(without)))!;
  return { eid, rels };
}

/** The customers list reads tags in its own statement: it must show what the customer pages show (tagsOfCustomers). */
async function expectListTagsAsPages(tenantId: TenantId, actor: Actor, ids: string[]): Promise<void> {
  const view = (ts: CustomerTagView[]) =>
    ts.map((t) => ({ ...t, change: t.change && { id: t.change.id, op: t.change.op, state: t.change.state, reason: t.change.reason } })).sort((a, b) => a.tagId.localeCompare(b.tagId));
  await withTenant(h.services.dbs, tenantId, async (trx) => {
    const list = await wecomColumnsFor(trx, actor, ids, await listTagOptions(trx, tenantId));
    const pages = await tagsOfCustomers(trx, tenantId, ids);
    for (const id of ids) expect(view(list[id]!.tags)).toEqual(view(pages.get(id) ?? []));
  });
}

describe('tags from Huike, written back to WeCom', () => {
  it('a change still pending decides what a second change does: the same op again is unchanged, the opposite one is queued after it', async () => {
    const { tenant, sim } = await setup(107);
    const tag = [...sim.state.tags.values()][1]!;
    const { eid } = twoClerkCustomer(sim, tag.id);
    const other = [...sim.state.followsByCustomer.entries()].find(([e, fs]) => e !== eid && fs.length > 0 && fs.every((f) => !f.tag_ids.includes(tag.id)))![0];
    const [cid, cid2] = [await customerIdOf(tenant.id, eid), await customerIdOf(tenant.id, other)];
    const tagId = await tagIdByWecom(tenant.id, tag.id);
    const change = (ids: string[], op: 'add' | 'remove') => withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: ids, [op]: [tagId] }));
    expect((await change([cid], 'add')).pending).toHaveLength(1);
    // In one batch: cid has an add pending (unchanged), cid2 has nothing pending and not the tag (a new add).
    const both = await change([cid, cid2], 'add');
    expect(both).toMatchObject({ unchanged: 1 });
    expect(both.pending).toHaveLength(1);
    // Removing while the add is pending queues the removal; removing again is unchanged.
    expect((await change([cid], 'remove')).pending).toHaveLength(1);
    expect(await change([cid], 'remove')).toMatchObject({ pending: [], unchanged: 1 });
    const ops = await withTenant(h.services.dbs, tenant.id, (trx) =>
      trx.selectFrom('tag_changes').select(['customer_id', 'op', 'state']).where('tenant_id', '=', tenant.id).where('tag_id', '=', tagId).orderBy('id').execute(),
    );
    expect(ops.map((o) => `${o.customer_id === cid ? 'cid' : 'cid2'}:${o.op}:${o.state}`)).toEqual(['cid:add:pending', 'cid2:add:pending', 'cid:remove:pending']);
  });

  it('a WeCom tag added on a customer page is pending, then written on every open relation with mark_tag; removing it works the same way', async () => {
    const { tenant, sim } = await setup(101);
    const tag = [...sim.state.tags.values()][1]!;
    const { eid, rels } = twoClerkCustomer(sim, tag.id);
    const cid = await customerIdOf(tenant.id, eid);
    const tagId = await tagIdByWecom(tenant.id, tag.id);
    const r = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: [cid], add: [tagId] }));
    expect(r.pending).toHaveLength(1);
    let profile = await withTenant(h.services.dbs, tenant.id, (trx) => getCustomerWecomProfile(trx, tenant.actor, cid));
    expect(profile.tags.find((t) => t.tagId === tagId)).toMatchObject({ present: false, change: { op: 'add', state: 'pending' } });
    await expectListTagsAsPages(tenant.id, tenant.actor, [cid]);

    const out = await processTagWriteback(h.services, tenant.id, { changeIds: r.pending });
    expect(out).toMatchObject({ synced: 1, failed: 0, retry: 0 });
    for (const f of rels) expect(sim.state.getFollow(f.userid, eid)!.tag_ids).toContain(tag.id);
    profile = await withTenant(h.services.dbs, tenant.id, (trx) => getCustomerWecomProfile(trx, tenant.actor, cid));
    expect(profile.tags.find((t) => t.tagId === tagId)).toMatchObject({ present: true, change: { op: 'add', state: 'synced' } });
    await expectListTagsAsPages(tenant.id, tenant.actor, [cid]);
    expect(profile.relations.every((rel) => rel.tags.includes(tag.name))).toBe(true);

    // Adding it again changes nothing; removing it takes it off both relations.
    const again = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: [cid], add: [tagId] }));
    expect(again).toMatchObject({ pending: [], unchanged: 1 });
    const rm = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: [cid], remove: [tagId] }));
    await processTagWriteback(h.services, tenant.id, { changeIds: rm.pending });
    for (const f of rels) expect(sim.state.getFollow(f.userid, eid)!.tag_ids).not.toContain(tag.id);
    // A later sync agrees with what was written back.
    const run = await syncOnce(h.services, tenant.id);
    expect(run.follow_tags_changed).toBe(0);
  });

  it('a tag created in Huike is created in WeCom (add_corp_tag) and marked in bulk; internal tags are never pushed', async () => {
    const { tenant, sim } = await setup(102);
    const created = await withTenant(h.services.dbs, tenant.id, (trx) => createTag(trx, tenant.actor, { name: '周年庆到店', kind: 'wecom', groupName: '门店活动' }));
    expect(created.push).toBe(true);
    const eids = [...sim.state.followsByCustomer.keys()].slice(0, 5);
    const ids = await Promise.all(eids.map((e) => customerIdOf(tenant.id, e)));
    const bulk = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: ids, add: [created.tagId] }));
    expect(bulk.pending).toHaveLength(5);
    const out = await processTagWriteback(h.services, tenant.id, { changeIds: bulk.pending, tagIds: [created.tagId] });
    expect(out.synced).toBe(5);
    expect(sim.requestCount.get('externalcontact/add_corp_tag')).toBe(1);
    const t = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('tags').select(['wecom_tag_id', 'push_state']).where('tenant_id', '=', tenant.id).where('id', '=', created.tagId).executeTakeFirstOrThrow());
    expect(t.push_state).toBe('synced');
    const simTag = sim.state.tags.get(t.wecom_tag_id!)!;
    expect(simTag.name).toBe('周年庆到店');
    expect(sim.state.tagGroups.get(simTag.group_id)!.group_name).toBe('门店活动');
    for (const e of eids) for (const f of sim.state.followsByCustomer.get(e)!) expect(f.tag_ids).toContain(t.wecom_tag_id);

    const markTagsBefore = sim.requestCount.get('externalcontact/mark_tag') ?? 0;
    const internal = await withTenant(h.services.dbs, tenant.id, (trx) => createTag(trx, tenant.actor, { name: '高潜力', kind: 'internal', groupName: '回客内部' }));
    expect(internal.push).toBe(false);
    const ir = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: ids, add: [internal.tagId] }));
    expect(ir).toMatchObject({ pending: [], applied: 5 });
    await processTagWriteback(h.services, tenant.id, { changeIds: [] });
    expect(sim.requestCount.get('externalcontact/mark_tag') ?? 0).toBe(markTagsBefore);
    expect([...sim.state.tags.values()].some((x) => x.name === '高潜力')).toBe(false);
    const p = await withTenant(h.services.dbs, tenant.id, (trx) => getCustomerWecomProfile(trx, tenant.actor, ids[0]!));
    expect(p.tags.find((x) => x.tagId === internal.tagId)).toMatchObject({ present: true, kind: 'internal', change: { state: 'internal' } });
  });

  it('retries transient mark_tag failures, and shows failed with a reason when they persist or WeCom refuses', async () => {
    const { tenant, sim } = await setup(103);
    const tags = [...sim.state.tags.values()];
    const cust = [...sim.state.followsByCustomer.entries()].filter(([, fs]) => fs.length === 1).slice(0, 3);
    const ids = await Promise.all(cust.map(([e]) => customerIdOf(tenant.id, e)));
    const tag = tags.find((t) => cust.every(([, fs]) => !fs[0]!.tag_ids.includes(t.id)))!;
    const tagId = await tagIdByWecom(tenant.id, tag.id);

    // Two "system busy" answers: the client's backoff absorbs them.
    sim.injectFaults({ api: 'externalcontact/mark_tag', kind: 'errcode', errcode: -1, times: 2 });
    const a = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: [ids[0]!], add: [tagId] }));
    expect(await processTagWriteback(h.services, tenant.id, { changeIds: a.pending })).toMatchObject({ synced: 1 });

    // WeCom down for longer than the client's retries: stays pending (the job retries), then fails on the last attempt.
    sim.injectFaults({ api: 'externalcontact/mark_tag', kind: 'http', status: 503, times: 10 });
    const b = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: [ids[1]!], add: [tagId] }));
    expect(await processTagWriteback(h.services, tenant.id, { changeIds: b.pending })).toMatchObject({ retry: 1, synced: 0 });
    let row = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('tag_changes').selectAll().where('tenant_id', '=', tenant.id).where('id', '=', b.pending[0]!).executeTakeFirstOrThrow());
    expect(row).toMatchObject({ state: 'pending', attempts: 1 });
    expect(row.reason).toMatch(/HTTP 503/);
    expect(await processTagWriteback(h.services, tenant.id, { changeIds: b.pending }, { final: true })).toMatchObject({ failed: 1 });
    row = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('tag_changes').selectAll().where('tenant_id', '=', tenant.id).where('id', '=', b.pending[0]!).executeTakeFirstOrThrow());
    expect(row).toMatchObject({ state: 'failed', attempts: 2 });
    sim.clearFaults();

    // The tag was deleted in the WeCom console meanwhile: a permanent refusal, failed at once with the reason.
    const gone = tags.find((t) => t.id !== tag.id && cust.every(([, fs]) => !fs[0]!.tag_ids.includes(t.id)))!;
    const goneId = await tagIdByWecom(tenant.id, gone.id);
    sim.deleteTagsQuietly([gone.id], []);
    const c = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: [ids[2]!], add: [goneId] }));
    expect(await processTagWriteback(h.services, tenant.id, { changeIds: c.pending })).toMatchObject({ failed: 1 });
    const p = await withTenant(h.services.dbs, tenant.id, (trx) => getCustomerWecomProfile(trx, tenant.actor, ids[2]!));
    const shown = p.tags.find((x) => x.tagId === goneId)!;
    expect(shown).toMatchObject({ present: false, change: { state: 'failed' } });
    expect(shown.change!.reason).toMatch(/40068/);
    // The list shows the same: a synced add, a failed one after retries, a refused one, each with its reason.
    await expectListTagsAsPages(tenant.id, tenant.actor, ids);
  });

  it('through the queue: a write-back that fails is retried by the job until it is synced', async () => {
    const { tenant, sim } = await setup(104);
    await startQueue(h.services.queue, jobs);
    await startWorkers(h.services.queue, jobs, h.services, h.services.log);
    const [eid, fs] = [...sim.state.followsByCustomer.entries()].find(([, x]) => x.length === 1)!;
    const tag = [...sim.state.tags.values()].find((t) => !fs[0]!.tag_ids.includes(t.id))!;
    const cid = await customerIdOf(tenant.id, eid);
    // 1 attempt + 4 client retries all fail: the first job attempt leaves it pending and throws.
    sim.injectFaults({ api: 'externalcontact/mark_tag', kind: 'network', times: 5 });
    const tid = await tagIdByWecom(tenant.id, tag.id);
    const r = await withTenant(h.services.dbs, tenant.id, (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: [cid], add: [tid] }));
    await enqueueTagWriteback(h.services, tenant.id, r.pending);
    let state = 'pending';
    let attempts = 0;
    for (let i = 0; i < 120 && state === 'pending'; i++) {
      await new Promise((res) => setTimeout(res, 250));
      const row = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('tag_changes').select(['state', 'attempts']).where('tenant_id', '=', tenant.id).where('id', '=', r.pending[0]!).executeTakeFirstOrThrow());
      state = row.state;
      attempts = row.attempts;
    }
    expect(state).toBe('synced');
    expect(attempts).toBe(2);
    expect(sim.state.getFollow(fs[0]!.userid, eid)!.tag_ids).toContain(tag.id);
  }, 60_000);

  it('respects the 3,000 corp-tag limit with a clear message, in Huike and when WeCom refuses', async () => {
    const { tenant, sim } = await setup(105);
    // WeCom is full: a Huike-made tag cannot be created there.
    const st = sim.state;
    const g = [...st.tagGroups.values()][0]!;
    for (let i = st.liveTagCount(); i < 3000; i++) {
      const id = st.newId('et', 22);
      st.tags.set(id, { id, group_id: g.group_id, name: `填充${i}`, create_time: 0, order: 0, deleted: false });
      g.tag_ids.push(id);
    }
    const made = await withTenant(h.services.dbs, tenant.id, (trx) => createTag(trx, tenant.actor, { name: '超额标签', kind: 'wecom', groupName: '门店活动' }));
    const eid = [...st.followsByCustomer.keys()][0]!;
    const ch = await withTenant(h.services.dbs, tenant.id, async (trx) => changeCustomerTags(trx, tenant.actor, { customerIds: [await customerIdOf(tenant.id, eid)], add: [made.tagId] }));
    expect(await processTagWriteback(h.services, tenant.id, { changeIds: ch.pending, tagIds: [made.tagId] })).toMatchObject({ failed: 1 });
    const tagRow = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('tags').select(['push_state', 'push_error']).where('tenant_id', '=', tenant.id).where('id', '=', made.tagId).executeTakeFirstOrThrow());
    expect(tagRow.push_state).toBe('failed');
    expect(tagRow.push_error).toMatch(/3,000/);

    // Huike knows it is full: refuses before calling WeCom, and suggests an internal tag.
    await syncOnce(h.services, tenant.id);
    await expect(withTenant(h.services.dbs, tenant.id, (trx) => createTag(trx, tenant.actor, { name: '再来一个', kind: 'wecom', groupName: '门店活动' }))).rejects.toThrow(/3,000.*internal/s);
    const ok = await withTenant(h.services.dbs, tenant.id, (trx) => createTag(trx, tenant.actor, { name: '再来一个', kind: 'internal', groupName: '回客内部' }));
    expect(ok.push).toBe(false);
    const n = await withTenant(h.services.dbs, tenant.id, (trx) => sql<{ n: number }>`select count(*)::int as n from tags where tenant_id = ${tenant.id}::uuid and wecom_tag_id is not null and deleted_at is null`.execute(trx));
    expect(n.rows[0]!.n).toBe(3000);
  });
});
