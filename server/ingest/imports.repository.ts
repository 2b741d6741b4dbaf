/**
 * SQL of the import history, the engine's bookkeeping (status, checkpoints, counts, the staging partition and
 * the run locks), presets and idempotency keys. Every tenant function takes the tenant explicitly.
 */
import { sql, type RawBuilder } from 'kysely';
import { jsonb } from '../lib/sql';
import { isUuid } from '../../app/lib/params';
import type postgres from 'postgres';
import type { ImportCheckpoint, ImportPhase, ImportSource, ImportStatus } from '../../db/schema/ingest';
import type { DB, Sql } from '../../db/connection';
import type { TenantId, Tx } from '../tenancy/context';
import type { MemberMergeStats } from './members.repository';
import type { MergeStats } from './orders.repository';


export type ImportRow = Awaited<ReturnType<typeof getImport>>;

export async function getImport(trx: Tx, tenantId: TenantId, id: string) {
  return trx.selectFrom('imports').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function insertImport(
  trx: Tx,
  tenantId: TenantId,
  v: {
    kind?: 'orders' | 'members';
    source: ImportSource;
    fileName: string;
    filePath: string;
    fileSize: number;
    format: 'csv' | 'xlsx';
    compression: 'gzip' | null;
    encoding: string | null;
    delimiter: string | null;
    header: string[];
    preview: string[][];
    staffId: string | null;
    label: string;
  },
) {
  return trx
    .insertInto('imports')
    .values({
      tenant_id: tenantId,
      kind: v.kind ?? 'orders',
      source: v.source,
      file_name: v.fileName,
      file_path: v.filePath,
      file_size: v.fileSize,
      format: v.format,
      compression: v.compression,
      encoding: v.encoding,
      delimiter: v.delimiter,
      header: jsonb(v.header),
      preview: jsonb(v.preview),
      mapping: null,
      preset_name: null,
      created_by_staff_id: v.staffId,
      created_by_label: v.label,
      phase: null,
      rows_per_second: null,
      eta_seconds: null,
      checkpoint: jsonb({}),
      error_report_path: null,
      error_message: null,
      job_id: null,
      started_at: null,
      heartbeat_at: null,
      finished_at: null,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
}

export const IMPORT_SORTABLE = ['created_at', 'file_name', 'status', 'rows_read', 'rows_rejected', 'orders_created', 'orders_updated'] as const;
export type ImportSort = (typeof IMPORT_SORTABLE)[number];

export interface ImportListParams {
  sort: ImportSort;
  dir: 'asc' | 'desc';
  page: number;
  size: number;
  q?: string;
  status?: ImportStatus;
}

export async function listImports(trx: Tx, tenantId: TenantId, p: ImportListParams) {
  let q = trx.selectFrom('imports').where('tenant_id', '=', tenantId);
  if (p.q) q = q.where('file_name', 'ilike', `%${p.q.replace(/[%_\\]/g, (c) => '\\' + c)}%`);
  if (p.status) q = q.where('status', '=', p.status);
  const [rows, total] = await Promise.all([
    q
      .select([
        'id',
        'file_name',
        'file_size',
        'format',
        'status',
        'phase',
        'source',
        'created_by_label',
        'rows_read',
        'rows_rejected',
        'orders_created',
        'orders_updated',
        'orders_unchanged',
        'orders_rejected',
        'customers_created',
        'error_report_path',
        'created_at',
        'finished_at',
        'error_message',
      ])
      .orderBy(p.sort, p.dir)
      .orderBy('id')
      .limit(p.size)
      .offset((p.page - 1) * p.size)
      .execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: total.n };
}

export async function listPresets(trx: Tx, tenantId: TenantId) {
  return trx.selectFrom('import_mapping_presets').select(['id', 'name', 'mapping', 'updated_at']).where('tenant_id', '=', tenantId).orderBy('name').execute();
}

export async function getPresetByName(trx: Tx, tenantId: TenantId, name: string) {
  return trx.selectFrom('import_mapping_presets').select(['id', 'name', 'mapping']).where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
}

export async function upsertPreset(trx: Tx, tenantId: TenantId, name: string, mapping: Record<string, unknown>, label: string) {
  return trx
    .insertInto('import_mapping_presets')
    .values({ tenant_id: tenantId, name, mapping: jsonb(mapping), created_by_label: label })
    .onConflict((oc) => oc.columns(['tenant_id', 'name']).doUpdateSet({ mapping: jsonb(mapping), updated_at: new Date() }))
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
}

/**
 * Imports left 'running' by a process that is gone: nobody holds their run lock (a lock dies with its
 * connection, so a killed process releases it at once). System-wide, for the watchdog.
 */
export async function findOrphanedImports(db: DB, limit = 50) {
  const r = await sql<{ tenant_id: string; id: string }>`
    select tenant_id, id from (select tenant_id, id from imports where status = 'running' order by heartbeat_at nulls first offset 0) m
    where pg_try_advisory_xact_lock(hashtext('huike.import'), hashtext(m.id::text))
    limit ${limit}`.execute(db);
  return r.rows;
}

/** Queued imports whose job may have been lost (no run for 2 minutes). System-wide, for the watchdog. */
export async function findStaleQueuedImports(db: DB, limit = 50) {
  const r = await sql<{ tenant_id: string; id: string }>`
    select tenant_id, id from imports
    where status = 'queued' and created_at < now() - interval '2 minutes' and coalesce(heartbeat_at, created_at) < now() - interval '2 minutes'
    order by created_at limit ${limit}`.execute(db);
  return r.rows;
}

/**
 * Imports whose staging partition (of either kind) outlived them (finished, failed, cancelled or deleted): their
 * ids, for the watchdog to drop the partitions. System-wide.
 */
export async function findLeftoverStagingImports(db: DB): Promise<string[]> {
  const r = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname in ('import_staging', 'import_member_staging') and not exists (
      select 1 from imports m where replace(m.id::text, '-', '') = right(c.relname, 32) and m.status in ('uploaded','queued','running'))`.execute(db);
  return r.rows
    .map((x) => /^import_(?:member_)?staging_([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/.exec(x.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m.slice(1).join('-'));
}

/** The tenant's other imports waiting for a run (queued, or left running), oldest first. */
export async function listWaitingImports(trx: Tx, tenantId: TenantId, exceptId: string) {
  return trx
    .selectFrom('imports')
    .select(['id'])
    .where('tenant_id', '=', tenantId)
    .where('status', 'in', ['queued', 'running'])
    .where('id', '<>', exceptId)
    .orderBy('created_at')
    .limit(20)
    .execute();
}

// ------------------------------------------------------------------------------------------ the history's steps

export async function setImportMappingRow(trx: Tx, tenantId: TenantId, id: string, mapping: unknown, presetName: string | null): Promise<void> {
  await trx.updateTable('imports').set({ mapping: jsonb(mapping), preset_name: presetName }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

export async function markImportQueued(trx: Tx, tenantId: TenantId, id: string): Promise<void> {
  await trx.updateTable('imports').set({ status: 'queued' }).where('tenant_id', '=', tenantId).where('id', '=', id).where('status', '=', 'uploaded').execute();
}

export async function setImportJobId(trx: Tx, tenantId: TenantId, id: string, jobId: string | null): Promise<void> {
  await trx.updateTable('imports').set({ job_id: jobId }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

/** A cancel: at once for an import that has not started, a request (seen at the next checkpoint) for a running one. */
export async function requestImportCancel(trx: Tx, tenantId: TenantId, id: string, now: boolean): Promise<void> {
  await trx
    .updateTable('imports')
    .set(now ? { status: 'cancelled', cancel_requested: true, finished_at: new Date() } : { cancel_requested: true })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** Deletes a draft (an import still at the mapping step); returns its file when it was deleted. */
export async function deleteDraftImport(trx: Tx, tenantId: TenantId, id: string) {
  return trx
    .deleteFrom('imports')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('status', '=', 'uploaded')
    .returning(['file_name', 'file_path', 'source'])
    .executeTakeFirst();
}

// ----------------------------------------------------------------------------------------- the engine's rows

export async function markImportRunning(trx: Tx, tenantId: TenantId, id: string, startedAt: Date): Promise<void> {
  await trx
    .updateTable('imports')
    .set((eb) => ({ status: 'running', started_at: startedAt, heartbeat_at: new Date(), attempts: eb('attempts', '+', 1), error_message: null }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** One merged bucket's counts and names, added to the import's, with the checkpoint that says the bucket is done. */
export async function recordMergedBucket(trx: Tx, tenantId: TenantId, id: string, st: MergeStats, cp: ImportCheckpoint): Promise<void> {
  await trx
    .updateTable('imports')
    .set((eb) => ({
      phase: 'merging',
      orders_created: eb('orders_created', '+', st.ordersCreated),
      orders_updated: eb('orders_updated', '+', st.ordersUpdated),
      orders_unchanged: eb('orders_unchanged', '+', st.ordersUnchanged),
      orders_rejected: eb('orders_rejected', '+', st.ordersRejected),
      rows_rejected: eb('rows_rejected', '+', st.linesRejected),
      customers_created: eb('customers_created', '+', st.customersCreated),
      customers_linked: eb('customers_linked', '+', st.ordersLinked),
      customers_merged: eb('customers_merged', '+', st.customersMerged),
      stores_created: eb('stores_created', '+', st.storesCreated.length),
      clerks_created: eb('clerks_created', '+', st.clerksCreated.length),
      stores_created_codes: sql<string>`stores_created_codes || ${jsonb(st.storesCreated)}`,
      clerks_created_names: sql<string>`clerks_created_names || ${jsonb(st.clerksCreated)}`,
      checkpoint: jsonb(cp),
      heartbeat_at: new Date(),
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function setImportPhase(trx: Tx, tenantId: TenantId, id: string, phase: ImportPhase): Promise<void> {
  await trx.updateTable('imports').set({ phase, heartbeat_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

export async function saveImportCheckpoint(trx: Tx, tenantId: TenantId, id: string, cp: ImportCheckpoint): Promise<void> {
  await trx.updateTable('imports').set({ checkpoint: jsonb(cp), heartbeat_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

export async function finishImportDone(
  trx: Tx,
  tenantId: TenantId,
  id: string,
  v: { rowsPerSecond: number; errorReportPath: string | null; checkpoint: ImportCheckpoint; changesSeen?: number | null },
): Promise<void> {
  await trx
    .updateTable('imports')
    .set({
      status: 'done',
      phase: null,
      finished_at: new Date(),
      eta_seconds: 0,
      rows_per_second: v.rowsPerSecond,
      error_report_path: v.errorReportPath,
      checkpoint: jsonb(v.checkpoint),
      changes_seen: v.changesSeen ?? null,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function finishImportFailed(trx: Tx, tenantId: TenantId, id: string, message: string): Promise<void> {
  await trx
    .updateTable('imports')
    .set({ status: 'failed', phase: null, finished_at: new Date(), error_message: message.slice(0, 1000) })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function finishImportCancelled(trx: Tx, tenantId: TenantId, id: string): Promise<void> {
  await trx.updateTable('imports').set({ status: 'cancelled', phase: null, finished_at: new Date(), eta_seconds: null }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

/** A run failed in a way a retry may fix: the reason is shown while the import waits for its next attempt. */
export async function noteImportRetry(trx: Tx, tenantId: TenantId, id: string, message: string): Promise<void> {
  await trx.updateTable('imports').set({ error_message: message.slice(0, 500) }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

/**
 * Line numbers of the orders (or members) the merge rejected, by reason and column, for the error report, in file
 * order: the rejected keys joined back to the import's staged lines — except orders the merge recorded with their
 * run of lines (first_line..last_line), which need no scan of the staging partition.
 */
export async function rejectedLines(trx: Tx, tenantId: TenantId, id: string, kind: ImportKind) {
  const [rejected, staged, key] =
    kind === 'members' ? (['import_rejected_members', 'import_member_staging_rows', 'member_no'] as const) : (['import_rejected_orders', 'import_staging_rows', 'order_no'] as const);
  const scanned = sql`select r.reason, r.column_name, s.line_no
    from ${sql.table(rejected)} r join ${sql.table(staged)} s on s.import_id = r.import_id and s.${sql.ref(key)} = r.${sql.ref(key)}
    where r.tenant_id = ${tenantId} and r.import_id = ${id}::uuid ${kind === 'orders' ? sql`and r.first_line is null` : sql``}`;
  // rejected orders recorded with their run of lines (first_line..last_line) need no scan of the staged lines
  const runs = sql`select r.reason, r.column_name, l.n as line_no
    from import_rejected_orders r cross join lateral generate_series(r.first_line, r.last_line) l(n)
    where r.tenant_id = ${tenantId} and r.import_id = ${id}::uuid and r.first_line is not null`;
  const lines = kind === 'members' ? scanned : (await rejectedOrdersWithoutRun(trx, tenantId, id)) ? sql`${runs} union all ${scanned}` : runs;
  const r = await sql<{ reason: string; column_name: string | null; lines: number[] }>`
    select reason, column_name, array_agg(line_no order by line_no) as lines from (${lines}) x group by reason, column_name`.execute(trx);
  return r.rows.map((x) => ({ reason: x.reason, column: x.column_name, lines: x.lines.map(Number) }));
}

/** Whether a rejected order of the import was recorded without its run of lines (its lines are found in staging). */
async function rejectedOrdersWithoutRun(trx: Tx, tenantId: TenantId, id: string): Promise<boolean> {
  const r = await sql<{ n: boolean }>`select exists (select 1 from import_rejected_orders
    where tenant_id = ${tenantId} and import_id = ${id}::uuid and first_line is null) as n`.execute(trx);
  return r.rows[0]?.n === true;
}

/** A member bucket's counts and checkpoint, in the bucket's own transaction. */
export async function recordMergedMemberBucket(trx: Tx, tenantId: TenantId, id: string, st: MemberMergeStats, cp: ImportCheckpoint): Promise<void> {
  await trx
    .updateTable('imports')
    .set((eb) => ({
      phase: 'merging',
      customers_created: eb('customers_created', '+', st.customersCreated),
      members_updated: eb('members_updated', '+', st.membersUpdated),
      members_unchanged: eb('members_unchanged', '+', st.membersUnchanged),
      members_rejected: eb('members_rejected', '+', st.membersRejected),
      members_linked: eb('members_linked', '+', st.membersLinked),
      rows_rejected: eb('rows_rejected', '+', st.rowsRejected),
      customers_linked: eb('customers_linked', '+', st.ordersLinked),
      customers_merged: eb('customers_merged', '+', st.customersMerged),
      checkpoint: jsonb(cp),
      heartbeat_at: new Date(),
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/**
 * The read phase's checkpoint, written in the COPY's own transaction (owner connection, explicit tenant — see
 * docs/decisions/0006-import-staging-copy.md). Returns whether a cancel was requested meanwhile.
 */
export async function saveReadCheckpoint(
  tx: postgres.TransactionSql,
  tenantId: TenantId,
  id: string,
  v: { cp: ImportCheckpoint; rowsRead: number; rowsRejected: number; bytesRead: number; rowsPerSecond: number; etaSeconds: number | null; phase: ImportPhase; errorReportPath: string },
): Promise<boolean> {
  const upd = await tx<{ cancel_requested: boolean }[]>`
    update imports set checkpoint = (${JSON.stringify(v.cp)}::text)::jsonb, rows_read = ${v.rowsRead}, rows_rejected = ${v.rowsRejected},
      bytes_read = ${v.bytesRead}, rows_per_second = ${v.rowsPerSecond}, eta_seconds = ${v.etaSeconds}, heartbeat_at = now(),
      phase = ${v.phase}, error_report_path = ${v.errorReportPath}
    where tenant_id = ${tenantId} and id = ${id} returning cancel_requested`;
  return upd[0]?.cancel_requested === true;
}

// ------------------------------------------------------------------------------- staging partition and locks

type ImportKind = 'orders' | 'members';
/** The staging table of each import kind (migration 1300 added the members'). */
const STAGING_PARENT: Record<ImportKind, string> = { orders: 'import_staging', members: 'import_member_staging' };

export const stagingPartitionName = (importId: string, kind: ImportKind = 'orders') => `${STAGING_PARENT[kind]}_${importId.replace(/-/g, '')}`;

/** The staged lines of one merge bucket (by hash of the order number, or of the member number), as a relation for the merge. */
export function stagedBucketLines(kind: ImportKind, importId: string, bucket: number, buckets: number): RawBuilder<unknown> {
  const view = sql.table(kind === 'members' ? 'import_member_staging_rows' : 'import_staging_rows');
  const key = sql.ref(kind === 'members' ? 'member_no' : 'order_no');
  return buckets === 1
    ? sql`(select * from ${view} where import_id = ${importId}::uuid)`
    : sql`(select * from ${view} where import_id = ${importId}::uuid and (hashtext(${key}) & 2147483647) % ${buckets}::int = ${bucket}::int)`;
}

/** The staging columns the read phase's COPY sends; tenant and import come from the partition's defaults. */
export const copiedStagingColumns = <C extends string>(columns: readonly C[]): Exclude<C, 'tenant_id' | 'import_id'>[] =>
  columns.filter((c): c is Exclude<C, 'tenant_id' | 'import_id'> => c !== 'tenant_id' && c !== 'import_id');

/**
 * Creates the import's UNLOGGED staging partition (if missing) and returns how many lines it holds. With `tenantId`
 * (the import row's, read under withTenant) the partition's tenant_id and import_id default to this import's, so
 * the read phase's COPY leaves them out of every line (copiedStagingColumns): 74 bytes of text fewer per line,
 * a quarter of what PostgreSQL parses (docs/decisions/0014-import-fresh-merge.md). Every line still carries them.
 */
export async function openStagingPartition(owner: Sql, importId: string, kind: ImportKind = 'orders', tenantId?: string): Promise<number> {
  const partition = stagingPartitionName(importId, kind);
  await owner.unsafe(`create unlogged table if not exists ${partition} partition of ${STAGING_PARENT[kind]} for values in ('${importId}')`);
  if (tenantId) {
    if (!isUuid(tenantId) || !isUuid(importId)) throw new Error('staging partition: tenant and import ids must be uuids');
    await owner.unsafe(`alter table ${partition} alter column tenant_id set default '${tenantId}'::uuid, alter column import_id set default '${importId}'::uuid`);
  }
  const staged = await owner.unsafe<{ n: number }[]>(`select count(*)::bigint as n from ${partition}`);
  return Number(staged[0]?.n ?? 0);
}

/**
 * Gathers planner statistics of a staged import before its merge (without them every plan assumes two lines). The
 * merge's plans need the line count and rough distinct counts, which a 3,000-row sample gives: the default
 * 30,000-row sample read nearly every page of the partition (1M lines: 0.33–0.36 s → 0.025 s).
 */
export async function analyzeStagingPartition(owner: Sql, importId: string, kind: ImportKind = 'orders'): Promise<void> {
  await owner.begin(async (tx) => {
    await tx.unsafe('set local default_statistics_target = 10');
    await tx.unsafe(`analyze ${stagingPartitionName(importId, kind)}`);
  });
}

export async function truncateStagingPartition(owner: Sql, importId: string, kind: ImportKind = 'orders'): Promise<void> {
  await owner.unsafe(`truncate ${stagingPartitionName(importId, kind)}`);
}

export async function dropStagingPartition(owner: Sql, importId: string): Promise<void> {
  await owner.unsafe(`drop table if exists ${stagingPartitionName(importId, 'orders')}, ${stagingPartitionName(importId, 'members')}`);
}

type LockConn = postgres.ReservedSql;

/** The import's run lock (session level: it dies with the connection — the watchdog's proof of life). */
export async function tryImportRunLock(conn: LockConn, importId: string): Promise<boolean> {
  const got = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext('huike.import'), hashtext(${importId})) as ok`;
  return got[0]?.ok === true;
}

export async function releaseImportRunLock(conn: LockConn, importId: string): Promise<void> {
  await conn`select pg_advisory_unlock(hashtext('huike.import'), hashtext(${importId}))`;
}

/** The tenant's import slot: one run per tenant at a time. */
export async function tryTenantImportSlot(conn: LockConn, tenantId: TenantId): Promise<boolean> {
  const got = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext('huike.import.tenant'), hashtext(${tenantId})) as ok`;
  return got[0]?.ok === true;
}

export async function releaseTenantImportSlot(conn: LockConn, tenantId: TenantId): Promise<void> {
  await conn`select pg_advisory_unlock(hashtext('huike.import.tenant'), hashtext(${tenantId}))`;
}

// ------------------------------------------------------------- identical re-imports (docs/decisions/0012-identical-reimport.md)

/** The tenant's change counter (its row created at 0 when missing). */
export async function readTenantChanges(trx: Tx, tenantId: TenantId): Promise<number> {
  await sql`insert into tenant_changes (tenant_id) values (${tenantId}::uuid) on conflict do nothing`.execute(trx);
  const r = await sql<{ n: string }>`select n from tenant_changes where tenant_id = ${tenantId}::uuid`.execute(trx);
  return Number(r.rows[0]!.n);
}

/**
 * Turns this transaction's change notes into the counter's bump now instead of at commit, and returns the counter
 * with its row locked until commit (so it is the latest value, and nobody else's bump can land before ours) and
 * whether this transaction itself had changed anything.
 */
export async function flushTenantChanges(trx: Tx, tenantId: TenantId): Promise<{ n: number; own: boolean }> {
  const r = await sql<{ n: string; own: boolean }>`
    with d as (delete from tenant_change_pending where tenant_id = ${tenantId}::uuid returning 1),
    u as (update tenant_changes c set n = c.n + case when exists (select 1 from d) then 1 else 0 end where c.tenant_id = ${tenantId}::uuid returning c.n)
    select (select n from u) as n, exists (select 1 from d) as own`.execute(trx);
  return { n: Number(r.rows[0]!.n), own: r.rows[0]!.own };
}

export async function setImportFingerprint(trx: Tx, tenantId: TenantId, id: string, fingerprint: string): Promise<void> {
  await trx.updateTable('imports').set({ fingerprint }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

/** The latest finished import of the same fingerprint that ended at this counter value, if any. */
export async function findIdenticalImport(trx: Tx, tenantId: TenantId, exceptId: string, fingerprint: string, changes: number) {
  return trx
    .selectFrom('imports')
    .select(['id', 'rows_rejected', 'error_report_path'])
    .where('tenant_id', '=', tenantId)
    .where('fingerprint', '=', fingerprint)
    .where('status', '=', 'done')
    .where('changes_seen', '=', changes)
    .where('id', '<>', exceptId)
    .orderBy('finished_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Gives an import the outcome a re-import of its earlier identical import has: the same lines read and rejected
 * (the rejected orders copied, so the error report's rows have their reasons), every good order unchanged.
 */
export async function recordIdenticalOutcome(trx: Tx, tenantId: TenantId, id: string, earlierId: string): Promise<void> {
  await sql`update imports n set phase = 'merging', rows_read = e.rows_read, rows_rejected = e.rows_rejected, bytes_read = n.file_size,
      orders_unchanged = e.orders_created + e.orders_updated + e.orders_unchanged, orders_rejected = e.orders_rejected,
      identical_to = e.id, heartbeat_at = now()
    from imports e where n.tenant_id = ${tenantId}::uuid and n.id = ${id}::uuid and e.tenant_id = ${tenantId}::uuid and e.id = ${earlierId}::uuid`.execute(trx);
  await sql`insert into import_rejected_orders (tenant_id, import_id, order_no, reason, column_name, first_line, last_line)
    select tenant_id, ${id}::uuid, order_no, reason, column_name, first_line, last_line from import_rejected_orders where tenant_id = ${tenantId}::uuid and import_id = ${earlierId}::uuid
    on conflict do nothing`.execute(trx);
}
