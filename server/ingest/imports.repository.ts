/** Kysely code of the import history, presets and idempotency keys. Every function takes the tenant explicitly. */
import { sql, type RawBuilder } from 'kysely';
import type { ImportCheckpoint, ImportSource } from '../../db/schema/ingest';
import type { DB } from '../../db/connection';
import type { TenantId, Tx } from '../tenancy/context';

/**
 * A jsonb parameter. postgres.js JSON-encodes parameters it knows to be json/jsonb, so a pre-stringified value
 * would be stored as a JSON *string*; sending text and casting in SQL stores the document itself.
 */
export function jsonb<T>(v: T): RawBuilder<string> {
  return sql<string>`(${JSON.stringify(v)}::text)::jsonb`;
}

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

export async function listImports(trx: Tx, tenantId: TenantId, p: { sort: ImportSort; dir: 'asc' | 'desc'; page: number; size: number; q?: string }) {
  let q = trx.selectFrom('imports').where('tenant_id', '=', tenantId);
  if (p.q) q = q.where('file_name', 'ilike', `%${p.q.replace(/[%_\\]/g, (c) => '\\' + c)}%`);
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

export async function saveCheckpointTx(trx: Tx, tenantId: TenantId, id: string, cp: ImportCheckpoint) {
  await trx.updateTable('imports').set({ checkpoint: jsonb(cp), heartbeat_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
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
