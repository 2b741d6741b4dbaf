/**
 * The process-wide services every entry point (web, worker, CLI, tests) opens the same way: pick the database
 * (DATABASE_URL or embedded), make sure the app role exists, migrate to the latest, open both pools and the
 * queue. Routes receive these through Remix's load context, never through module globals.
 */
import { sql } from 'kysely';
import { appRolePassword, appUrlFrom, ensureAppRole, makeKysely, makeSql, postgresFixLoaded, type Sql } from '../db/connection';
import { startEmbeddedPostgres, type EmbeddedHandle } from '../db/embedded';
import { migrateToLatest } from '../db/migrate';
import type { Config } from './config';
import { JOB_PAYLOADS, type JobPayloads } from './jobs/payloads';
import { createQueue, stopQueue, type Queue } from './jobs/queue';
import type { Logger } from './lib/log';
import type { Dbs } from './tenancy/context';

export interface Services {
  config: Config;
  log: Logger;
  dbs: Dbs;
  ownerSql: Sql;
  appSql: Sql;
  ownerUrl: string;
  queue: Queue<JobPayloads>;
  embedded?: EmbeddedHandle;
  /** Extension point: capabilities may hang process-wide helpers here (e.g. the in-process WeCom simulator). */
  extensions: Record<string, unknown>;
  close(): Promise<void>;
}

export interface OpenOptions {
  log: Logger;
  /** Pool sizes; the CLI wants small pools, the web process larger ones. */
  appPoolSize?: number;
  ownerPoolSize?: number;
}

export async function openServices(config: Config, opts: OpenOptions): Promise<Services> {
  const { log } = opts;
  if (!postgresFixLoaded()) log.warn('postgres.js was loaded without --import ./db/postgres-fix.mjs: a restart of PostgreSQL can stop this process');
  let embedded: EmbeddedHandle | undefined;
  let ownerUrl = config.DATABASE_URL;
  if (!ownerUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT, log: (m) => log.info(m) });
    ownerUrl = embedded.url;
  }
  const ownerSql = makeSql(ownerUrl, opts.ownerPoolSize ?? 5);
  let appUrl = config.APP_DATABASE_URL;
  try {
    if (!appUrl) {
      const pw = appRolePassword(config.APP_ENCRYPTION_KEY);
      await ensureAppRole(ownerSql, pw);
      appUrl = appUrlFrom(ownerUrl, pw);
    }
  } catch (e) {
    await ownerSql.end();
    await embedded?.stop();
    throw e;
  }
  const owner = makeKysely(ownerSql);
  const applied = await migrateToLatest(owner);
  if (applied.length) log.info(`Applied ${applied.length} migration(s)`, { last: applied[applied.length - 1] });
  // Sequences created by migrations before the default privileges existed.
  await sql`grant usage, select on all sequences in schema public to huike_app`.execute(owner);

  const appSql = makeSql(appUrl, opts.appPoolSize ?? 20);
  const app = makeKysely(appSql);
  const queue = createQueue(ownerUrl, log, JOB_PAYLOADS);
  let closed = false;
  const services: Services = {
    config,
    log,
    dbs: { app, owner },
    ownerSql,
    appSql,
    ownerUrl,
    queue,
    embedded,
    extensions: {},
    async close() {
      if (closed) return;
      closed = true;
      await stopQueue(queue).catch((e: unknown) => log.warn('queue stop failed', { error: e }));
      await appSql.end({ timeout: 5 });
      await ownerSql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
  return services;
}
