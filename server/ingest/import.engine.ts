/**
 * The import engine (orders, and members: `imports.kind`), shared by the queue job (uploads), the CLI and the demo seed. Streaming and set-based:
 *
 *   file ─▶ decode ─▶ split ─▶ validate (JS, per row) ─▶ COPY ─▶ staging partition ─▶ merge (SQL) ─▶ orders
 *                                    └▶ error report (CSV on disk)
 *
 * - Reading: rows are validated in JS; good lines stream through PostgreSQL COPY into this import's UNLOGGED
 *   staging partition (owner connection, explicit tenant id as the partition's default — see
 *   docs/decisions/0006-import-staging-copy.md and 0014-import-fresh-merge.md),
 *   rejected lines go to the error report. Every ~1.5 s (or 500k lines) the COPY transaction commits together with
 *   the checkpoint in the imports row (lines done, last line, error-report length, progress), so a job that dies
 *   resumes after the last committed line without duplicates.
 * - Merging: in buckets of ≤1M lines (by hash of order number), each in one tenant transaction under RLS with its
 *   checkpoint; the merge is idempotent, so a repeated bucket changes nothing.
 * - Reporting: lines of orders rejected by the SQL checks are merged into the error report in the file's line order
 *   (one more pass over the file, see error-report.ts), then the staging partition is dropped.
 * - Cancel: `cancel_requested` is read at every checkpoint; reading stops and nothing is merged (a cancel that
 *   arrives during the merge stops before the next bucket).
 * - Identical re-import: an order import whose file, mapping and shape match an earlier finished import of the
 *   tenant (fingerprint) that ended at the tenant's current change counter is completed at once from that import's
 *   outcome and error report, without reading (docs/decisions/0012-identical-reimport.md). Each merge bucket
 *   checks the counter moved by its own writes only, which is what lets the import be such an earlier import.
 * - Memory: reading bounds V8's heap growth while it runs (heap-growth.ts).
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import type postgres from 'postgres';
import type { ImportCheckpoint } from '../../db/schema/ingest';
import { mobileHashKey } from '../customers/mobile-identity';
import { nudgeRefresh } from '../customers/refresh';
import { UserError } from '../lib/errors';
import type { Services } from '../services';
import { systemActor } from '../tenancy/actor';
import { withTenant, type TenantId } from '../tenancy/context';
import { csvLine } from '../../app/lib/csv';
import { CopyRefusedError, openCopy, type CopyWriter } from './copy-writer';
import type { Delimiter, FileEncoding } from './detect';
import { commitMergedReport, errorReportPath, fileColumnNamer, mergeRejectedOrders, reportHead } from './error-report';
import { loadTenantIngestContext, lockTenantIdentities, type TenantIngestContext } from '../customers/identity.service';
import {
  analyzeStagingPartition,
  copiedStagingColumns,
  dropStagingPartition,
  finishImportCancelled,
  finishImportDone,
  finishImportFailed,
  findIdenticalImport,
  flushTenantChanges,
  getImport,
  markImportRunning,
  noteImportRetry,
  openStagingPartition,
  recordMergedBucket,
  recordMergedMemberBucket,
  readTenantChanges,
  recordIdenticalOutcome,
  rejectedLines,
  releaseImportRunLock,
  releaseTenantImportSlot,
  saveImportCheckpoint,
  saveReadCheckpoint,
  setImportFingerprint,
  setImportPhase,
  stagedBucketLines,
  stagingPartitionName,
  truncateStagingPartition,
  tryImportRunLock,
  tryTenantImportSlot,
  type ImportRow,
} from './imports.repository';
import { parseMapping, type OrderMapping } from './mapping';
import { mergeOrderLines, type MergeOptions } from './orders.repository';
import { openRowSource, type FileShape, type RowSource, type SourceRow } from './reader';
import { copyRow, createRowValidator, STAGING_COLUMNS, type Rejection } from './validate';
import { memberColumnNamer, parseMemberMapping } from './member-mapping';
import { copyMemberRow, createMemberRowValidator, MEMBER_STAGING_COLUMNS } from './member-validate';
import { mergeMembers, type MemberMergeOptions } from './members.repository';
import { SecretBox } from '../lib/secret-box';
import { importFingerprint } from './fingerprint';
import { boundHeapGrowth } from './heap-growth';

export { errorReportPath } from './error-report';

export interface ImportProgress {
  importId: string;
  phase: 'reading' | 'merging' | 'reporting';
  rowsRead: number;
  rowsRejected: number;
  bytesRead: number;
  bytesTotal: number;
  rowsPerSecond: number;
  etaSeconds: number | null;
  bucketsDone?: number;
  buckets?: number;
}

export interface ImportSummary {
  import_id: string;
  kind: 'orders' | 'members';
  status: string;
  file: string;
  rows_read: number;
  rows_rejected: number;
  orders_created: number;
  orders_updated: number;
  orders_unchanged: number;
  orders_rejected: number;
  customers_created: number;
  orders_linked: number;
  customers_merged: number;
  stores_created: number;
  clerks_created: number;
  /** The codes of the stores and the names of the clerks the import created (when the mapping said to). */
  stores_created_codes: string[];
  clerks_created_names: string[];
  /** Member imports: members whose customer is a WeCom customer, changed, unchanged, rejected. */
  members_linked: number;
  members_updated: number;
  members_unchanged: number;
  members_rejected: number;
  seconds: number | null;
  rows_per_second: number | null;
  error_report: string | null;
  error: string | null;
  /** The earlier import this one was completed from, its file being byte-identical and nothing changed since. */
  identical_to: string | null;
}

