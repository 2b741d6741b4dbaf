#!/usr/bin/env node
// `npm start`: build the Remix app when the build is missing or older than the sources, then run the server.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const buildFile = path.join(root, 'build/index.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const stale = !existsSync(buildFile) || newestMtime(path.join(root, 'app')) > statSync(buildFile).mtimeMs;
if (stale) {
  process.stderr.write('Building the app…\n');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// db/postgres-fix.mjs: postgres.js survives a restart of PostgreSQL underneath (see there).
const child = spawn(process.execPath, ['--import', 'tsx', '--import', path.join(root, 'db/postgres-fix.mjs'), path.join(root, 'server/index.ts'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
child.on('error', (e) => {
  process.stderr.write(`Huike failed to start: ${e.message}\n`);
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
