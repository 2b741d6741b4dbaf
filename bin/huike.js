#!/usr/bin/env node
// The `huike` command (`npm run huike -- help`): the compiled CLI (build/server/cli.js), loaded in this process,
// when the build is current; else server/cli/entry.ts under tsx in a child process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, serverBuildStale } from '../scripts/compiled.mjs';

if (!serverBuildStale()) {
  process.setSourceMapsEnabled(true);
  // postgres.js as every entry point loads it (db/postgres-fix.mjs), registered before the CLI imports it.
  await import('../db/postgres-fix.mjs');
  await import(pathToFileURL(path.join(root, 'build/server/cli.js')).href);
} else {
  process.stderr.write('huike: build/server is missing or older than the sources; running them under tsx (npm run build compiles them)\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', path.join(root, 'db/postgres-fix.mjs'), path.join(root, 'server/cli/entry.ts'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: process.cwd() });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