export interface RunImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /** Commit a checkpoint at least every this many lines / milliseconds. */
  chunkLines?: number;
  chunkMs?: number;
  /** Lines per merge bucket. */
  bucketLines?: number;
  /** Test hook: fail as if the process died after this many committed chunks. */
  crashAfterChunks?: number;
  /** At most one such run per tenant (the queue's fairness): a second one is refused with ImportDeferredError. */
  tenantSlot?: boolean;
}

export class ImportBusyError extends UserError {
  constructor() {
    super('该导入正在另一个进程中运行 / This import is already running elsewhere', 409, 'import_busy');
  }
}

/** Another import of the same tenant holds the tenant's slot; this one waits (it stays queued) and is handed on. */
export class ImportDeferredError extends UserError {
  constructor() {
    super('同一商户的另一个导入正在运行，本导入排队等待 / Another import of this account is running; this one waits its turn', 409, 'import_deferred');
  }
}

export function summaryOf(row: NonNullable<ImportRow>): ImportSummary {
  const secs = row.started_at && row.finished_at ? (new Date(row.finished_at).getTime() - new Date(row.started_at).getTime()) / 1000 : null;
  return {
    import_id: row.id,
    kind: row.kind,
    status: row.status,
    file: row.file_name,
    rows_read: Number(row.rows_read),
    rows_rejected: Number(row.rows_rejected),
    orders_created: row.orders_created,
    orders_updated: row.orders_updated,
    orders_unchanged: row.orders_unchanged,
    orders_rejected: row.orders_rejected,
    customers_created: row.customers_created,
    orders_linked: row.customers_linked,
    customers_merged: row.customers_merged,
    stores_created: row.stores_created,
    clerks_created: row.clerks_created,
    stores_created_codes: row.stores_created_codes ?? [],
    clerks_created_names: row.clerks_created_names ?? [],
    members_linked: row.members_linked,
    members_updated: row.members_updated,
    members_unchanged: row.members_unchanged,
    members_rejected: row.members_rejected,
    seconds: secs === null ? null : Math.round(secs * 10) / 10,
    rows_per_second: row.rows_per_second === null ? null : Math.round(Number(row.rows_per_second)),
    error_report: Number(row.rows_rejected) > 0 ? row.error_report_path : null,
    error: row.error_message,
    identical_to: row.identical_to,
  };
}

/**
 * Runs (or resumes) an import to its end. Safe to call again after a crash; concurrent calls are refused. The
 * run holds a session advisory lock on its own connection: it is the import's proof of life (a killed process's
 * locks vanish with its connections, which is how the watchdog tells an orphan from a live run), and with
 * `tenantSlot` a second lock keeps to one run per tenant (docs/decisions/0010-import-queue-fairness-and-recovery.md).
 */
export async function runImport(services: Services, tenantId: TenantId, importId: string, opts: RunImportOptions = {}): Promise<ImportSummary> {
  const lock = await services.ownerSql.reserve();
  try {
    if (!(await tryImportRunLock(lock, importId))) throw new ImportBusyError();
    try {
      if (!opts.tenantSlot) return await runLocked(services, tenantId, importId, opts);
      if (!(await tryTenantImportSlot(lock, tenantId))) throw new ImportDeferredError();
      try {
        return await runLocked(services, tenantId, importId, opts);
      } finally {
        await releaseTenantImportSlot(lock, tenantId);
      }
    } finally {
      await releaseImportRunLock(lock, importId);
    }
  } finally {
    lock.release();
  }
}

