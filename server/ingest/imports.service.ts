/**
 * The import history's use cases: register an uploaded or local file (with detection and preview), set its mapping
 * (from the form, the CLI flags or a preset), queue it, cancel it, list it, and the presets.
 */
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { assertCan } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type TenantId } from '../tenancy/context';
import { NotFoundError, ValidationError } from '../lib/errors';
import type { Delimiter, EncodingOption } from './detect';
import {
  deleteDraftImport,
  getImport,
  getPresetByName,
  insertImport,
  listImports,
  listPresets,
  markImportQueued,
  requestImportCancel,
  setImportJobId,
  setImportMappingRow,
  upsertPreset,
  type ImportListParams,
} from './imports.repository';
import { parseMapping, resolveColumns, type OrderMapping } from './mapping';
import { parseMemberMapping, type MemberMapping } from './member-mapping';
import { previewFile } from './reader';
import { cancelIfIdle } from './import.engine';


export interface RegisterFileInput {
  path: string;
  fileName: string;
  source: 'upload' | 'cli' | 'demo';
  encoding?: EncodingOption;
  delimiter?: Delimiter;
  /** What the file holds (default orders). */
  kind?: 'orders' | 'members';
}

/** Detects the file's shape, reads a preview and records the import (status `uploaded`). */
export async function registerImportFile(services: Services, actor: Actor, input: RegisterFileInput) {
  assertCan(actor, 'imports.manage');
  const preview = await previewFile(input.path, input.fileName, { encoding: input.encoding, delimiter: input.delimiter, rows: 20 });
  if (preview.header.length === 0 || preview.header.every((h) => h === '')) throw new ValidationError('文件没有表头 / The file has no header row');
  const { size } = await import('node:fs/promises').then((f) => f.stat(input.path));
  const row = await withTenant(services.dbs, actor.tenantId, (trx) =>
    insertImport(trx, actor.tenantId, {
      kind: input.kind,
      source: input.source,
      fileName: input.fileName,
      filePath: input.path,
      fileSize: size,
      format: preview.format,
      compression: preview.compression,
      encoding: preview.encoding,
      delimiter: preview.delimiter,
      header: preview.header,
      preview: preview.rows,
      staffId: actor.staffId,
      label: actor.label,
    }),
  );
  return { id: row.id, preview };
}

/** Validates a mapping against the import's header, stores it, optionally saves it as a preset. */
export async function setImportMapping(services: Services, actor: Actor, importId: string, mappingInput: unknown, opts: { presetName?: string | null; savePresetAs?: string | null } = {}): Promise<OrderMapping | MemberMapping> {
  assertCan(actor, 'imports.manage');
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    const row = await getImport(trx, actor.tenantId, importId);
    if (!row) throw new NotFoundError('导入不存在 / No such import');
    if (row.status !== 'uploaded') throw new ValidationError('该导入已开始，不能再修改映射 / This import has already started');
    const mapping = row.kind === 'members' ? parseMemberMapping(mappingInput) : parseMapping(mappingInput);
    if (row.kind === 'members' && opts.savePresetAs) throw new ValidationError('会员导入暂不支持保存预设 / Presets are for order imports');
    resolveColumns<string>(mapping, row.header ?? []);
    await setImportMappingRow(trx, actor.tenantId, importId, mapping, opts.savePresetAs ?? opts.presetName ?? null);
    if (opts.savePresetAs) {
      const p = await upsertPreset(trx, actor.tenantId, opts.savePresetAs, mapping as unknown as Record<string, unknown>, actor.label);
      await audit(trx, actor, { action: 'import.preset.save', entityType: 'import_mapping_preset', entityId: p.id, after: { name: p.name, mapping } });
    }
    return mapping;
  });
}

