#!/usr/bin/env node
// `npm start`: build the Remix app and the compiled server when either is missing or older than the sources,
// then run the compiled web process (build/server/index.js).
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { newestMtime, root, serverBuildStale, WEB_NODE_FLAGS } from './compiled.mjs';

const buildFile = path.join(root, 'build/index.js');

function run(label, args) {
  process.stderr.write(`${label}…\n`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(buildFile) || newestMtime(path.join(root, 'app')) > statSync(buildFile).mtimeMs) {
  run('Building the app', [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build']);
}
if (serverBuildStale()) run('Compiling the server', [path.join(root, 'scripts/build-server.mjs')]);

// React and Remix run their production builds (NODE_ENV=production); Huike itself stays in the mode asked for
// (HUIKE_ENV, else NODE_ENV, else development: generated secrets and the demo; see server/config.ts).
const env = { ...process.env, NODE_ENV: 'production', HUIKE_ENV: process.env.HUIKE_ENV || process.env.NODE_ENV || 'development' };
// db/postgres-fix.mjs: postgres.js survives a restart of PostgreSQL underneath (see there).
const child = spawn(process.execPath, [...WEB_NODE_FLAGS, '--enable-source-maps', '--import', path.join(root, 'db/postgres-fix.mjs'), path.join(root, 'build/server/index.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
child.on('error', (e) => {
  process.stderr.write(`Huike failed to start: ${e.message}\n`);
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