/**
 * Finishes a cancel at once when no process is running the import (its run lock is free: e.g. it was left
 * 'running' by a process that died); a live run sees `cancel_requested` at its next checkpoint instead.
 */
export async function cancelIfIdle(services: Services, tenantId: TenantId, importId: string): Promise<boolean> {
  const lock = await services.ownerSql.reserve();
  try {
    if (!(await tryImportRunLock(lock, importId))) return false;
    try {
      const row = await loadImport(services, tenantId, importId);
      if (row.status !== 'running' && row.status !== 'queued') return false;
      await finishCancelled(services, tenantId, importId);
      return true;
    } finally {
      await releaseImportRunLock(lock, importId);
    }
  } finally {
    lock.release();
  }
}

async function loadImport(services: Services, tenantId: TenantId, importId: string) {
  const row = await withTenant(services.dbs, tenantId, (trx) => getImport(trx, tenantId, importId));
  if (!row) throw new UserError(`导入不存在 / No import ${importId}`, 404, 'not_found');
  return row;
}

const dropStaging = (services: Services, importId: string) => dropStagingPartition(services.ownerSql, importId);

async function runLocked(services: Services, tenantId: TenantId, importId: string, opts: RunImportOptions): Promise<ImportSummary> {
  let row = await loadImport(services, tenantId, importId);
  if (row.status === 'done' || row.status === 'failed' || row.status === 'cancelled') return summaryOf(row);
  if (row.cancel_requested) return finishCancelled(services, tenantId, importId);
  const runStarted = Date.now();
  await withTenant(services.dbs, tenantId, (trx) => markImportRunning(trx, tenantId, importId, row.started_at ? new Date(row.started_at) : new Date()));
  try {
    const kind = row.kind;
    const mapping = kind === 'orders' ? parseMapping(row.mapping ?? {}) : null;
    const [ctx, changesAtStart] = await withTenant(services.dbs, tenantId, async (trx) => [
      await loadTenantIngestContext(trx, tenantId),
      kind === 'orders' ? await readTenantChanges(trx, tenantId) : null,
    ] as const);
    const shape: FileShape = {
      format: row.format,
      compression: row.compression,
      encoding: (row.encoding as FileEncoding | null) ?? null,
      delimiter: (row.delimiter as Delimiter | null) ?? null,
    };
    const errPath = errorReportPath(services, tenantId, importId);
    let cp: ImportCheckpoint = row.checkpoint ?? {};

    if (kind === 'orders' && !cp.staged && !cp.linesDone) {
      const same = await completeIfIdentical(services, tenantId, row, errPath, runStarted, opts);
      if (same) return same;
    }
    if (!cp.staged) {
      const r = await readPhase(services, await startRead(services, tenantId, row, shape, rowValidator(services, tenantId, row), errPath, cp, runStarted, opts));
      if (r === 'cancelled') return finishCancelled(services, tenantId, importId);
      row = await loadImport(services, tenantId, importId);
      cp = row.checkpoint;
    }

    const merged = await mergePhase(services, tenantId, row, cp, { ctx, mapping, changesAtStart }, opts);
    if (merged === 'cancelled') return finishCancelled(services, tenantId, importId);
    cp = merged;

    // report the lines of orders the SQL checks rejected
    if (!cp.reported) cp = await reportPhase(services, tenantId, row, shape, errPath, cp, opts);
    commitMergedReport(errPath);

    await dropStaging(services, importId);
    return await finishDone(services, tenantId, importId, kind, cp, errPath, runStarted);
  } catch (e) {
    throw await failOrRetry(services, tenantId, importId, e, row.attempts + 1);
  }
}

/**
 * After a failed run: an error that is final (a bad file or mapping, data the database refuses, or too many
 * attempts — the user has to act) fails the import and is returned, to be thrown; any other is noted for the retry
 * and returned as it is.
 */
async function failOrRetry(services: Services, tenantId: TenantId, importId: string, e: unknown, attempt: number): Promise<unknown> {
  const final = finalError(e, attempt);
  if (final) {
    await dropStaging(services, importId).catch(() => undefined);
    await withTenant(services.dbs, tenantId, (trx) => finishImportFailed(trx, tenantId, importId, final.message));
    return final;
  }
  await withTenant(services.dbs, tenantId, (trx) => noteImportRetry(trx, tenantId, importId, `重试中 / will retry: ${(e as Error).message}`)).catch(() => undefined);
  return e;
}