/** Queues the import's job (the row must have a mapping). */
export async function queueImport(services: Services, actor: Actor, importId: string): Promise<void> {
  assertCan(actor, 'imports.manage');
  await withTenant(services.dbs, actor.tenantId, async (trx) => {
    const row = await getImport(trx, actor.tenantId, importId);
    if (!row) throw new NotFoundError('导入不存在 / No such import');
    if (!row.mapping) throw new ValidationError('请先设置列映射 / Set the column mapping first');
    if (row.status !== 'uploaded') return;
    await markImportQueued(trx, actor.tenantId, importId);
    await audit(trx, actor, { action: 'import.start', entityType: 'import', entityId: importId, after: { file: row.file_name, mapping: row.mapping } });
  });
  const jobId = await services.queue.send('ingest.import-orders', { tenantId: actor.tenantId, importId }, { singletonKey: importId, retryLimit: 3, expireInSeconds: 4 * 3600 });
  await withTenant(services.dbs, actor.tenantId, (trx) => setImportJobId(trx, actor.tenantId, importId, jobId));
}

/** Cancels an import: at once when it has not started or nobody runs it, otherwise at the engine's next checkpoint (≈1.5 s). */
export async function cancelImport(services: Services, actor: Actor, importId: string): Promise<void> {
  assertCan(actor, 'imports.manage');
  await withTenant(services.dbs, actor.tenantId, async (trx) => {
    const row = await getImport(trx, actor.tenantId, importId);
    if (!row) throw new NotFoundError('导入不存在 / No such import');
    if (row.status === 'uploaded' || row.status === 'queued') await requestImportCancel(trx, actor.tenantId, importId, true);
    else if (row.status === 'running') await requestImportCancel(trx, actor.tenantId, importId, false);
    else return;
    await audit(trx, actor, { action: 'import.cancel', entityType: 'import', entityId: importId });
  });
  // no live run to see the request (its process died): finish the cancel now
  await cancelIfIdle(services, actor.tenantId, importId);
}

export async function getImportForActor(services: Services, actor: Actor, importId: string) {
  assertCan(actor, 'imports.manage');
  if (!z.string().uuid().safeParse(importId).success) throw new NotFoundError('导入不存在 / No such import');
  const row = await withTenant(services.dbs, actor.tenantId, (trx) => getImport(trx, actor.tenantId, importId));
  if (!row) throw new NotFoundError('导入不存在 / No such import');
  return row;
}

export async function listImportsForActor(services: Services, actor: Actor, p: ImportListParams) {
  assertCan(actor, 'imports.manage');
  return withTenant(services.dbs, actor.tenantId, (trx) => listImports(trx, actor.tenantId, p));
}

export async function listPresetsForActor(services: Services, actor: Actor) {
  assertCan(actor, 'imports.manage');
  return withTenant(services.dbs, actor.tenantId, (trx) => listPresets(trx, actor.tenantId));
}

export async function findPreset(services: Services, tenantId: TenantId, name: string): Promise<OrderMapping> {
  const p = await withTenant(services.dbs, tenantId, (trx) => getPresetByName(trx, tenantId, name));
  if (!p) throw new ValidationError(`没有名为 "${name}" 的映射预设 / No mapping preset named "${name}"`);
  return parseMapping(p.mapping);
}

/**
 * Deletes a draft — an import left at the mapping step, never started — with an audit entry, and removes its
 * stored upload (a CLI import's file is the user's own and stays). An import that has started is refused.
 */
export async function discardImport(services: Services, actor: Actor, importId: string): Promise<void> {
  await getImportForActor(services, actor, importId);
  const gone = await withTenant(services.dbs, actor.tenantId, async (trx) => {
    const row = await deleteDraftImport(trx, actor.tenantId, importId);
    if (!row) throw new ValidationError('只能删除尚未开始的导入（草稿）/ Only a draft import (not started) can be deleted');
    await audit(trx, actor, { action: 'import.delete', entityType: 'import', entityId: importId, before: { file: row.file_name, status: 'uploaded' } });
    return row;
  });
  if (gone.source === 'upload') await rm(gone.file_path, { force: true });
}
