/**
 * Queue jobs of the ingest capability:
 * - `ingest.import-orders`: runs (or resumes from its checkpoint) one import, at most one per tenant at a time
 *   (a second one of the same tenant is deferred: it stays queued and is handed on when the running one ends),
 *   so one tenant's files never take every import worker. A bad file or mapping fails the import for good;
 *   other errors are retried by pg-boss and the engine resumes after the last checkpoint.
 * - `ingest.watchdog` (at worker start, then every minute): re-queues imports whose process died — 'running'
 *   with nobody holding their run lock, found at once — and queued imports whose job was lost; drops staging of
 *   finished imports and expires API idempotency keys after 24 hours.
 * See docs/decisions/0010-import-queue-fairness-and-recovery.md.
 */
import { sql } from 'kysely';
import type { AnyJob } from '../jobs/job';
import { UserError } from '../lib/errors';
import type { Services } from '../services';
import { asTenantId, withSystem, withTenant, type TenantId } from '../tenancy/context';
import { ImportBusyError, ImportDeferredError, runImport } from './import.engine';
import { findOrphanedImports, findStaleQueuedImports, listWaitingImports } from './imports.repository';

const sendImport = (services: Services, tenantId: string, importId: string) =>
  services.queue.send('ingest.import-orders', { tenantId, importId }, { singletonKey: importId, retryLimit: 3, expireInSeconds: 4 * 3600 });

/** After a run of the tenant ends, its waiting imports get a job again (the oldest takes the tenant's slot). */
async function handOn(services: Services, tenantId: TenantId, importId: string): Promise<void> {
  const waiting = await withTenant(services.dbs, tenantId, (trx) => listWaitingImports(trx, tenantId, importId));
  for (const w of waiting) await sendImport(services, tenantId, w.id);
}

export const ingestJobs: AnyJob[] = [
  {
    name: 'ingest.import-orders',
    retryLimit: 3,
    retryDelay: 5,
    expireInSeconds: 4 * 3600,
    concurrency: 2,
    handler: async (services, d) => {
      const tenantId = asTenantId(d.tenantId);
      try {
        await runImport(services, tenantId, d.importId, { tenantSlot: true });
      } catch (e) {
        if (e instanceof ImportBusyError || e instanceof ImportDeferredError) return;
        await handOn(services, tenantId, d.importId).catch((err: unknown) => services.log.error('import hand-on failed', { tenantId, error: err }));
        if (e instanceof UserError) {
          services.log.warn('import failed', { importId: d.importId, error: e.message });
          return;
        }
        throw e;
      }
      await handOn(services, tenantId, d.importId);
    },
  },
  {
    name: 'ingest.watchdog',
    cron: '* * * * *',
    runOnStart: true,
    handler: async (services) => {
      const orphans = await withSystem(services.dbs, (db) => findOrphanedImports(db));
      const lost = await withSystem(services.dbs, (db) => findStaleQueuedImports(db));
      for (const r of [...orphans, ...lost]) await sendImport(services, r.tenant_id, r.id);
      if (orphans.length) services.log.info('resuming imports left by a stopped process', { imports: orphans.map((o) => o.id) });
      const leftovers = await withSystem(services.dbs, (db) =>
        sql<{ name: string }>`
          select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
          where p.relname in ('import_staging', 'import_member_staging') and not exists (
            select 1 from imports m where replace(m.id::text, '-', '') = right(c.relname, 32) and m.status in ('uploaded','queued','running'))`.execute(db),
      );
      for (const l of leftovers.rows) if (/^import_(member_)?staging_[0-9a-f]{32}$/.test(l.name)) await services.ownerSql.unsafe(`drop table if exists ${l.name}`);
      await withSystem(services.dbs, (db) => sql`delete from api_idempotency_keys where created_at < now() - interval '24 hours'`.execute(db));
    },
  },
];