/** What the merge needs beyond the import: the tenant's ingest context, the order mapping, the change counter at the start. */
interface MergeInputs {
  ctx: TenantIngestContext;
  /** Null for a member import. */
  mapping: OrderMapping | null;
  /** The tenant's change counter when the run started (order imports; null for members). */
  changesAtStart: number | null;
}

/**
 * Merges the staged lines, bucket by bucket from the checkpoint's next one, each with its checkpoint. Returns the
 * checkpoint after the last bucket, or 'cancelled' when a cancel was seen before a bucket.
 */
async function mergePhase(
  services: Services,
  tenantId: TenantId,
  row: NonNullable<ImportRow>,
  cp0: ImportCheckpoint,
  { ctx, mapping, changesAtStart }: MergeInputs,
  opts: RunImportOptions,
): Promise<ImportCheckpoint | 'cancelled'> {
  const { id: importId, kind } = row;
  let cp = cp0;
  if (!cp.bucketsDone) await analyzeStagingPartition(services.ownerSql, importId, kind);
  const goodLines = cp.goodLines ?? 0;
  const buckets = cp.buckets ?? Math.max(1, Math.ceil(goodLines / (opts.bucketLines ?? 1_000_000)));
  const actor = systemActor(tenantId, '', `import:${row.file_name}`.slice(0, 80));
  // the tenant's change counter as this import expects it (null: something else changed the tenant meanwhile)
  let changes = changesAtStart === null || (cp.bucketsDone && cp.changes !== changesAtStart) ? null : changesAtStart;
  for (let b = cp.bucketsDone ?? 0; b < buckets; b++) {
    const cur = await loadImport(services, tenantId, importId);
    if (cur.cancel_requested) return 'cancelled';
    opts.onProgress?.({ importId, phase: 'merging', rowsRead: Number(cur.rows_read), rowsRejected: Number(cur.rows_rejected), bytesRead: row.file_size, bytesTotal: row.file_size, rowsPerSecond: Number(cur.rows_per_second ?? 0), etaSeconds: null, bucketsDone: b, buckets });
    const next: ImportCheckpoint = { ...cp, buckets, bucketsDone: b + 1 };
    const lines = stagedBucketLines(kind, importId, b, buckets);
    if (kind === 'members') {
      await mergeMemberBucket(services, tenantId, importId, { actor, ctx, rows: lines, source: 'import', importId }, next);
      cp = next;
      await nudgeRefresh(services, tenantId);
      continue;
    }
    const o: MergeOptions = {
      actor,
      ctx,
      lines,
      source: 'import',
      importId,
      unknownStores: mapping!.unknownStores,
      unknownClerks: mapping!.unknownClerks,
      negativeTotalIsRefund: mapping!.refund.negativeTotal ?? false,
    };
    changes = await mergeOrderBucket(services, tenantId, importId, o, next, changes);
    cp = next;
    await nudgeRefresh(services, tenantId);
  }
  return cp;
}

/**
 * Marks a merged and reported import done. An order import whose outcome depends on nothing but the tenant's data
 * and its fingerprint records the change counter it ended at, for an identical re-import to be completed from it.
 */
async function finishDone(services: Services, tenantId: TenantId, importId: string, kind: ImportSummary['kind'], cp: ImportCheckpoint, errPath: string, runStarted: number): Promise<ImportSummary> {
  const fin = await loadImport(services, tenantId, importId);
  const secs = Math.max(0.001, (Date.now() - (fin.started_at ? new Date(fin.started_at).getTime() : runStarted)) / 1000);
  await withTenant(services.dbs, tenantId, (trx) =>
    finishImportDone(trx, tenantId, importId, {
      rowsPerSecond: Math.round(Number(fin.rows_read) / secs),
      errorReportPath: Number(fin.rows_rejected) > 0 ? errPath : null,
      checkpoint: cp,
      changesSeen: kind === 'orders' && !cp.clockDependent ? (cp.changes ?? null) : null,
    }),
  );
  return summaryOf(await loadImport(services, tenantId, importId));
}

/** Runs of one import before an error that is not the file's fault stops retrying it. */
export const MAX_IMPORT_ATTEMPTS = 5;

