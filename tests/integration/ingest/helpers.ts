import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Services } from '../../../server/services';
import type { Actor } from '../../../server/tenancy/actor';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { runImport, type RunImportOptions } from '../../../server/ingest/import.engine';
import { registerImportFile, setImportMapping } from '../../../server/ingest/imports.service';
import type { OrderMappingInput } from '../../../server/ingest/mapping';

export const tmp = mkdtempSync(path.join(os.tmpdir(), 'huike-ingest-'));

export function writeTmp(name: string, data: string | Buffer): string {
  const p = path.join(tmp, name);
  writeFileSync(p, data);
  return p;
}

export async function importFile(services: Services, actor: Actor, file: string, mapping: OrderMappingInput, opts: RunImportOptions = {}) {
  const reg = await registerImportFile(services, actor, { path: file, fileName: path.basename(file), source: 'cli' });
  await setImportMapping(services, actor, reg.id, mapping);
  const summary = await runImport(services, actor.tenantId, reg.id, opts);
  return { id: reg.id, preview: reg.preview, summary };
}

export async function q<T>(services: Services, tenantId: TenantId, query: ReturnType<typeof sql<T>>): Promise<T[]> {
  return withTenant(services.dbs, tenantId, async (trx) => (await query.execute(trx)).rows);
}
