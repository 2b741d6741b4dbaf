/**
 * The steps of a full sync (sync.service.ts runs them in order; the rules are in its header and ADR 0005):
 * staff → tag groups and tags → customers and follow relations, with the group chats read alongside → finalize.
 * Each step records its progress and the next phase in the run row in the transaction that ends it.
 */
import { sql } from 'kysely';
import type { SyncLane } from '../../db/schema/wecom';
import { mobileHashKey } from '../customers/mobile-identity';
import { markCustomersTouched, requestFullRefresh } from '../customers/refresh';
import { linkOrdersForIdentities, loadTenantIngestContext, lockTenantIdentities, mergeCustomerPairs } from '../customers/identity.service';
import { systemActor } from '../tenancy/actor';
import { withSystem, withTenant } from '../tenancy/context';
import { BoundedQueue, drainPool, firstRejection, mapConcurrent } from './concurrency';
import { applyRelations, pairsFromBatch, resolveContactBatch } from './contacts.repository';
import { applyGroupChats, linkGroupMembers, markChatsDismissed } from './groups.repository';
import { isPermanentWecomError, isWecomErrcode } from './messages';
import { estimateRelations, lanesFraction, planLanes } from './sync-plan';
import { callsDelta, checkAbort, progress, sorted, SYNC_DEFAULTS, touch, wholeTenant, write, type Ctx } from './sync.context';
import { finishRun, getRun, updateRun } from './sync.repository';
import { knownWecomTagIds, reconcileCorpTags } from './tags.repository';
import { WECOM_LIMITS, type BatchContactItem, type GroupChat } from './types';

// ---- staff -------------------------------------------------------------------------------------------------------

export async function phaseStaff(ctx: Ctx): Promise<void> {
  const { client, tenantId: t } = ctx;
  const follow = await client.listFollowUsers();
  checkAbort(ctx.opts.signal);
  const names = new Map<string, string>();
  try {
    for (const u of await client.listUsers(1, true)) if (u.name) names.set(u.userid, u.name);
  } catch (e) {
    // Newer apps may not read names (48002/60011…): userids are names enough until someone renames the clerk.
    if (!isPermanentWecomError(e)) throw e;
  }
  const lanes = planLanes(follow, ctx.concurrency * (ctx.opts.lanesPerWorker ?? SYNC_DEFAULTS.lanesPerWorker));
  const rows = follow.map((userid) => ({ userid, name: names.get(userid) ?? userid }));
  await write(ctx, async (trx) => {
    const r = await sql<{ created: number }>`
      with u as (select * from jsonb_to_recordset((${JSON.stringify(rows)}::text)::jsonb) as x(userid text, name text)),
      ins as (
        insert into staff (tenant_id, name, role, wecom_userid, imported)
        select ${t}::uuid, left(coalesce(nullif(u.name, ''), u.userid), 60), 'clerk', u.userid, true from u
        on conflict (tenant_id, wecom_userid) do nothing
        returning 1
      ),
      upd as (
        update staff s set name = left(u.name, 60)
        from u where s.tenant_id = ${t}::uuid and s.wecom_userid = u.userid and s.imported and u.name <> '' and u.name <> u.userid and s.name is distinct from left(u.name, 60)
        returning 1
      )
      select (select count(*)::int from ins) + (select count(*)::int from upd) as created`.execute(trx);
    await progress(ctx, { staff_seen: follow.length, staff_created: r.rows[0]?.created ?? 0 }, { phase: 'tags', checkpoint: { followUsers: follow.length, lanes } }, trx);
  });
}

// ---- tags --------------------------------------------------------------------------------------------------------

export async function phaseTags(ctx: Ctx): Promise<void> {
  const r = await ctx.client.getCorpTagList();
  await write(ctx, async (trx) => {
    const rec = await reconcileCorpTags(trx, ctx.tenantId, r.tag_group, 'full');
    await progress(ctx, { tags_seen: rec.tagsSeen, tags_changed: rec.tagsChanged + rec.groupsChanged, follow_tags_changed: rec.followTagsRemoved }, { phase: 'contacts' }, trx);
  });
}

// ---- contacts ----------------------------------------------------------------------------------------------------

interface FetchedPage {
  lane: number;
  nextCursor: string;
  items: BatchContactItem[];
  fetchedAt: Date;
}