/** The error that ends an import for good, or null when a retry may succeed. */
export function finalError(e: unknown, attempt: number): UserError | null {
  if (e instanceof UserError) return e;
  const msg = (e as Error)?.message ?? String(e);
  const code = String((e as { code?: unknown })?.code ?? '');
  // class 22: data exceptions — the same bytes fail the same way on every retry
  if (e instanceof CopyRefusedError || code.startsWith('22')) return new UserError(`数据库拒绝了文件中的数据 / The database refused data in the file: ${msg}`, 422, 'import_refused');
  if (attempt >= MAX_IMPORT_ATTEMPTS) return new UserError(`尝试 ${attempt} 次后仍失败 / Failed after ${attempt} attempts: ${msg}`, 500, 'import_failed');
  return null;
}

async function finishCancelled(services: Services, tenantId: TenantId, importId: string): Promise<ImportSummary> {
  await dropStaging(services, importId);
  await withTenant(services.dbs, tenantId, (trx) => finishImportCancelled(trx, tenantId, importId));
  return summaryOf(await loadImport(services, tenantId, importId));
}

/** Streams the file into staging with checkpoints (opened by startRead, closed here). Returns 'cancelled' when a cancel was seen. */
async function readPhase(services: Services, run: ReadRun): Promise<'done' | 'cancelled'> {
  const { src, errs, validate, chunkLines, chunkMs, opts } = run;
  let { linesDone, lastLine, rejected, goodLines, clockDependent } = run.counts;
  const skipUntil = lastLine;
  const it = src.batches;
  let batch: SourceRow[] = [];
  let bi = 0;
  let eof = false;
  let chunks = 0;
  let cancelled = false;
  try {
    while (!eof && !cancelled) {
      const chunkStart = Date.now();
      let inChunk = 0;
      await services.ownerSql.begin(async (tx) => {
        const copy = await openChunkCopy(tx, run.copyStatement);
        try {
          let out = '';
          for (;;) {
            if (bi >= batch.length) {
              const r = await it.next();
              if (r.done) {
                eof = true;
                break;
              }
              batch = r.value;
              bi = 0;
              continue;
            }
            const rowv = batch[bi++]!;
            if (rowv.line <= skipUntil) continue;
            const res = validate(rowv.values, rowv.line, rowv.nul);
            linesDone++;
            lastLine = rowv.line;
            if (res.ok) {
              out += res.copy();
              goodLines++;
              // 64K characters per COPY write (262K kept more of the read's garbage alive at the peak)
              if (out.length > 65_536) {
                const text = out;
                out = '';
                await copy.write(text);
              }
            } else {
              rejected++;
              const er = res.error;
              if (er.reason === 'paid_at_in_future') clockDependent = true;
              errs.buf += csvLine([er.line, er.column ?? '', er.reason, er.message, ...rowv.values]);
              if (errs.buf.length > 1_048_576) flushErrorReport(errs);
            }
            if (++inChunk >= chunkLines || ((inChunk & 4095) === 0 && Date.now() - chunkStart > chunkMs)) break;
          }
          if (out) await copy.write(out);
          await copy.end();
        } catch (e) {
          copy.abort(e);
          throw e;
        }
        cancelled = await saveReadChunk(tx, run, { linesDone, lastLine, rejected, goodLines, clockDependent }, eof);
      });
      chunks++;
      if (opts.crashAfterChunks !== undefined && chunks >= opts.crashAfterChunks && !eof) throw new Error('simulated crash');
    }
  } finally {
    await endRead(run);
  }
  return cancelled ? 'cancelled' : 'done';
}

/** The lines read so far, as the read checkpoints them. */
interface ReadCounts {
  linesDone: number;
  lastLine: number;
  rejected: number;
  goodLines: number;
  clockDependent: boolean;
}

/** The error report being appended to: its file, its committed length and the lines not yet written. */
interface ErrorReportFile {
  fd: number;
  bytes: number;
  buf: string;
}

/** A read phase under way: what its chunks checkpoint and report, and what it closes at the end. */
interface ReadRun {
  tenantId: TenantId;
  row: NonNullable<ImportRow>;
  errPath: string;
  runStarted: number;
  opts: RunImportOptions;
  src: RowSource;
  validate: RowToCopy;
  errs: ErrorReportFile;
  /** The checkpoint of the last committed chunk. */
  cp: ImportCheckpoint;
  /** Where the read resumes. */
  counts: ReadCounts;
  copyStatement: string;
  /** A chunk commits after this many lines, or once it has taken this many milliseconds. */
  chunkLines: number;
  chunkMs: number;
  unbound: () => void;
}

