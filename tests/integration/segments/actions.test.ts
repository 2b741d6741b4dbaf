/**
 * Actions on all members of a segment: bulk tag add (internal: applied; WeCom: pending changes for the write-back
 * queue, failed where there is no relation), progress recorded; follow-up tasks for the serving clerks; export rows.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashMobile, mobileHashKey } from '../../../server/customers/mobile-identity';
import { listOpenTasks } from '../../../server/clerk/tasks.repository';
import { compileRule } from '../../../server/customers/rule-compiler';
import { insertFollowUps } from '../../../server/segments/actions.repository';
import { createStaticFromUpload } from '../../../server/segments/upload.service';
import { handToClerks, openMembersExport, processSegmentAction, runSegmentAction, startBulkTag } from '../../../server/segments/actions.service';
import { createSegment } from '../../../server/segments/segments.service';
import { withTenant } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { buildWorld, type World } from './world';

const h = useTestServices();
let w: World;
let segId: string;

beforeAll(async () => {
  w = await buildWorld(h.services);
  const s = await withTenant(h.services.dbs, w.t.id, (trx) => createSegment(trx, w.admin, { name: 'everyone', rule: {} }));
  segId = s.id;
}, 60_000);

const action = (id: string) => withTenant(h.services.dbs, w.t.id, (trx) => trx.selectFrom('segment_actions').selectAll().where('tenant_id', '=', w.t.id).where('id', '=', id).executeTakeFirstOrThrow());

describe('segment actions', () => {
  it('adds an internal tag to every member, with progress', async () => {
    const { actionId, total } = await withTenant(h.services.dbs, w.t.id, (trx) => startBulkTag(trx, w.admin, segId, { op: 'add', tagId: w.tags.I1 }));
    expect(total).toBe(5);
    expect((await action(actionId)).status).toBe('queued');
    await processSegmentAction(h.services, w.t.id, actionId);
    expect(await action(actionId)).toMatchObject({ status: 'done', total: 5, done: 5, skipped: 1 }); // B had it
    const tagged = await withTenant(h.services.dbs, w.t.id, (trx) => sql<{ n: number }>`select count(*)::int as n from customer_internal_tags where tenant_id = ${w.t.id} and tag_id = ${w.tags.I1}`.execute(trx));
    expect(tagged.rows[0]!.n).toBe(5);
    // A second run of the same job changes nothing.
    await processSegmentAction(h.services, w.t.id, actionId);
    expect((await action(actionId)).done).toBe(5);
  });

  it('adds a WeCom tag through the write-back queue: pending where there is a relation, failed where there is none', async () => {
    const { actionId } = await withTenant(h.services.dbs, w.t.id, (trx) => startBulkTag(trx, w.admin, segId, { op: 'add', tagId: w.tags.T1 }));
    await processSegmentAction(h.services, w.t.id, actionId);
    // A and B carry it already; D and E have an open relation (pending); C's only relation ended (failed).
    expect(await action(actionId)).toMatchObject({ status: 'done', done: 5, pending: 2, failed: 1, skipped: 2 });
    const changes = await withTenant(h.services.dbs, w.t.id, (trx) =>
      sql<{ customer_id: string; state: string }>`select customer_id, state from tag_changes where tenant_id = ${w.t.id} and tag_id = ${w.tags.T1} order by state`.execute(trx),
    );
    expect(changes.rows.map((c) => `${w.names[c.customer_id]}:${c.state}`).sort()).toEqual(['C:failed', 'D:pending', 'E:pending']);
  });

  it('hands members to their serving clerks as follow-up tasks (members without a clerk are skipped)', async () => {
    const r = await withTenant(h.services.dbs, w.t.id, (trx) => handToClerks(trx, w.admin, segId, { title: '回访', dueOn: '2026-12-31' }));
    expect(r).toMatchObject({ total: 5, created: 4, skipped: 1 }); // C has no open relation
    // They are the clerk's own tasks in the workspace's 今日 list once their day comes.
    const tasks = (await withTenant(h.services.dbs, w.t.id, (trx) => listOpenTasks(trx, w.t.id, w.staff.clerk1.id, '2026-12-31'))).filter((x) => x.kind === 'segment');
    expect(tasks.map((x) => w.names[x.customer_id!]).sort()).toEqual(['A', 'B', 'E']);
    expect(tasks[0]).toMatchObject({ title: '回访', due_on: '2026-12-31', source: `segment:${segId}` });
    const before = await withTenant(h.services.dbs, w.t.id, (trx) => listOpenTasks(trx, w.t.id, w.staff.clerk1.id, '2026-12-30'));
    expect(before.filter((x) => x.kind === 'segment')).toEqual([]);
    // Handing the same segment over again with the same action adds nothing; a new action adds a task per member.
    const again = await withTenant(h.services.dbs, w.t.id, (trx) => handToClerks(trx, w.admin, segId, { title: '再回访', dueOn: '2026-12-31' }));
    expect(again.created).toBe(4);
  });

  it('a large hand-over is queued and its job writes the tasks in chunks; a job that dies midway resumes without a task twice', async () => {
    const taskCount = () =>
      withTenant(h.services.dbs, w.t.id, async (trx) => (await sql<{ n: number }>`select count(*)::int as n from clerk_tasks where tenant_id = ${w.t.id} and title = '大批回访'`.execute(trx)).rows[0]!.n);
    const r = await withTenant(h.services.dbs, w.t.id, (trx) => handToClerks(trx, w.admin, segId, { title: '大批回访', note: '新品', dueOn: '2026-12-31' }, { inlineMax: 2 }));
    expect(r).toMatchObject({ queued: true, total: 5, created: 0 });
    expect(await taskCount()).toBe(0);
    expect(await action(r.actionId)).toMatchObject({ kind: 'follow_up', status: 'queued', total: 5, done: 0 });
    // As if the job died after committing its first chunk of two customers: their tasks, the progress and the cursor.
    const ids = Object.values(w.ids).sort();
    await withTenant(h.services.dbs, w.t.id, async (trx) => {
      const a = (await trx.selectFrom('segment_actions').selectAll().where('id', '=', r.actionId).executeTakeFirstOrThrow());
      const firstTwo = await compileRule({ trx, actor: w.admin }, { all: [], none: [] });
      const c = await insertFollowUps(trx, w.t.id, firstTwo, { actionId: a.id, segmentId: segId, title: '大批回访', note: '新品', dueOn: '2026-12-31', label: a.created_by_label }, ids.slice(0, 2));
      await sql`update segment_actions set status = 'running', done = ${c.created}, skipped = ${c.skipped}, params = params || jsonb_build_object('cursor', ${ids[1]}::text) where id = ${r.actionId}`.execute(trx);
    });
    await processSegmentAction(h.services, w.t.id, r.actionId);
    await processSegmentAction(h.services, w.t.id, r.actionId); // a duplicate delivery of the job: nothing more
    expect(await action(r.actionId)).toMatchObject({ status: 'done', done: 4, skipped: 1 });
    expect(await taskCount()).toBe(4); // as the hand-over in one request: C has no serving clerk
    const task = (await withTenant(h.services.dbs, w.t.id, (trx) => listOpenTasks(trx, w.t.id, w.staff.clerk1.id, '2026-12-31'))).find((x) => x.title === '大批回访');
    expect(task).toMatchObject({ due_on: '2026-12-31', source: `segment:${segId}` });
  });

  it('exports every member and records the export', async () => {
    const out = await openMembersExport(h.services, w.admin, segId);
    const rows = [];
    for await (const chunk of out.chunks) rows.push(...chunk);
    expect(out.total).toBe(5);
    expect(rows.map((r) => r.display_name).sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
    const audit = await withTenant(h.services.dbs, w.t.id, (trx) => sql<{ action: string }>`select action from audit_log where tenant_id = ${w.t.id} and entity_id = ${segId} order by id`.execute(trx));
    expect(audit.rows.map((a) => a.action)).toEqual(['segment.create', 'segment.tag_add', 'segment.tag_add', 'segment.follow_up', 'segment.follow_up', 'segment.follow_up', 'segment.export']);
  });
});

describe('static segment from an uploaded list', () => {
  it('matches member numbers and mobiles (by their hash), reports the rows that matched nobody', async () => {
    const key = mobileHashKey(h.services.config.APP_ENCRYPTION_KEY);
    await withTenant(h.services.dbs, w.t.id, (trx) =>
      sql`insert into customer_identities (tenant_id, kind, value, customer_id, source) values (${w.t.id}, 'mobile', ${hashMobile(key, '13800000001')}, ${w.ids.B}, 'test')`.execute(trx),
    );
    const byMember = await withTenant(h.services.dbs, w.t.id, (trx) => createStaticFromUpload(trx, w.admin, key, { name: '会员名单', idType: 'member_no', text: 'M001\r\nM404\r\nM002,extra column\r\n' }));
    expect(byMember).toMatchObject({ rows: 3, matched: 2, unmatched: [{ line: 2, value: 'M404', reason: 'no_customer' }] });
    const byMobile = await withTenant(h.services.dbs, w.t.id, (trx) => createStaticFromUpload(trx, w.admin, key, { name: '手机名单', idType: 'mobile', text: '手机号\n+86 138-0000-0001\n12345\n13900000000\n' }));
    expect(byMobile).toMatchObject({ rows: 3, matched: 1, unmatched: [{ line: 3, value: '12345', reason: 'invalid_mobile' }, { line: 4, value: '13900000000', reason: 'no_customer' }] });
    const members = await withTenant(h.services.dbs, w.t.id, (trx) => sql<{ customer_id: string }>`select customer_id from segment_members where tenant_id = ${w.t.id} and segment_id = ${byMobile.segmentId}`.execute(trx));
    expect(members.rows.map((m) => w.names[m.customer_id])).toEqual(['B']);
  });
});

describe('a bulk tag action resumes after a crash', () => {
  it('continues after the last committed chunk (its cursor), never redoing the customers before it', async () => {
    const ids = Object.values(w.ids).sort();
    const { actionId } = await withTenant(h.services.dbs, w.t.id, (trx) => startBulkTag(trx, w.admin, segId, { op: 'remove', tagId: w.tags.I1 }));
    // As if the job died after committing its first chunk of two customers (progress and cursor, no more).
    await withTenant(h.services.dbs, w.t.id, (trx) =>
      sql`update segment_actions set status = 'running', done = 2, params = params || jsonb_build_object('cursor', ${ids[1]}::text) where tenant_id = ${w.t.id} and id = ${actionId}`.execute(trx),
    );
    await runSegmentAction(h.services, w.t.id, actionId, w.admin, { chunk: 2 });
    expect(await action(actionId)).toMatchObject({ status: 'done', total: 5, done: 5 });
    const left = await withTenant(h.services.dbs, w.t.id, (trx) => sql<{ customer_id: string }>`select customer_id from customer_internal_tags where tenant_id = ${w.t.id} and tag_id = ${w.tags.I1} order by customer_id`.execute(trx));
    // The two customers of the "committed" chunk were not touched again: they keep the tag.
    expect(left.rows.map((r) => r.customer_id)).toEqual(ids.slice(0, 2));
  });
});

describe("a static segment's bulk tag", () => {
  it('walks the frozen members from the cursor, chunk by chunk, leaving out a member merged away since', async () => {
    const ids = Object.values(w.ids).sort();
    const frozen = await withTenant(h.services.dbs, w.t.id, (trx) => createSegment(trx, w.admin, { name: 'frozen', kind: 'static', rule: {} }));
    const tagId = await withTenant(h.services.dbs, w.t.id, async (trx) => {
      const g = await trx.selectFrom('tag_groups').select('id').where('tenant_id', '=', w.t.id).where('kind', '=', 'internal').executeTakeFirstOrThrow();
      const t = await trx.insertInto('tags').values({ tenant_id: w.t.id, group_id: g.id, name: '批量', wecom_tag_id: null, push_error: null, created_by_label: 'test', deleted_at: null }).returning('id').executeTakeFirstOrThrow();
      await sql`update customers set merged_into = ${ids[0]!}::uuid where tenant_id = ${w.t.id} and id = ${ids[2]!}::uuid`.execute(trx);
      return t.id;
    });
    try {
      const { actionId, total } = await withTenant(h.services.dbs, w.t.id, (trx) => startBulkTag(trx, w.admin, frozen.id, { op: 'add', tagId }));
      expect(total).toBe(4);
      // As if the job died after committing a first chunk ending at the second member.
      await withTenant(h.services.dbs, w.t.id, (trx) =>
        sql`update segment_actions set status = 'running', done = 2, params = params || jsonb_build_object('cursor', ${ids[1]!}::text) where tenant_id = ${w.t.id} and id = ${actionId}`.execute(trx),
      );
      await runSegmentAction(h.services, w.t.id, actionId, w.admin, { chunk: 2 });
      expect(await action(actionId)).toMatchObject({ status: 'done', done: 4 });
      const tagged = await withTenant(h.services.dbs, w.t.id, (trx) => sql<{ customer_id: string }>`select customer_id from customer_internal_tags where tenant_id = ${w.t.id} and tag_id = ${tagId} order by customer_id`.execute(trx));
      expect(tagged.rows.map((r) => r.customer_id)).toEqual([ids[3], ids[4]]);
    } finally {
      await withTenant(h.services.dbs, w.t.id, (trx) => sql`update customers set merged_into = null where tenant_id = ${w.t.id} and id = ${ids[2]!}::uuid`.execute(trx));
    }
  });
});
