/** Sync runs: creation, claiming, checkpoints, progress counters, history (all Kysely code for the run tables). */
import { sql } from 'kysely';
import { jsonb } from '../lib/sql';
import type { DB } from '../../db/connection';
import type { SyncCheckpoint, SyncError, SyncLane, SyncPhase, SyncSource } from '../../db/schema/wecom';
import type { TenantId, Tx } from '../tenancy/context';


export interface SyncRunRow {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  phase: SyncPhase;
  source: SyncSource;
  created_by_label: string;
  checkpoint: SyncCheckpoint;
  pages: number;
  api_calls: number;
  staff_seen: number;
  staff_created: number;
  tags_seen: number;
  tags_changed: number;
  relations_seen: number;
  customers_seen: number;
  customers_created: number;
  customers_updated: number;
  relations_created: number;
  relations_updated: number;
  relations_ended: number;
  follow_tags_changed: number;
  groups_seen: number;
  groups_changed: number;
  groups_dismissed: number;
  orders_linked: number;
  estimate_relations: number | null;
  errors: SyncError[];
  error_message: string | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  heartbeat_at: Date | null;
  finished_at: Date | null;
}

/** Counter columns that progress updates add to. */
export type RunCounter =
  | 'pages'
  | 'api_calls'
  | 'staff_seen'
  | 'staff_created'
  | 'tags_seen'
  | 'tags_changed'
  | 'relations_seen'
  | 'customers_created'
  | 'customers_updated'
  | 'relations_created'
  | 'relations_updated'
  | 'relations_ended'
  | 'follow_tags_changed'
  | 'groups_seen'
  | 'groups_changed'
  | 'groups_dismissed'
  | 'orders_linked';

export async function activeRun(trx: Tx, tenantId: TenantId): Promise<SyncRunRow | null> {
  const r = await trx.selectFrom('wecom_sync_runs').selectAll().where('tenant_id', '=', tenantId).where('status', 'in', ['queued', 'running']).executeTakeFirst();
  return (r as SyncRunRow | undefined) ?? null;
}

export async function getRun(trx: Tx, tenantId: TenantId, runId: string): Promise<SyncRunRow | null> {
  const r = await trx.selectFrom('wecom_sync_runs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', runId).executeTakeFirst();
  return (r as SyncRunRow | undefined) ?? null;
}