/**
 * Opens the read: checks staging against the checkpoint (an UNLOGGED partition is emptied by a PostgreSQL crash:
 * if staging does not hold what the checkpoint says, the read starts over), opens the file and its validator, then
 * the error report (started with its head, or cut back to its checkpointed length), and bounds the heap's growth
 * until endRead.
 */
async function startRead(
  services: Services,
  tenantId: TenantId,
  row: NonNullable<ImportRow>,
  shape: FileShape,
  makeValidator: (header: readonly string[]) => RowToCopy,
  errPath: string,
  cp0: ImportCheckpoint,
  runStarted: number,
  opts: RunImportOptions,
): Promise<ReadRun> {
  const owner = services.ownerSql;
  let cp = { ...cp0 };
  const staged = await openStagingPartition(owner, row.id, row.kind, tenantId);
  mkdirSync(path.dirname(errPath), { recursive: true });
  const errSize = existsSync(errPath) ? statSync(errPath).size : 0;
  if (staged !== (cp.goodLines ?? 0) || errSize < (cp.errorBytes ?? 0)) {
    await truncateStagingPartition(owner, row.id, row.kind);
    cp = {};
  }
  const src = await openRowSource(row.file_path, shape);
  let validate: RowToCopy;
  let errs: ErrorReportFile;
  try {
    // a mapping naming columns the file lacks is refused here: the file is closed before the error goes on
    validate = makeValidator(src.header);
    errs = openErrorReport(errPath, src.header, cp);
  } catch (e) {
    await src.close();
    throw e;
  }
  const counts: ReadCounts = { linesDone: cp.linesDone ?? 0, lastLine: cp.lastLine ?? 0, rejected: cp.rejected ?? 0, goodLines: cp.goodLines ?? 0, clockDependent: cp.clockDependent ?? false };
  const cols = copiedStagingColumns<string>(row.kind === 'members' ? MEMBER_STAGING_COLUMNS : STAGING_COLUMNS).join(', ');
  const copyStatement = `copy ${stagingPartitionName(row.id, row.kind)} (${cols}) from stdin`;
  const chunkLines = opts.chunkLines ?? 500_000;
  const chunkMs = opts.chunkMs ?? 1500;
  return { tenantId, row, errPath, runStarted, opts, src, validate, errs, cp, counts, copyStatement, chunkLines, chunkMs, unbound: boundHeapGrowth() };
}

/**
 * The error report for appending, after `cp.errorBytes` (which it sets when it starts the report): BOM (Excel opens
 * UTF-8 correctly), fixed columns, then the file's own columns.
 */
function openErrorReport(errPath: string, header: readonly string[], cp: ImportCheckpoint): ErrorReportFile {
  if (!cp.errorBytes) {
    const head = reportHead(header);
    const fd = openSync(errPath, 'w');
    writeSync(fd, head);
    closeSync(fd);
    cp.errorBytes = Buffer.byteLength(head);
  } else truncateSync(errPath, cp.errorBytes);
  return { fd: openSync(errPath, 'a'), bytes: cp.errorBytes, buf: '' };
}

function flushErrorReport(errs: ErrorReportFile): void {
  if (!errs.buf) return;
  const b = Buffer.from(errs.buf);
  writeSync(errs.fd, b);
  errs.bytes += b.length;
  errs.buf = '';
}

/** One chunk's COPY into the staging partition, in the chunk's transaction. */
async function openChunkCopy(tx: postgres.TransactionSql, copyStatement: string): Promise<CopyWriter> {
  // a backstop: a transaction left idle by a stuck process is ended by the server, which frees the connection
  await tx`set local idle_in_transaction_session_timeout = '5min'`;
  return openCopy(tx, copyStatement);
}

/**
 * The end of a chunk, in its transaction: the error report synced to disk, then the checkpoint and progress saved
 * with the staged lines; reports progress. Returns whether a cancel was asked for (and the read is not at its end).
 */
