/**
 * Queue jobs of the ingest capability:
 * - `ingest.import-orders`: runs (or resumes from its checkpoint) one import. A bad file or mapping fails the
 *   import for good; other errors are retried by pg-boss and the engine resumes after the last checkpoint.
 * - `ingest.watchdog` (every minute): re-queues imports whose worker died (no heartbeat for 2 minutes; the
 *   engine's advisory lock keeps a live run exclusive), drops staging of finished imports and expires API
 *   idempotency keys after 24 hours.
 */
import { sql } from 'kysely';
import type { JobDefinition } from '../jobs/queue';
import { UserError } from '../lib/errors';
import type { Services } from '../services';
import { asTenantId, withSystem } from '../tenancy/context';
import { ImportBusyError, runImport } from './import.engine';
import { IMPORT_JOB } from './imports.service';

interface ImportJobData {
  tenantId: string;
  importId: string;
}

export const ingestJobs: JobDefinition<ImportJobData | object, Services>[] = [
  {
    name: IMPORT_JOB,
    retryLimit: 3,
    retryDelay: 5,
    expireInSeconds: 4 * 3600,
    concurrency: 2,
    handler: async (services, data) => {
      const d = data as ImportJobData;
      try {
        await runImport(services, asTenantId(d.tenantId), d.importId);
      } catch (e) {
        if (e instanceof ImportBusyError) return;
        if (e instanceof UserError) {
          services.log.warn('import failed', { importId: d.importId, error: e.message });
          return;
        }
        throw e;
      }
    },
  },
  {
    name: 'ingest.watchdog',
    cron: '* * * * *',
    handler: async (services) => {
      const stale = await withSystem(services.dbs, (db) =>
        sql<{ tenant_id: string; id: string }>`
          select tenant_id, id from imports
          where (status = 'running' and heartbeat_at < now() - interval '2 minutes')
             or (status = 'queued' and created_at < now() - interval '2 minutes' and coalesce(heartbeat_at, created_at) < now() - interval '2 minutes')
          limit 50`.execute(db),
      );
      for (const r of stale.rows) {
        await services.queue.send(IMPORT_JOB, { tenantId: r.tenant_id, importId: r.id }, { singletonKey: r.id, retryLimit: 3, expireInSeconds: 4 * 3600 });
      }
      const leftovers = await withSystem(services.dbs, (db) =>
        sql<{ name: string }>`
          select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
          where p.relname = 'import_staging' and not exists (
            select 1 from imports m where replace(m.id::text, '-', '') = substr(c.relname, 16) and m.status in ('uploaded','queued','running'))`.execute(db),
      );
      for (const l of leftovers.rows) if (/^import_staging_[0-9a-f]{32}$/.test(l.name)) await services.ownerSql.unsafe(`drop table if exists ${l.name}`);
      await withSystem(services.dbs, (db) => sql`delete from api_idempotency_keys where created_at < now() - interval '24 hours'`.execute(db));
    },
  },
];
