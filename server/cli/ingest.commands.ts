/**
 * CLI: `import orders <file> --tenant S --map field=Column,...` and `import members <file> --tenant S [--map
 * member_no=Column,...]` run the same engine as the upload in this process: progress on stderr, a JSON summary as
 * the last stdout line, non-zero exit on a bad mapping or file.
 */
import path from 'node:path';
import { systemActor } from '../tenancy/actor';
import { findTenantBySlug } from '../tenancy/tenants.service';
import { ValidationError } from '../lib/errors';
import { runImport, type ImportProgress } from '../ingest/import.engine';
import { findPreset, registerImportFile, setImportMapping } from '../ingest/imports.service';
import { guessColumns, parseMapArg, type OrderMappingInput } from '../ingest/mapping';
import { MEMBER_FIELDS, MEMBER_SYNONYMS } from '../ingest/member-mapping';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import type { Delimiter, EncodingOption } from '../ingest/detect';
import { CliUsageError, optionalString, requireString, type CliCommand } from './command';

const ENCODINGS = ['auto', 'utf8', 'gb18030', 'gbk', 'utf16le'] as const;
const DELIMS: Record<string, Delimiter> = { ',': ',', comma: ',', ';': ';', semicolon: ';', tab: '\t', '\\t': '\t', '|': '|', pipe: '|' };

function fmtDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.round(s % 60)).padStart(2, '0')}`;
}

export function progressLine(p: ImportProgress): string {
  if (p.phase === 'merging') return `merging orders… (${(p.bucketsDone ?? 0) + 1}/${p.buckets ?? 1}) ${p.rowsRead.toLocaleString('en')} rows read, ${p.rowsRejected.toLocaleString('en')} rejected`;
  if (p.phase === 'reporting') return 'writing the error report…';
  const pct = p.bytesTotal > 0 ? Math.min(100, (p.bytesRead / p.bytesTotal) * 100) : 0;
  return `${pct.toFixed(1).padStart(5)}%  ${p.rowsRead.toLocaleString('en')} rows  ${p.rowsRejected.toLocaleString('en')} rejected  ${p.rowsPerSecond.toLocaleString('en')} rows/s  ETA ${fmtDuration(p.etaSeconds)}`;
}

/** The file, tenant, encoding and delimiter both import commands take, checked. */
async function fileArgs(services: Services, values: Record<string, unknown>, positionals: string[]) {
  const file = positionals[0];
  if (!file) throw new CliUsageError('the file to import is required');
  const tenant = await findTenantBySlug(services, requireString(values, 'tenant'));
  const encoding = optionalString(values, 'encoding') ?? 'auto';
  if (!(ENCODINGS as readonly string[]).includes(encoding)) throw new CliUsageError(`--encoding must be one of ${ENCODINGS.join(', ')}`);
  const delimArg = optionalString(values, 'delimiter');
  const delimiter = delimArg === undefined ? undefined : DELIMS[delimArg];
  if (delimArg !== undefined && !delimiter) throw new CliUsageError('--delimiter must be comma, semicolon, tab or pipe');
  return { abs: path.resolve(file), tenant, encoding: encoding as EncodingOption, delimiter };
}

/** `--unknown-stores` / `--unknown-clerks`: create or reject (undefined when not given). */
function createOrReject(values: Record<string, unknown>, name: string): 'create' | 'reject' | undefined {
  const v = optionalString(values, name);
  if (v !== undefined && v !== 'create' && v !== 'reject') throw new CliUsageError(`--${name} must be create or reject`);
  return v;
}

export const ingestCommands: CliCommand[] = [
  {
    name: 'import orders',
    usage:
      'import orders <file> --tenant S --map field=Column,... [--refund-prefix C] [--refund-status V1,V2] [--refund-negative] [--encoding auto|utf8|gb18030] [--delimiter comma|semicolon|tab|pipe] [--preset NAME] [--save-preset NAME] [--unknown-stores reject|create] [--unknown-clerks reject|create] (unknown store codes / clerks reject their rows unless create) [--channel pos|mini_program|ecommerce|group_buy|other] [--money yuan|fen]',
    positionals: 1,
    options: {
      tenant: { type: 'string' },
      map: { type: 'string' },
      'refund-prefix': { type: 'string' },
      'refund-status': { type: 'string' },
      'refund-negative': { type: 'boolean' },
      encoding: { type: 'string' },
      delimiter: { type: 'string' },
      preset: { type: 'string' },
      'save-preset': { type: 'string' },
      'unknown-stores': { type: 'string' },
      'unknown-clerks': { type: 'string' },
      channel: { type: 'string' },
      money: { type: 'string' },
    },
    async run(services, { values, positionals }, io) {
      const { abs, tenant, encoding, delimiter } = await fileArgs(services, values, positionals);
      const presetName = optionalString(values, 'preset');
      const mapArg = optionalString(values, 'map');
      if (!presetName && !mapArg) throw new CliUsageError('--map field=Column,... (or --preset NAME) is required');

      // the mapping: a preset, then --map and the flags on top of it
      const base: OrderMappingInput = presetName ? await findPreset(services, tenant.id, presetName) : { columns: {} };
      const mapping: OrderMappingInput = { ...base, columns: { ...base.columns, ...(mapArg ? parseMapArg(mapArg) : {}) }, refund: { ...base.refund } };
      const prefix = optionalString(values, 'refund-prefix');
      if (prefix !== undefined) mapping.refund = { ...mapping.refund, prefix };
      const statuses = optionalString(values, 'refund-status');
      if (statuses !== undefined) mapping.refund = { ...mapping.refund, statusValues: statuses.split(',').map((s) => s.trim()).filter(Boolean) };
      if (values['refund-negative'] === true) mapping.refund = { ...mapping.refund, negativeTotal: true };
      const us = createOrReject(values, 'unknown-stores');
      if (us) mapping.unknownStores = us;
      const uc = createOrReject(values, 'unknown-clerks');
      if (uc) mapping.unknownClerks = uc;
      const channel = optionalString(values, 'channel');
      if (channel !== undefined) mapping.defaultChannel = channel as OrderMappingInput['defaultChannel'];
      const money = optionalString(values, 'money');
      if (money !== undefined) mapping.moneyUnit = money as OrderMappingInput['moneyUnit'];

      const actor = systemActor(tenant.id, tenant.slug, 'cli');
      const reg = await registerImportFile(services, actor, { path: abs, fileName: path.basename(abs), source: 'cli', encoding, delimiter });
      io.err(`Importing ${path.basename(abs)} into ${tenant.slug}: ${reg.preview.format}${reg.preview.compression ? '+gzip' : ''}${reg.preview.encoding ? `, ${reg.preview.encoding}` : ''}${reg.preview.delimiter ? `, delimiter ${JSON.stringify(reg.preview.delimiter)}` : ''}, ${reg.preview.header.length} columns`);
      await setMappingOrDiscard(services, actor, reg.id, mapping, { presetName: presetName ?? null, savePresetAs: optionalString(values, 'save-preset') ?? null });
      const summary = await runWithProgress(services, tenant.id, reg.id, io);
      io.err(
        `Done: ${summary.rows_read.toLocaleString('en')} rows read, ${summary.rows_rejected.toLocaleString('en')} rejected; orders ${summary.orders_created.toLocaleString('en')} created, ${summary.orders_updated.toLocaleString('en')} updated, ${summary.orders_unchanged.toLocaleString('en')} unchanged${summary.stores_created_codes.length ? `; stores created: ${summary.stores_created_codes.join(', ')}` : ''}${summary.clerks_created_names.length ? `; clerks created: ${summary.clerks_created_names.join(', ')}` : ''}${summary.error_report ? `; error report: ${summary.error_report}` : ''}${summary.identical_to ? `; identical to import ${summary.identical_to} with nothing changed since: not read again` : ''}`,
      );
      io.out(JSON.stringify(summary));
    },
  },
  {
    name: 'import members',
    usage: `import members <file> --tenant S [--map member_no=Column,mobile=Column,...] [--encoding auto|utf8|gb18030] [--delimiter comma|semicolon|tab|pipe]  (fields: ${MEMBER_FIELDS.join(', ')}; unmapped fields are guessed from the column names)`,
    positionals: 1,
    options: { tenant: { type: 'string' }, map: { type: 'string' }, encoding: { type: 'string' }, delimiter: { type: 'string' } },
    async run(services, { values, positionals }, io) {
      const { abs, tenant, encoding, delimiter } = await fileArgs(services, values, positionals);
      const actor = systemActor(tenant.id, tenant.slug, 'cli');
      const reg = await registerImportFile(services, actor, { path: abs, fileName: path.basename(abs), source: 'cli', kind: 'members', encoding, delimiter });
      const mapArg = optionalString(values, 'map');
      const columns = { ...guessColumns(reg.preview.header, MEMBER_FIELDS, MEMBER_SYNONYMS), ...(mapArg ? parseMapArg(mapArg, MEMBER_FIELDS) : {}) };
      io.err(`Importing members from ${path.basename(abs)} into ${tenant.slug}: ${Object.entries(columns).map(([f, c]) => `${f}=${c}`).join(', ')}`);
      await setMappingOrDiscard(services, actor, reg.id, { columns });
      const summary = await runWithProgress(services, tenant.id, reg.id, io);
      io.err(
        `Done: ${summary.rows_read.toLocaleString('en')} rows read, ${summary.rows_rejected.toLocaleString('en')} rejected; customers created ${summary.customers_created.toLocaleString('en')}, updated ${summary.members_updated.toLocaleString('en')}, unchanged ${summary.members_unchanged.toLocaleString('en')}; ${summary.members_linked.toLocaleString('en')} members are WeCom customers${summary.error_report ? `; error report: ${summary.error_report}` : ''}`,
      );
      io.out(JSON.stringify(summary));
    },
  },
];

/** Stores the mapping; when the file cannot satisfy it, the registered import is discarded before the error goes out. */
async function setMappingOrDiscard(services: Services, actor: Actor, importId: string, mapping: unknown, opts: { presetName?: string | null; savePresetAs?: string | null } = {}): Promise<void> {
  try {
    await setImportMapping(services, actor, importId, mapping, opts);
  } catch (e) {
    if (e instanceof ValidationError) {
      const { discardImport } = await import('../ingest/imports.service');
      await discardImport(services, actor, importId).catch(() => undefined);
    }
    throw e;
  }
}

/** Runs the import in this process with a progress line on stderr at most every second. */
async function runWithProgress(services: Services, tenantId: Actor['tenantId'], importId: string, io: { err: (line: string) => void }) {
  let last = 0;
  return runImport(services, tenantId, importId, {
    onProgress: (p) => {
      const now = Date.now();
      if (now - last < 1000 && p.phase === 'reading') return;
      last = now;
      io.err(progressLine(p));
    },
  });
}