type PageQueue = BoundedQueue<FetchedPage>;

/**
 * Contacts and group chats side by side. Groups use other APIs (their own rate budget) and their own rows: they
 * are read alongside the contacts. If one side fails, the other stops at its next page or chat batch and is
 * awaited, so nothing of this attempt keeps writing in the background while the job retries the run.
 */
export async function phaseContactsWithGroups(ctx: Ctx): Promise<void> {
  const sides = await Promise.allSettled(
    [phaseContacts(ctx), readGroups(ctx)].map((p) =>
      p.catch((e: unknown) => {
        ctx.halted = true;
        throw e;
      }),
    ),
  );
  const failed = sides.filter((x): x is PromiseRejectedResult => x.status === 'rejected').map((x) => x.reason as unknown);
  if (failed.length > 0) throw failed.find((e) => !(e instanceof HaltedBySibling)) ?? failed[0];
}

/** The contacts side: readers of the lanes feed bounded queues, one per writer; see `readLanes`, `writeQueue`. */
async function phaseContacts(ctx: Ctx): Promise<void> {
  const { tenantId: t, opts } = ctx;
  const lanes: SyncLane[] = (ctx.run.checkpoint.lanes ?? []).map((l) => ({ ...l }));
  const known = await withTenant(ctx.services.dbs, t, (trx) => knownWecomTagIds(trx, t));
  const mobileKey = mobileHashKey(ctx.services.config.APP_ENCRYPTION_KEY);
  // Writers: each owns the lanes i % writers, so pages of a lane are written in order and each writer patches
  // only its own lanes in the checkpoint.
  const writers = Math.max(1, Math.min(opts.writers ?? SYNC_DEFAULTS.writers, lanes.length || 1));
  // Room for a whole batch plus a page per reader: with less (it was 12 pages), a writer's batch could never reach
  // `batchItems` and the identity-locked step ran ~140 times instead of ~100 per 100k-customer sync, each with a
  // fixed cost under the lock (bench: 14.9–15.1 s → 13.2–14.2 s interleaved).
  const batchItems = opts.batchItems ?? SYNC_DEFAULTS.batchItems;
  const queueCapacity = Math.ceil(batchItems / WECOM_LIMITS.batchPageSize) + ctx.concurrency;
  const queues = Array.from({ length: writers }, () => new BoundedQueue<FetchedPage>(queueCapacity, (p) => p.items.length));
  const run: LanesRun = { ctx, lanes, queues, failure: null, stopped: false };
  const readers = readLanes(run);
  try {
    const results = await Promise.allSettled(queues.map((q) => writeQueue(run, q, batchItems, (pages) => writeContactPages(ctx, lanes, pages, known, mobileKey))));
    const rejected = firstRejection(results);
    if (rejected) throw rejected.reason;
  } finally {
    // Readers blocked on a full queue must not wait for a writer that has stopped.
    run.stopped = true;
    for (const q of queues) q.close();
    await readers;
  }
  checkAbort(opts.signal);
  if (run.failure !== null) throw run.failure;
  // Stopped because the group side failed: the lanes are not done, so the phase must not move on.
  if (ctx.halted) throw new HaltedBySibling();
  await write(ctx, (trx) => progress(ctx, {}, { phase: 'groups' }, trx));
}

/** The readers and writers of the contacts step, and what stops them. */
interface LanesRun {
  ctx: Ctx;
  lanes: SyncLane[];
  queues: PageQueue[];
  /** The first read error: the readers stop, the writers write what was read and stop. */
  failure: unknown;
  /** A writer failed (or the step ends): everyone stops. */
  stopped: boolean;
}

/** `concurrency` readers take the unfinished lanes one at a time; the queues close when the last one stops. */
async function readLanes(run: LanesRun): Promise<void> {
  const { ctx, lanes, queues } = run;
  const writers = queues.length;
  const reading = () => run.failure === null && !run.stopped && !ctx.halted && !ctx.opts.signal?.aborted;
  const pending = lanes.map((_, i) => i).filter((i) => !lanes[i]!.done);
  const readLane = async (i: number): Promise<void> => {
    const lane = lanes[i]!;
    let cursor = lane.cursor;
    for (;;) {
      if (!reading()) return;
      const r = await ctx.client.batchGetByUser({ userid_list: lane.userids, cursor, limit: 100 });
      await queues[i % writers]!.push({ lane: i, nextCursor: r.next_cursor, items: r.external_contact_list, fetchedAt: new Date() });
      if (!r.next_cursor) return;
      cursor = r.next_cursor;
    }
  };
  try {
    await drainPool(pending, ctx.concurrency, reading, readLane, (e) => {
      run.failure ??= e;
    });
  } finally {
    for (const q of queues) q.close();
  }
}

