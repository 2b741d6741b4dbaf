/**
 * What the steps of one full-sync run share (sync.service.ts runs them, sync.steps.ts holds them): the options,
 * the run's in-process state, the write transaction, the progress write and the analytics marks.
 */
import { sql } from 'kysely';
import type { SyncCheckpoint, SyncLane, SyncPhase } from '../../db/schema/wecom';
import { markCustomersTouched, requestFullRefresh } from '../customers/refresh';
import type { Services } from '../services';
import { withTenant, type TenantId, type Tx } from '../tenancy/context';
import type { WecomClient } from './client';
import { syncProgress } from './sync-plan';
import { updateRun, type RunCounter, type SyncRunRow } from './sync.repository';

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

export interface Ctx {
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

export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SyncAbortedError();
}

/** API calls since the last progress write (added to the run's counter). */
export function callsDelta(ctx: Ctx): number {
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
export async function write<T>(ctx: Ctx, fn: (trx: Tx) => Promise<T>): Promise<T> {
  checkAbort(ctx.opts.signal);
  return withTenant(ctx.services.dbs, ctx.tenantId, async (trx) => {
    // Custom plans: the statements take arrays of ids whose size the generic plan of a prepared statement does not
    // know, and a generic plan chose a scan of the tenant's rows with the array as a filter (100× slower).
    await sql`select set_config('synchronous_commit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)`.execute(trx);
    return fn(trx);
  });
}

export interface ProgressPatch {
  phase?: SyncPhase;
  checkpoint?: SyncCheckpoint;
  lanes?: Map<number, SyncLane>;
  groupListDone?: boolean;
  estimate?: number | null;
}

export async function progress(ctx: Ctx, add: Partial<Record<RunCounter, number>>, patch: ProgressPatch, trx: Tx): Promise<void> {
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
 * Whether this run creates most of the tenant (a chain's first sync): at least `fullRefreshAt` customers, and at
 * least a fifth as many as the relations the previous complete run saw. Then one full analytics recompute after
 * the sync beats queueing each customer and recomputing them in incremental batches
 * (`bench/wecom-sync/analytics-catchup.ts`, 100,000 customers: 0.9 s against 3.8 s of refresh work; ADR 0007 item 9).
 */
export function wholeTenant(ctx: Ctx, createdNow = 0): boolean {
  return ctx.run.customers_created + createdNow >= Math.max(SYNC_DEFAULTS.fullRefreshAt, 0.2 * (ctx.previous ?? 0));
}

/**
 * Marks customers for the analytics refresh, or — once the run creates most of the tenant — asks for a full
 * recompute instead, in the same transaction as the marks it replaces (so nothing skipped goes unrequested; once
 * per process after that request committed, to keep the writers off one row lock). The finalize step asks again,
 * in case a recompute ran during the sync and consumed the first request. Returns whether it asked.
 * `createdNow`: customers created by the calling transaction and not yet counted in the run.
 */
export async function touch(ctx: Ctx, trx: Tx, ids: string[], reason: string, createdNow = 0): Promise<boolean> {
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
export function sorted(ids: readonly string[]): string[] {
  return [...ids].sort();
}
