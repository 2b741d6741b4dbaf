/**
 * The full sync of one tenant's WeCom data: staff → tag groups and tags → customers and follow relations →
 * customer groups and members → finalize. A resumable job:
 *
 * - Checkpointed: the run row holds the phase and, for the contacts phase, the "lanes" — the follow users split
 *   into ≤100-userid batch/get_by_user cursor chains with the cursor after the last page that was written. Each
 *   write transaction commits its pages together with the lanes' new cursors, so a killed sync resumes after
 *   the last committed page: pages fetched but not yet written are read again, nothing is written twice.
 * - Concurrent: `concurrency` lanes are read at once; a single writer applies pages in batches of ~1,000
 *   relations with one statement per table (contacts.repository.ts). Reads run ahead of the writer, bounded.
 * - Idempotent: every write changes only rows whose values differ; a second run over the same data changes
 *   nothing (the run's counters show zeros).
 * - Ends, never deletes: a relation not seen by a complete run (and not touched since the run started) is
 *   ended; a chat not listed is marked dismissed.
 * - Progress (pages, relations and customers so far, estimate, ETA) is in the run row for the UI to poll.
 */
import { sql } from 'kysely';
import type { SyncCheckpoint, SyncLane, SyncPhase, SyncSource } from '../../db/schema/wecom';
import { mobileHashKey } from '../customers/mobile-identity';
import { markCustomersTouched, nudgeRefresh, requestFullRefresh } from '../customers/refresh';
import { linkOrdersForIdentities, loadTenantIngestContext, lockTenantIdentities, mergeCustomerPairs } from '../ingest/identity.service';
import { ConflictError } from '../lib/errors';
import type { Services } from '../services';
import { systemActor, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withSystem, withTenant, type TenantId, type Tx } from '../tenancy/context';
import type { WecomClient } from './client';
import { findConnection } from './connection.repository';
import { WecomNotConfiguredError } from './connection.service';
import { applyRelations, pairsFromBatch, resolveCustomers } from './contacts.repository';
import { applyGroupChats, linkGroupMembers, markChatsDismissed } from './groups.repository';
import { WECOM_JOBS, type SyncJobData } from './job-names';
import { describeWecomError, isPermanentWecomError, isWecomErrcode } from './messages';
import { wecomClientFor } from './runtime';
import { estimateRelations, lanesFraction, planLanes, syncProgress } from './sync-plan';
import {
  activeRun,
  beat,
  claimRun,
  finishRun,
  getRun,
  insertRun,
  liveCounts,
  listRuns,
  previousRelationCount,
  recordRunError,
  updateRun,
  type RunCounter,
  type SyncRunRow,
} from './sync.repository';
import { knownWecomTagIds, reconcileCorpTags } from './tags.repository';
import { WECOM_LIMITS, type BatchContactItem, type GroupChat } from './types';

export const SYNC_DEFAULTS = { concurrency: 8, lanesPerWorker: 3, batchItems: 2000, writers: 2, staleSeconds: 90, chatBatch: 25, fullRefreshAt: 5_000 } as const;

export class SyncAbortedError extends Error {
  override readonly name = 'SyncAbortedError';
  constructor() {
    super('sync stopped before it finished (it resumes from its checkpoint)');
  }
}

export interface SyncProgressEvent {
  phase: SyncPhase;
  pages: number;
  relations: number;
  customersCreated: number;
  estimate: number | null;
  fraction: number;
  etaSeconds: number | null;
  apiCalls: number;
}

export interface SyncOptions {
  /** Parallel API chains (lanes read at once, group chats read at once). Default 8. */
  concurrency?: number;
  /** Lanes planned per concurrent reader (more lanes = finer checkpoints, a few more partial pages). Default 3. */
  lanesPerWorker?: number;
  /** Relations per write transaction. Default 2,000. */
  batchItems?: number;
  /** Concurrent writers (each owns a share of the lanes). Default 2. */
  writers?: number;
  /** Take the run even if its heartbeat is fresh (the caller knows the previous worker is gone). */
  takeover?: boolean;
  /** Last attempt: a failure fails the run instead of leaving it resumable. */
  final?: boolean;
  jobId?: string;
  /** Stops the run where it is, like a killed process: nothing more is written, the checkpoint stays. */
  signal?: AbortSignal;
  onProgress?: (p: SyncProgressEvent) => void;
  client?: WecomClient;
}

// ---------------------------------------------------------------------------------------------------------------
// Starting