async function saveReadChunk(tx: postgres.TransactionSql, run: ReadRun, n: ReadCounts, eof: boolean): Promise<boolean> {
  const { row, src, errs, opts } = run;
  flushErrorReport(errs);
  fsyncSync(errs.fd);
  const elapsed = Math.max(0.001, (Date.now() - run.runStarted) / 1000);
  const bytesRead = src.bytesRead();
  const rate = (n.linesDone - run.counts.linesDone) / elapsed;
  const byteRate = bytesRead / elapsed;
  const eta = eof ? null : byteRate > 0 ? Math.max(0, Math.round(((row.file_size - bytesRead) / byteRate) * 1.15)) : null;
  const { linesDone, lastLine, rejected, goodLines, clockDependent } = n;
  run.cp = { ...run.cp, linesDone, lastLine, rejected, goodLines, errorBytes: errs.bytes, bytesRead, staged: eof, ...(clockDependent ? { clockDependent } : {}) };
  const cancelAsked = await saveReadCheckpoint(tx, run.tenantId, row.id, {
    cp: run.cp,
    rowsRead: linesDone,
    rowsRejected: rejected,
    bytesRead,
    rowsPerSecond: Math.round(rate),
    etaSeconds: eta,
    phase: eof ? 'merging' : 'reading',
    errorReportPath: run.errPath,
  });
  opts.onProgress?.({ importId: row.id, phase: 'reading', rowsRead: linesDone, rowsRejected: rejected, bytesRead, bytesTotal: row.file_size, rowsPerSecond: Math.round(rate), etaSeconds: eta });
  return !eof && cancelAsked;
}

/** Closes what startRead opened (the error report, the file) and lifts its heap bound. */
async function endRead(run: ReadRun): Promise<void> {
  run.unbound();
  closeSync(run.errs.fd);
  await run.src.batches.return(undefined).catch(() => undefined);
  await run.src.close();
}

/**
 * Merges the lines of orders rejected in SQL (lines that disagree, unknown stores …) into the error report, in the
 * file's line order and under the file's column names. Returns the checkpoint that marks the report done.
 */
async function reportPhase(
  services: Services,
  tenantId: TenantId,
  row: NonNullable<ImportRow>,
  shape: FileShape,
  errPath: string,
  cp: ImportCheckpoint,
  opts: RunImportOptions,
): Promise<ImportCheckpoint> {
  const importId = row.id;
  const groups = await withTenant(services.dbs, tenantId, (trx) => rejectedLines(trx, tenantId, importId, row.kind));
  const columnName =
    row.kind === 'members' ? memberColumnNamer(parseMemberMapping(row.mapping ?? {}), row.header ?? []) : fileColumnNamer(parseMapping(row.mapping ?? {}), row.header ?? []);
  let next: ImportCheckpoint = { ...cp, reported: true };
  if (groups.length > 0) {
    opts.onProgress?.({ importId, phase: 'reporting', rowsRead: cp.linesDone ?? 0, rowsRejected: cp.rejected ?? 0, bytesRead: row.file_size, bytesTotal: row.file_size, rowsPerSecond: 0, etaSeconds: null });
    await withTenant(services.dbs, tenantId, (trx) => setImportPhase(trx, tenantId, importId, 'reporting'));
    const unbound = boundHeapGrowth(); // one more pass over the file
    const bytes = await mergeRejectedOrders(errPath, cp.errorBytes ?? 0, { path: row.file_path, shape }, groups, columnName).finally(unbound);
    next = { ...next, errorBytes: bytes };
  }
  // checkpointed before the merged report replaces the read phase's (commitMergedReport): a crash redoes neither twice
  await withTenant(services.dbs, tenantId, (trx) => saveImportCheckpoint(trx, tenantId, importId, next));
  return next;
}

/** A row validated and ready to stage: its COPY line, or why it was rejected. */
type RowToCopy = (values: string[], line: number, nul?: boolean) => { ok: true; copy: () => string } | { ok: false; error: Rejection };

/** The validator of the import's kind, for the file's header (throws a ValidationError naming missing columns). */
function rowValidator(services: Services, tenantId: TenantId, row: NonNullable<ImportRow>): (header: readonly string[]) => RowToCopy {
  const mobileKey = mobileHashKey(services.config.APP_ENCRYPTION_KEY);
  if (row.kind === 'members') {
    const mapping = parseMemberMapping(row.mapping ?? {});
    const box = new SecretBox(services.config.APP_ENCRYPTION_KEY);
    return (header) => {
      const v = createMemberRowValidator(mapping, header, { tenantId, mobileKey, box });
      return (values, line, nul) => {
        const r = v(values, line, nul);
        return r.ok ? { ok: true, copy: () => copyMemberRow(r.value) } : r;
      };
    };
  }
  const mapping: OrderMapping = parseMapping(row.mapping ?? {});
  return (header) => {
    const v = createRowValidator(mapping, header, { mobileKey });
    return (values, line, nul) => {
      const r = v(values, line, nul);
      return r.ok ? { ok: true, copy: () => copyRow(r.value) } : r;
    };
  };
}