/** One writer: writes its queue's pages in batches of up to `batchItems` relations until the queue closes. */
async function writeQueue(run: LanesRun, q: PageQueue, batchItems: number, writePages: (pages: FetchedPage[]) => Promise<void>): Promise<void> {
  const { ctx } = run;
  try {
    for (;;) {
      const pages = await q.take(batchItems);
      if (pages.length === 0 || ctx.opts.signal?.aborted || run.stopped || ctx.halted) return;
      await writePages(pages);
    }
  } catch (e) {
    // A failed writer stops everyone: its queue has no consumer any more, so readers of its lanes would block
    // on it forever, and the other writers would wait for lanes nobody reads.
    run.stopped = true;
    for (const x of run.queues) x.close();
    throw e;
  }
}

/** The contacts side stopped because the groups side failed (that failure is the one reported). */
class HaltedBySibling extends Error {}

async function writeContactPages(ctx: Ctx, lanes: SyncLane[], pages: FetchedPage[], known: Set<string>, mobileKey: ReturnType<typeof mobileHashKey>): Promise<void> {
  const t = ctx.tenantId;
  const items = pages.flatMap((p) => p.items);
  // Tags created after the tag phase: read just those, so the relations' tags are not lost.
  const unknown = [...new Set(items.flatMap((i) => i.follow_info.tag_id))].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    for (const id of unknown) known.add(id);
    const r = await ctx.client.getCorpTagList({ tag_id: unknown });
    await write(ctx, (trx) => reconcileCorpTags(trx, t, r.tag_group, 'partial'));
  }
  const pairs = pairsFromBatch(items, mobileKey);
  const fetchedAt = new Date(Math.min(...pages.map((p) => p.fetchedAt.getTime())));
  // 1. Customers and identities, serialised with every other identity writer of the tenant (imports, callbacks).
  let asked = false;
  const ids = await write(ctx, async (trx) => {
    await lockTenantIdentities(trx, t);
    const c = await resolveContactBatch(trx, t, pairs, ctx.staffCache, { returnIdentities: false });
    if (c.mergePairs.length > 0) {
      const prio = (await loadTenantIngestContext(trx, t)).priority;
      await mergeCustomerPairs(trx, systemActor(t, '', 'wecom-sync'), c.mergePairs, prio, 'wecom: identities of one person');
    }
    // New customers are marked with their new relations (step 2); here only changed existing ones.
    const created = new Set(c.createdIds);
    // Marks before the run's progress row, as in step 2: both writers lock in the same order.
    asked = await touch(ctx, trx, sorted(c.touched.filter((id) => !created.has(id))), 'wecom.sync', c.customersCreated);
    await progress(ctx, { customers_created: c.customersCreated, customers_updated: c.customersUpdated, staff_created: c.staffCreated }, {}, trx);
    return c;
  });
  if (asked) ctx.fullRequested = true;
  // 2. Relations, tags and the lanes' new cursors, in one transaction: a killed sync resumes after the last
  //    committed page (step 1 of a page written again changes nothing).
  const patch = new Map<number, SyncLane>();
  for (const p of pages) {
    const l = { ...(patch.get(p.lane) ?? lanes[p.lane]!) };
    l.cursor = p.nextCursor;
    l.done = p.nextCursor === '';
    l.pages += 1;
    l.items += p.items.length;
    const last = p.items[p.items.length - 1];
    if (last) l.lastUser = Math.max(l.lastUser, l.userids.indexOf(last.follow_info.userid));
    if (l.done) l.lastUser = l.userids.length;
    patch.set(p.lane, l);
  }
  const next = lanes.map((l, i) => patch.get(i) ?? l);
  const estimate = estimateRelations(ctx.run.relations_seen + items.length, lanesFraction(next), ctx.previous);
  await write(ctx, async (trx) => {
    const r = await applyRelations(trx, t, pairs, ids, { runId: ctx.runId, fetchedAt });
    asked = await touch(ctx, trx, sorted(r.touched), 'wecom.sync');
    await progress(
      ctx,
      { pages: pages.length, relations_seen: items.length, relations_created: r.relationsCreated, relations_updated: r.relationsUpdated, follow_tags_changed: r.followTagsChanged },
      { lanes: patch, estimate },
      trx,
    );
  });
  if (asked) ctx.fullRequested = true;
  for (const [i, l] of patch) lanes[i] = l;
  ctx.written += items.length;
  await keepStatistics(ctx);
}