/** Creates a run (or returns the unfinished one) and hands it to the queue when a worker runs. */
export async function requestFullSync(services: Services, actor: Pick<Actor, 'tenantId' | 'staffId' | 'label' | 'requestId'>, source: SyncSource): Promise<{ runId: string; created: boolean }> {
  const tenantId = actor.tenantId;
  let res: { runId: string; created: boolean };
  try {
    res = await withTenant(services.dbs, tenantId, async (trx) => {
      const cur = await activeRun(trx, tenantId);
      if (cur) return { runId: cur.id, created: false };
      if (!(await findConnection(trx, tenantId))) throw new WecomNotConfiguredError();
      const runId = await insertRun(trx, tenantId, source, actor.label);
      await audit(trx, actor, { action: 'wecom.sync.start', entityType: 'wecom_sync_run', entityId: runId, after: { source } });
      return { runId, created: true };
    });
  } catch (e) {
    if ((e as { code?: string }).code === '23505') {
      const cur = await withTenant(services.dbs, tenantId, (trx) => activeRun(trx, tenantId));
      if (cur) return { runId: cur.id, created: false };
      throw new ConflictError('同步正在进行中 / A sync is already running');
    }
    throw e;
  }
  if (res.created) await enqueueSync(services, tenantId, res.runId);
  return res;
}

export async function enqueueSync(services: Services, tenantId: TenantId | string, runId: string): Promise<void> {
  if (!services.queue.started) return;
  const data: SyncJobData = { tenantId, runId };
  await services.queue.send(WECOM_JOBS.sync, data, { singletonKey: `sync:${runId}` });
}

// ---------------------------------------------------------------------------------------------------------------
// Running

interface Ctx {
  services: Services;
  tenantId: TenantId;
  runId: string;
  client: WecomClient;
  run: SyncRunRow;
  opts: SyncOptions;
  concurrency: number;
  lastCalls: number;
  previous: number | null;
  /** userid → staff id, filled as batches resolve clerks. */
  staffCache: Map<string, string>;
  /** Relations written by this process's run, and how many there were when the tables were last analyzed. */
  written: number;
  analyzedAt: number;
  /** A full analytics recompute was requested in a committed transaction of this process's run (see `touch`). */
  fullRequested: boolean;
  /** The contacts or the groups side failed: the other side stops too. */
  halted: boolean;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SyncAbortedError();
}

/** API calls since the last progress write (added to the run's counter). */
function callsDelta(ctx: Ctx): number {
  const now = ctx.client.stats.totalCalls;
  const d = now - ctx.lastCalls;
  ctx.lastCalls = now;
  return d;
}

/**
 * One write transaction of the sync. Commits do not wait for the WAL flush (synchronous_commit off, this
 * transaction only): a commit lost to a database crash takes its own checkpoint with it, so the run resumes
 * before it and reads those pages again — nothing is skipped, and nothing is written twice.
 */
async function write<T>(ctx: Ctx, fn: (trx: Tx) => Promise<T>): Promise<T> {
  checkAbort(ctx.opts.signal);
  return withTenant(ctx.services.dbs, ctx.tenantId, async (trx) => {
    // Custom plans: the statements take arrays of ids whose size the generic plan of a prepared statement does not
    // know, and a generic plan chose a scan of the tenant's rows with the array as a filter (100× slower).
    await sql`select set_config('synchronous_commit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)`.execute(trx);
    return fn(trx);
  });
}

interface ProgressPatch {
  phase?: SyncPhase;
  checkpoint?: SyncCheckpoint;
  lanes?: Map<number, SyncLane>;
  groupListDone?: boolean;
  estimate?: number | null;
}

async function progress(ctx: Ctx, add: Partial<Record<RunCounter, number>>, patch: ProgressPatch, trx: Tx): Promise<void> {
  const all = { ...add, api_calls: (add.api_calls ?? 0) + callsDelta(ctx) };
  await updateRun(trx, ctx.tenantId, ctx.runId, { add: all, ...patch });
  const r = ctx.run;
  for (const [k, v] of Object.entries(all)) (r as unknown as Record<string, number>)[k] = ((r as unknown as Record<string, number>)[k] ?? 0) + (v ?? 0);
  if (patch.phase) r.phase = patch.phase;
  if (patch.checkpoint) r.checkpoint = patch.checkpoint;
  if (patch.lanes) {
    const lanes = [...(r.checkpoint.lanes ?? [])];
    for (const [i, l] of patch.lanes) lanes[i] = l;
    r.checkpoint = { ...r.checkpoint, lanes };
  }
  if (patch.groupListDone !== undefined) r.checkpoint = { ...r.checkpoint, groupListDone: patch.groupListDone };
  if (patch.estimate !== undefined) r.estimate_relations = patch.estimate;
  if (ctx.opts.onProgress) {
    const p = syncProgress({ status: 'running', phase: r.phase, relationsSeen: r.relations_seen, lanes: r.checkpoint.lanes ?? [], estimate: r.estimate_relations, chatsTotal: 0, chatsDone: 0, startedAt: r.started_at, now: new Date() });
    ctx.opts.onProgress({ phase: r.phase, pages: r.pages, relations: r.relations_seen, customersCreated: r.customers_created, estimate: r.estimate_relations, fraction: p.fraction, etaSeconds: p.etaSeconds, apiCalls: r.api_calls });
  }
}

