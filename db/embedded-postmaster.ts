/**
 * What the `postmaster.pid` of an embedded cluster names: nothing, a stale pid (a dead process, or a live process
 * that is not this cluster's postgres, e.g. a reused pid), or the live server of this data directory. A live
 * server is never signalled by a starting process: the app, the worker and the CLI share it.
 */
import { existsSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';

export interface Postmaster {
  pid: number;
  port: number;
  /** The process that started it has gone (a hard-killed run): whoever uses it next may also stop it. */
  orphan: boolean;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/** Is `pid` a running postgres server whose data directory (`-D`) is `dir`? Reads /proc/<pid>/cmdline. */
export function isPostgresFor(pid: number, dir: string): boolean {
  const cmdline = readProc(pid, 'cmdline');
  if (cmdline === null) return false;
  const args = cmdline.split('\0').filter(Boolean);
  if (args.length === 0 || path.basename(args[0]!) !== 'postgres') return false;
  const d = args.indexOf('-D');
  return d >= 0 && args[d + 1] !== undefined && sameDir(args[d + 1]!, dir);
}

/** The parent of a postmaster that was left behind is init (or a subreaper), no longer a Node process. */
function isOrphan(pid: number): boolean {
  const stat = readProc(pid, 'stat');
  const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
  if (!Number.isFinite(ppid) || ppid <= 1) return true;
  const comm = (readProc(ppid, 'comm') ?? '').trim();
  return !/node/i.test(comm);
}

/**
 * Reads `dir/postmaster.pid`. A pid file that does not name this cluster's running server is stale: it is
 * removed (nothing is signalled) and null is returned. Otherwise the running server's pid and port.
 */
export function inspectPostmaster(dir: string, log: (m: string) => void = () => {}): Postmaster | null {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (Number.isFinite(pid) && pid > 0 && processAlive(pid) && isPostgresFor(pid, dir)) {
    return { pid, port, orphan: isOrphan(pid) };
  }
  log(`Removing stale postmaster.pid (pid ${Number.isFinite(pid) ? pid : '?'} is not a running PostgreSQL for ${dir}).`);
  rmSync(pidFile, { force: true });
  return null;
}