/**
 * The tables whose plans depend on their statistics while a sync runs: customers (the update of a batch's changed
 * known customers filters `id = any(...)`) and customer_identities (late linking of orders at the end). The
 * identity, customer and group-member lookups probe the primary key whatever the statistics say,
 * customer_follows and customer_refresh_queue are written by primary key only, and staff has a few hundred rows.
 */
const SYNC_TABLES = ['customers', 'customer_identities'];

/**
 * The first sync of a large tenant grows these tables from nothing to hundreds of thousands of rows within a
 * minute, faster than autovacuum re-analyzes them. Planned on "empty table" statistics, `= any($ids)` lookups
 * become scans of the whole tenant per page (measured: 2.4 s instead of 20 ms per 2,000 ids at 40,000 customers).
 * So the sync analyzes them itself each time the relations it wrote grow fourfold (from 5,000: at 5k, 20k, 80k,
 * 320k…): a handful of cheap sampled ANALYZEs per sync, none on a re-sync whose tables were already that size.
 */
async function keepStatistics(ctx: Ctx): Promise<void> {
  if (ctx.written < Math.max(5_000, 4 * ctx.analyzedAt)) return;
  ctx.analyzedAt = ctx.written;
  await withSystem(ctx.services.dbs, (db) => sql`analyze ${sql.raw(SYNC_TABLES.join(', '))}`.execute(db));
}

// ---- groups ------------------------------------------------------------------------------------------------------

/** Lists the group chats (once per run), then reads and writes those not read yet. Resumable by itself. */
export async function readGroups(ctx: Ctx): Promise<void> {
  const { client, tenantId: t, runId } = ctx;
  if (!ctx.run.checkpoint.groupListDone) {
    const owners = (ctx.run.checkpoint.lanes ?? []).flatMap((l) => l.userids);
    for await (const page of client.iterateGroupChats({ ownerUserids: owners })) {
      if (page.chats.length === 0) continue;
      await write(ctx, (trx) =>
        sql`insert into wecom_sync_chats (tenant_id, run_id, chat_id, status)
          select ${t}::uuid, ${runId}::uuid, x.chat_id, x.status from unnest(${page.chats.map((c) => c.chat_id)}::text[], ${page.chats.map((c) => c.status)}::int[]) as x(chat_id, status)
          on conflict (tenant_id, run_id, chat_id) do update set status = excluded.status`.execute(trx),
      );
    }
    await write(ctx, (trx) => progress(ctx, {}, { groupListDone: true }, trx));
  }
  // groupchat/get has its own rate budget and concurrency limit (both are per API), so group reads run at the same
  // concurrency as the contact reads beside them. They used to take a quarter of it: the ~130 chats of a
  // 100k-customer sync still unread when the contacts were done were then read two at a time, after everything
  // else — 2–2.6 s of tail (bench: 12.1 / 12.9 s → 10.3 / 10.1 s).
  const concurrency = ctx.concurrency;
  for (;;) {
    const todo = await withTenant(ctx.services.dbs, t, (trx) =>
      trx.selectFrom('wecom_sync_chats').select(['chat_id', 'status']).where('tenant_id', '=', t).where('run_id', '=', runId).where('done', '=', false).orderBy('chat_id').limit(SYNC_DEFAULTS.chatBatch).execute(),
    );
    if (todo.length === 0 || ctx.halted) break;
    checkAbort(ctx.opts.signal);
    const read = await mapConcurrent(todo, concurrency, async ({ chat_id, status }): Promise<{ chat: GroupChat; status: number } | { gone: string }> => {
      if (ctx.opts.signal?.aborted) return { gone: '' };
      try {
        return { chat: await client.getGroupChat(chat_id, true), status };
      } catch (e) {
        // Dismissed between the list and the read.
        if (isWecomErrcode(e, 40050)) return { gone: chat_id };
        throw e;
      }
    });
    checkAbort(ctx.opts.signal);
    const chats = read.flatMap((x) => ('chat' in x ? [x] : []));
    const gone = read.flatMap((x) => ('gone' in x && x.gone ? [x.gone] : []));
    await write(ctx, async (trx) => {
      const g = await applyGroupChats(trx, t, chats);
      const d = await markChatsDismissed(trx, t, gone);
      await sql`update wecom_sync_chats set done = true where tenant_id = ${t}::uuid and run_id = ${runId}::uuid and chat_id = any(${todo.map((x) => x.chat_id)}::text[])`.execute(trx);
      await progress(ctx, { groups_seen: chats.length, groups_changed: g.chatsChanged + g.membersChanged, groups_dismissed: d }, {}, trx);
    });
  }
}