/**
 * Runs (or resumes) one sync run to its end. Returns 'skipped' when another worker holds the run or it has
 * ended. Throws SyncAbortedError when `signal` stops it; other errors are recorded on the run and rethrown.
 */
export async function runFullSync(services: Services, tenantId: TenantId, runId: string, opts: SyncOptions = {}): Promise<'done' | 'skipped'> {
  const claimed = await withTenant(services.dbs, tenantId, (trx) => claimRun(trx, tenantId, runId, { takeover: opts.takeover === true, staleSeconds: SYNC_DEFAULTS.staleSeconds, jobId: opts.jobId }));
  if (!claimed) return 'skipped';
  const client = opts.client ?? (await wecomClientFor(services, tenantId));
  const previous = await withTenant(services.dbs, tenantId, (trx) => previousRelationCount(trx, tenantId, runId));
  const ctx: Ctx = { services, tenantId, runId, client, run: claimed, opts, concurrency: Math.max(1, opts.concurrency ?? SYNC_DEFAULTS.concurrency), lastCalls: client.stats.totalCalls, previous, staffCache: new Map(), written: 0, analyzedAt: previous ?? 0, fullRequested: false, halted: false };
  const heartbeat = setInterval(() => {
    if (!opts.signal?.aborted) void withTenant(services.dbs, tenantId, (trx) => beat(trx, tenantId, runId)).catch(() => undefined);
  }, 20_000);
  heartbeat.unref();
  try {
    if (ctx.run.phase === 'staff') await phaseStaff(ctx);
    if (ctx.run.phase === 'tags') await phaseTags(ctx);
    // Groups use other APIs (their own rate budget) and their own rows: they are read alongside the contacts. If
    // one side fails, the other stops at its next page or chat batch and is awaited, so nothing of this attempt
    // keeps writing in the background while the job retries the run.
    if (ctx.run.phase === 'contacts') {
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
    if (ctx.run.phase === 'groups') await readGroups(ctx);
    if (ctx.run.phase === 'groups') await write(ctx, (trx) => progress(ctx, {}, { phase: 'finalize' }, trx));
    if (ctx.run.phase === 'finalize') await phaseFinalize(ctx);
    await nudgeRefresh(services, tenantId);
    return 'done';
  } catch (e) {
    if (e instanceof SyncAbortedError || opts.signal?.aborted) throw e instanceof SyncAbortedError ? e : new SyncAbortedError();
    const permanent = isPermanentWecomError(e) || e instanceof WecomNotConfiguredError;
    const message = describeWecomError(e);
    services.log.warn('wecom sync failed', { tenantId, runId, phase: ctx.run.phase, error: message, final: opts.final === true || permanent });
    await withTenant(services.dbs, tenantId, (trx) => recordRunError(trx, tenantId, runId, ctx.run.phase, message, opts.final === true || permanent)).catch(() => undefined);
    throw e;
  } finally {
    clearInterval(heartbeat);
  }
}

// ---- staff -------------------------------------------------------------------------------------------------------

async function phaseStaff(ctx: Ctx): Promise<void> {
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

async function phaseTags(ctx: Ctx): Promise<void> {
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

/** A bounded FIFO between the readers and the single writer. */
class PageQueue {
  private readonly items: FetchedPage[] = [];
  private takers: (() => void)[] = [];
  private pushers: (() => void)[] = [];
  private closed = false;
  constructor(private readonly max: number) {}

  async push(p: FetchedPage): Promise<void> {
    while (this.items.length >= this.max && !this.closed) await new Promise<void>((r) => this.pushers.push(r));
    if (this.closed) return;
    this.items.push(p);
    this.wake('take');
  }

  /** Waits for at least one page (or close) and takes pages up to `maxItems` relations. */
  async take(maxItems: number): Promise<FetchedPage[]> {
    while (this.items.length === 0 && !this.closed) await new Promise<void>((r) => this.takers.push(r));
    const out: FetchedPage[] = [];
    let n = 0;
    while (this.items.length > 0 && (out.length === 0 || n + this.items[0]!.items.length <= maxItems)) {
      const p = this.items.shift()!;
      n += p.items.length;
      out.push(p);
    }
    this.wake('push');
    return out;
  }

  close(): void {
    this.closed = true;
    this.wake('take');
    this.wake('push');
  }

  private wake(which: 'take' | 'push'): void {
    const ws = which === 'take' ? this.takers : this.pushers;
    if (which === 'take') this.takers = [];
    else this.pushers = [];
    for (const w of ws) w();
  }
}

async function phaseContacts(ctx: Ctx): Promise<void> {
  const { client, tenantId: t, opts } = ctx;
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
  const queues = Array.from({ length: writers }, () => new PageQueue(queueCapacity));
  const pending = lanes.map((_, i) => i).filter((i) => !lanes[i]!.done);
  let failure: unknown = null;
  let stopped = false;

  const readLane = async (i: number): Promise<void> => {
    const lane = lanes[i]!;
    let cursor = lane.cursor;
    for (;;) {
      if (failure !== null || stopped || ctx.halted || opts.signal?.aborted) return;
      const r = await client.batchGetByUser({ userid_list: lane.userids, cursor, limit: 100 });
      await queues[i % writers]!.push({ lane: i, nextCursor: r.next_cursor, items: r.external_contact_list, fetchedAt: new Date() });
      if (!r.next_cursor) return;
      cursor = r.next_cursor;
    }
  };
  const readers = Promise.all(
    Array.from({ length: Math.min(ctx.concurrency, Math.max(1, pending.length)) }, async () => {
      while (pending.length > 0 && failure === null && !stopped && !ctx.halted && !opts.signal?.aborted) {
        const i = pending.shift()!;
        try {
          await readLane(i);
        } catch (e) {
          failure ??= e;
        }
      }
    }),
  ).finally(() => {
    for (const q of queues) q.close();
  });

  const writeLoop = async (q: PageQueue): Promise<void> => {
    try {
      for (;;) {
        const pages = await q.take(batchItems);
        if (pages.length === 0 || opts.signal?.aborted || stopped || ctx.halted) return;
        await writeContactPages(ctx, lanes, pages, known, mobileKey);
      }
    } catch (e) {
      // A failed writer stops everyone: its queue has no consumer any more, so readers of its lanes would block
      // on it forever, and the other writers would wait for lanes nobody reads.
      stopped = true;
      for (const x of queues) x.close();
      throw e;
    }
  };
  try {
    const results = await Promise.allSettled(queues.map((q) => writeLoop(q)));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  } finally {
    // Readers blocked on a full queue must not wait for a writer that has stopped.
    stopped = true;
    for (const q of queues) q.close();
    await readers;
  }
  checkAbort(opts.signal);
  if (failure !== null) throw failure;
  // Stopped because the group side failed: the lanes are not done, so the phase must not move on.
  if (ctx.halted) throw new HaltedBySibling();
  await write(ctx, (trx) => progress(ctx, {}, { phase: 'groups' }, trx));
}

/** The contacts side stopped because the groups side failed (that failure is the one reported). */
class HaltedBySibling extends Error {}

/**
 * Whether this run creates most of the tenant (a chain's first sync): at least `fullRefreshAt` customers, and at
 * least a fifth as many as the relations the previous complete run saw. Then one full analytics recompute after
 * the sync beats queueing each customer and recomputing them in incremental batches
 * (`bench/wecom-sync/analytics-catchup.ts`, 100,000 customers: 0.9 s against 3.8 s of refresh work; ADR 0007 item 9).
 */
function wholeTenant(ctx: Ctx, createdNow = 0): boolean {
  return ctx.run.customers_created + createdNow >= Math.max(SYNC_DEFAULTS.fullRefreshAt, 0.2 * (ctx.previous ?? 0));
}

/**
 * Marks customers for the analytics refresh, or — once the run creates most of the tenant — asks for a full
 * recompute instead, in the same transaction as the marks it replaces (so nothing skipped goes unrequested; once
 * per process after that request committed, to keep the writers off one row lock). The finalize step asks again,
 * in case a recompute ran during the sync and consumed the first request. Returns whether it asked.
 * `createdNow`: customers created by the calling transaction and not yet counted in the run.
 */
async function touch(ctx: Ctx, trx: Tx, ids: string[], reason: string, createdNow = 0): Promise<boolean> {
  if (!wholeTenant(ctx, createdNow)) {
    await markCustomersTouched(trx, ctx.tenantId, ids, reason);
    return false;
  }
  if (ctx.fullRequested) return false;
  await requestFullRefresh(trx, ctx.tenantId, 'wecom.sync: first sync of most of the tenant');
  return true;
}

/**
 * Ids in a fixed order: the two writers may mark the same customer (one served by clerks of both writers' lanes)
 * and rows locked in one order by both cannot deadlock.
 */
function sorted(ids: readonly string[]): string[] {
  return [...ids].sort();
}

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
    const c = await resolveCustomers(trx, t, pairs, ctx.staffCache, { returnIdentities: false });
    if (c.mergePairs.length > 0) {
      const prio = (await loadTenantIngestContext(trx, t)).priority;
      await mergeCustomerPairs(trx, systemActor(t, '', 'wecom-sync'), c.mergePairs, prio, 'wecom: external_userid and unionid of one person');
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

async function mapConcurrent<T, R>(xs: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let at = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, xs.length) }, async () => {
      while (at < xs.length) {
        const i = at++;
        out[i] = await fn(xs[i]!);
      }
    }),
  );
  return out;
}

