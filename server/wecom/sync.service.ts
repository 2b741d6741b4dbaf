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
 *
 * This file starts and runs a sync; the steps are in sync.steps.ts, what they share in sync.context.ts, the
 * bounded queues and worker pools in concurrency.ts, and the read side for the UI and the CLI in sync.views.ts.
 */
import type { SyncSource } from '../../db/schema/wecom';
import { nudgeRefresh } from '../customers/refresh';
import { ConflictError } from '../lib/errors';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type TenantId } from '../tenancy/context';
import { findConnection } from './connection.repository';
import { WecomNotConfiguredError } from './connection.service';
import { describeWecomError, isPermanentWecomError } from './messages';
import { wecomClientFor } from './runtime';
import { SYNC_DEFAULTS, SyncAbortedError, progress, write, type Ctx, type SyncOptions } from './sync.context';
import { activeRun, beat, claimRun, insertRun, previousRelationCount, recordRunError } from './sync.repository';
import { phaseContactsWithGroups, phaseFinalize, phaseStaff, phaseTags, readGroups } from './sync.steps';

export { SYNC_DEFAULTS, SyncAbortedError, type SyncOptions, type SyncProgressEvent } from './sync.context';
export { runView, syncOverview, syncRunView, type SyncRunView } from './sync.views';

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
  await services.queue.send('wecom.sync', { tenantId, runId }, { singletonKey: `sync:${runId}` });
}

// ---------------------------------------------------------------------------------------------------------------
// Running

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
    // Contacts and group chats side by side; if one side fails, the other stops too and is awaited (sync.steps.ts).
    if (ctx.run.phase === 'contacts') await phaseContactsWithGroups(ctx);
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