// ---- finalize ----------------------------------------------------------------------------------------------------

export async function phaseFinalize(ctx: Ctx): Promise<void> {
  const { tenantId: t, runId } = ctx;
  const startedAt = ctx.run.started_at ?? new Date();
  await write(ctx, async (trx) => {
    await lockTenantIdentities(trx, t);
    // The seen set is hashed once (NOT IN over a hashed subplan), whatever the planner knows about it.
    await sql`select set_config('work_mem', '128MB', true)`.execute(trx);
    const ended = await sql<{ customer_id: string }>`
      update customer_follows f set ended_at = now(), end_reason = 'sync.missing', updated_at = now()
      where f.tenant_id = ${t}::uuid and f.ended_at is null and f.updated_at < ${startedAt}
        and (f.customer_id, f.staff_id) not in (
          select u.c, u.s from wecom_sync_seen w, unnest(w.customer_ids, w.staff_ids) as u(c, s)
          where w.tenant_id = ${t}::uuid and w.run_id = ${runId}::uuid)
      returning f.customer_id`.execute(trx);
    if (wholeTenant(ctx)) await requestFullRefresh(trx, t, 'wecom.sync: first sync of most of the tenant');
    else await markCustomersTouched(trx, t, [...new Set(ended.rows.map((r) => r.customer_id))], 'wecom.sync.ended');
    const dismissed = await sql`
      update wecom_group_chats g set dismissed_at = now(), updated_at = now()
      where g.tenant_id = ${t}::uuid and g.dismissed_at is null and g.updated_at < ${startedAt}
        and g.chat_id not in (select c.chat_id from wecom_sync_chats c where c.tenant_id = ${t}::uuid and c.run_id = ${runId}::uuid)`.execute(trx);
    const seen = await sql<{ n: number }>`select count(distinct c)::int as n from wecom_sync_seen w, unnest(w.customer_ids) c where w.tenant_id = ${t}::uuid and w.run_id = ${runId}::uuid`.execute(trx);
    const linked = await linkOrdersForIdentities(trx, t);
    await linkGroupMembers(trx, t);
    await sql`delete from wecom_sync_seen where tenant_id = ${t}::uuid and run_id = ${runId}::uuid`.execute(trx);
    await sql`delete from wecom_sync_chats where tenant_id = ${t}::uuid and run_id = ${runId}::uuid`.execute(trx);
    await updateRun(trx, t, runId, {
      add: { relations_ended: ended.rows.length, groups_dismissed: Number(dismissed.numAffectedRows ?? 0), orders_linked: linked, api_calls: callsDelta(ctx) },
      set: { customers_seen: seen.rows[0]?.n ?? 0 },
    });
    await finishRun(trx, t, runId);
  });
  ctx.run.phase = 'done';
  const r = await withTenant(ctx.services.dbs, t, (trx) => getRun(trx, t, runId));
  if (r && ctx.opts.onProgress) ctx.opts.onProgress({ phase: 'done', pages: r.pages, relations: r.relations_seen, customersCreated: r.customers_created, estimate: r.relations_seen, fraction: 1, etaSeconds: 0, apiCalls: r.api_calls });
}

