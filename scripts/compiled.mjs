// Which program a launcher runs: the compiled entry in build/server/ when it is at least as new as every source
// file the server is built from, else the TypeScript source under tsx (a checkout that was edited and not rebuilt).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');
const SOURCES = ['server', 'db', 'app'];

export function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** True when build/server is missing or older than a source file. */
export function serverBuildStale() {
  const stamp = path.join(root, 'build/server/BUILT');
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.some((d) => newestMtime(path.join(root, d)) > built);
}

/**
 * V8 flags of the web process (`npm start`, and the benchmarks that serve pages): semi-spaces of 32 MB instead of
 * 16 MB. Rendering a page allocates a great deal that dies young; with the default young generation the scavenger
 * ran so often that garbage collection was a fifth of the web thread's time. Measured on /customers, 20 clients,
 * interleaved: +11–12 % pages/s, −10 % Node CPU per page (docs/benchmarks.md, "Sixth pass"). 64 MB gained nothing more.
 */
export const WEB_NODE_FLAGS = ['--max-semi-space-size=32'];

/** Node arguments that run one server entry point: `index`, `worker` or `cli`. */
export function entryArgs(name, source) {
  // db/postgres-fix.mjs: postgres.js survives a restart of PostgreSQL underneath (every entry point loads it).
  const fix = ['--import', path.join(root, 'db/postgres-fix.mjs')];
  if (!serverBuildStale()) return ['--enable-source-maps', ...fix, path.join(root, `build/server/${name}.js`)];
  return ['--import', 'tsx', ...fix, path.join(root, source)];
}