export async function insertRun(trx: Tx, tenantId: TenantId, source: SyncSource, label: string): Promise<string> {
  const r = await trx
    .insertInto('wecom_sync_runs')
    .values({ tenant_id: tenantId, source, created_by_label: label, checkpoint: jsonb({}), errors: jsonb([]), estimate_relations: null, error_message: null, job_id: null, started_at: null, heartbeat_at: null, finished_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/**
 * Takes a run for this worker: a queued run, or a running one whose worker stopped beating (killed process)
 * or when the caller knows it is the only one (`takeover`). Returns null when someone else holds it or it ended.
 */
export async function claimRun(trx: Tx, tenantId: TenantId, runId: string, opts: { takeover: boolean; staleSeconds: number; jobId?: string }): Promise<SyncRunRow | null> {
  const r = await sql<SyncRunRow>`
    update wecom_sync_runs set status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now(), attempts = attempts + 1,
      job_id = coalesce(${opts.jobId ?? null}, job_id)
    where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid
      and (status = 'queued' or (status = 'running' and (${opts.takeover} or heartbeat_at is null or heartbeat_at < now() - make_interval(secs => ${opts.staleSeconds}))))
    returning *`.execute(trx);
  return r.rows[0] ?? null;
}

/** Adds to counters, optionally moves the phase / checkpoint / estimate, and beats the heartbeat. */
export async function updateRun(
  trx: Tx,
  tenantId: TenantId,
  runId: string,
  u: {
    add?: Partial<Record<RunCounter, number>>;
    phase?: SyncPhase;
    checkpoint?: SyncCheckpoint;
    /** Replaces single lanes of the checkpoint (concurrent writers each patch their own lanes). */
    lanes?: Map<number, SyncLane>;
    groupListDone?: boolean;
    estimate?: number | null;
    set?: Partial<Record<'customers_seen', number>>;
  },
): Promise<void> {
  const sets = [sql`heartbeat_at = now()`];
  for (const [k, v] of Object.entries(u.add ?? {})) if (v) sets.push(sql`${sql.ref(k)} = ${sql.ref(k)} + ${v}`);
  for (const [k, v] of Object.entries(u.set ?? {})) sets.push(sql`${sql.ref(k)} = ${v}`);
  if (u.phase) sets.push(sql`phase = ${u.phase}`);
  if (u.checkpoint) sets.push(sql`checkpoint = ${jsonb(u.checkpoint)}`);
  else if ((u.lanes && u.lanes.size > 0) || u.groupListDone !== undefined) {
    let expr = sql`checkpoint`;
    for (const [i, lane] of u.lanes ?? []) expr = sql`jsonb_set(${expr}, ${`{lanes,${i}}`}::text[], ${jsonb(lane)})`;
    if (u.groupListDone !== undefined) expr = sql`jsonb_set(${expr}, '{groupListDone}', ${jsonb(u.groupListDone)})`;
    sets.push(sql`checkpoint = ${expr}`);
  }
  if (u.estimate !== undefined) sets.push(sql`estimate_relations = ${u.estimate}`);
  await sql`update wecom_sync_runs set ${sql.join(sets, sql`, `)} where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid`.execute(trx);
}

export async function beat(trx: Tx, tenantId: TenantId, runId: string): Promise<void> {
  await sql`update wecom_sync_runs set heartbeat_at = now() where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid and status = 'running'`.execute(trx);
}

/** Records an error; `final` fails the run, otherwise it stays resumable (heartbeat cleared for a quick retry). */
export async function recordRunError(trx: Tx, tenantId: TenantId, runId: string, phase: SyncPhase, message: string, final: boolean): Promise<void> {
  const err: SyncError = { at: new Date().toISOString(), phase, message };
  await sql`update wecom_sync_runs set errors = errors || ${jsonb([err])}, heartbeat_at = null,
      status = case when ${final} then 'failed' else status end,
      error_message = case when ${final} then ${message} else error_message end,
      finished_at = case when ${final} then now() else finished_at end
    where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid`.execute(trx);
}

export async function finishRun(trx: Tx, tenantId: TenantId, runId: string): Promise<void> {
  await sql`update wecom_sync_runs set status = 'done', phase = 'done', finished_at = now(), heartbeat_at = now() where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid`.execute(trx);
}

export async function previousRelationCount(trx: Tx, tenantId: TenantId, runId: string): Promise<number | null> {
  const r = await trx
    .selectFrom('wecom_sync_runs')
    .select('relations_seen')
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'done')
    .where('id', '<>', runId)
    .orderBy('finished_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? r.relations_seen : null;
}

export async function listRuns(trx: Tx, tenantId: TenantId, limit = 20): Promise<SyncRunRow[]> {
  const r = await trx.selectFrom('wecom_sync_runs').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at', 'desc').limit(limit).execute();
  return r as SyncRunRow[];
}

/** Live numbers of a running run that are not counters: distinct customers so far, chats read. */
export async function liveCounts(trx: Tx, tenantId: TenantId, runId: string): Promise<{ customers: number; chatsTotal: number; chatsDone: number }> {
  const r = await sql<{ customers: number; chats_total: number; chats_done: number }>`
    select (select count(distinct c)::int from wecom_sync_seen w, unnest(w.customer_ids) c where w.tenant_id = ${tenantId}::uuid and w.run_id = ${runId}::uuid) as customers,
      (select count(*)::int from wecom_sync_chats where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid) as chats_total,
      (select count(*)::int from wecom_sync_chats where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and done) as chats_done`.execute(trx);
  const x = r.rows[0];
  return { customers: x?.customers ?? 0, chatsTotal: x?.chats_total ?? 0, chatsDone: x?.chats_done ?? 0 };
}

/** Runs that lost their worker (no heartbeat for a while) or never got one, across tenants (the watchdog). */
export async function staleRuns(db: DB, staleSeconds: number): Promise<{ tenant_id: string; id: string }[]> {
  const cutoff = new Date(Date.now() - staleSeconds * 1000);
  return db
    .selectFrom('wecom_sync_runs')
    .select(['tenant_id', 'id'])
    .where((eb) => eb.or([eb.and([eb('status', '=', 'running'), eb.or([eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', cutoff)])]), eb.and([eb('status', '=', 'queued'), eb('created_at', '<', cutoff)])]))
    .execute();
}