/**
 * One bucket of an order import, merged with its checkpoint in one transaction (a repeated bucket changes nothing).
 * `changes`: the tenant's change counter as the import expects it. Returns (and checkpoints) the counter after the
 * bucket when it moved by the bucket's own writes only — exact, the counter's row stays locked until commit — else
 * null: something else changed the tenant meanwhile (docs/decisions/0012-identical-reimport.md).
 */
async function mergeOrderBucket(services: Services, tenantId: TenantId, importId: string, o: MergeOptions, next: ImportCheckpoint, changes: number | null): Promise<number | null> {
  return withTenant(services.dbs, tenantId, async (trx) => {
    await lockTenantIdentities(trx, tenantId);
    const before = await readTenantChanges(trx, tenantId);
    const st = await mergeOrderLines(trx, tenantId, o);
    const after = await flushTenantChanges(trx, tenantId);
    next.changes = changes !== null && before === changes && after.n === before + (after.own ? 1 : 0) ? after.n : null;
    await recordMergedBucket(trx, tenantId, importId, st, next);
    return next.changes;
  });
}

/** One bucket of a member import, merged with its checkpoint in one transaction (a repeated bucket changes nothing). */
async function mergeMemberBucket(services: Services, tenantId: TenantId, importId: string, o: MemberMergeOptions, next: ImportCheckpoint): Promise<void> {
  await withTenant(services.dbs, tenantId, async (trx) => {
    await lockTenantIdentities(trx, tenantId);
    const st = await mergeMembers(trx, tenantId, o);
    await recordMergedMemberBucket(trx, tenantId, importId, st, next);
  });
}

/**
 * A re-import whose file is byte-identical (same fingerprint) to an earlier finished import of the tenant that ended
 * at the tenant's current change counter: nothing it depends on changed since, so re-reading it would find every
 * order unchanged and reject the same lines. It is completed at once from the earlier import's outcome and error
 * report (docs/decisions/0012-identical-reimport.md). Returns null when it has to be read.
 */
async function completeIfIdentical(
  services: Services,
  tenantId: TenantId,
  row: NonNullable<ImportRow>,
  errPath: string,
  runStarted: number,
  opts: RunImportOptions,
): Promise<ImportSummary | null> {
  const importId = row.id;
  let fingerprint = row.fingerprint;
  if (!fingerprint) {
    const fp = await importFingerprint(row.file_path, { kind: row.kind, mapping: row.mapping, format: row.format, compression: row.compression, encoding: row.encoding, delimiter: row.delimiter });
    await withTenant(services.dbs, tenantId, (trx) => setImportFingerprint(trx, tenantId, importId, fp));
    fingerprint = fp;
  }
  const fp = fingerprint;
  const done = await withTenant(services.dbs, tenantId, async (trx) => {
    const changes = await readTenantChanges(trx, tenantId);
    const earlier = await findIdenticalImport(trx, tenantId, importId, fp, changes);
    if (!earlier) return null;
    const report = Number(earlier.rows_rejected) > 0 ? earlier.error_report_path : null;
    if (Number(earlier.rows_rejected) > 0 && !(report && existsSync(report))) return null;
    if (report) {
      mkdirSync(path.dirname(errPath), { recursive: true });
      copyFileSync(report, errPath);
    }
    await recordIdenticalOutcome(trx, tenantId, importId, earlier.id);
    const secs = Math.max(0.001, (Date.now() - runStarted) / 1000);
    const fin = (await getImport(trx, tenantId, importId))!;
    await finishImportDone(trx, tenantId, importId, {
      rowsPerSecond: Math.round(Number(fin.rows_read) / secs),
      errorReportPath: report ? errPath : null,
      checkpoint: { linesDone: Number(fin.rows_read), rejected: Number(fin.rows_rejected), staged: true, reported: true, changes },
      changesSeen: changes,
    });
    return fin;
  });
  if (!done) return null;
  opts.onProgress?.({ importId, phase: 'reading', rowsRead: Number(done.rows_read), rowsRejected: Number(done.rows_rejected), bytesRead: row.file_size, bytesTotal: row.file_size, rowsPerSecond: 0, etaSeconds: 0 });
  return summaryOf(await loadImport(services, tenantId, importId));
}