/** Lists the group chats (once per run), then reads and writes those not read yet. Resumable by itself. */
async function readGroups(ctx: Ctx): Promise<void> {
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

async function phaseFinalize(ctx: Ctx): Promise<void> {
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

// ---------------------------------------------------------------------------------------------------------------
// Reading runs for the UI and the CLI

export interface SyncRunView {
  id: string;
  status: SyncRunRow['status'];
  phase: SyncPhase;
  source: SyncSource;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationSeconds: number | null;
  pages: number;
  apiCalls: number;
  staff: { seen: number; created: number };
  tags: { seen: number; changed: number };
  relations: { seen: number; created: number; updated: number; ended: number };
  customers: { seen: number; created: number; updated: number };
  followTagsChanged: number;
  groups: { seen: number; changed: number; dismissed: number };
  ordersLinked: number;
  estimate: number | null;
  fraction: number;
  etaSeconds: number | null;
  errors: { at: string; phase: string; message: string }[];
  errorMessage: string | null;
  attempts: number;
}

export function runView(r: SyncRunRow, live?: { customers: number; chatsTotal: number; chatsDone: number }, now = new Date()): SyncRunView {
  const p = syncProgress({ status: r.status, phase: r.phase, relationsSeen: r.relations_seen, lanes: r.checkpoint.lanes ?? [], estimate: r.estimate_relations, chatsTotal: live?.chatsTotal ?? 0, chatsDone: live?.chatsDone ?? 0, startedAt: r.started_at, now });
  const end = r.finished_at ?? (r.status === 'running' ? now : null);
  return {
    id: r.id,
    status: r.status,
    phase: r.phase,
    source: r.source,
    createdBy: r.created_by_label,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationSeconds: r.started_at && end ? Math.max(0, Math.round((new Date(end).getTime() - new Date(r.started_at).getTime()) / 100) / 10) : null,
    pages: r.pages,
    apiCalls: r.api_calls,
    staff: { seen: r.staff_seen, created: r.staff_created },
    tags: { seen: r.tags_seen, changed: r.tags_changed },
    relations: { seen: r.relations_seen, created: r.relations_created, updated: r.relations_updated, ended: r.relations_ended },
    customers: { seen: r.status === 'done' ? r.customers_seen : (live?.customers ?? r.customers_seen), created: r.customers_created, updated: r.customers_updated },
    followTagsChanged: r.follow_tags_changed,
    groups: { seen: r.groups_seen, changed: r.groups_changed, dismissed: r.groups_dismissed },
    ordersLinked: r.orders_linked,
    estimate: r.status === 'done' ? r.relations_seen : r.estimate_relations,
    fraction: p.fraction,
    etaSeconds: p.etaSeconds,
    errors: r.errors,
    errorMessage: r.error_message,
    attempts: r.attempts,
  };
}

export async function syncOverview(trx: Tx, tenantId: TenantId): Promise<{ active: SyncRunView | null; history: SyncRunView[] }> {
  const runs = await listRuns(trx, tenantId, 20);
  const active = runs.find((r) => r.status === 'queued' || r.status === 'running') ?? null;
  const live = active ? await liveCounts(trx, tenantId, active.id) : undefined;
  return { active: active ? runView(active, live) : null, history: runs.map((r) => (r === active ? runView(r, live) : runView(r))) };
}

export async function syncRunView(trx: Tx, tenantId: TenantId, runId: string): Promise<SyncRunView | null> {
  const r = await getRun(trx, tenantId, runId);
  if (!r) return null;
  return runView(r, r.status === 'running' || r.status === 'queued' ? await liveCounts(trx, tenantId, runId) : undefined);
}
