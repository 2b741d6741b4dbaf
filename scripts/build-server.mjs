#!/usr/bin/env node
// Compiles the server's entry points (web, worker, CLI) and the migrations to plain JavaScript in build/server/,
// so production processes start without the TypeScript loader. Part of `npm run build`; `npm start` and the
// `huike` command rebuild or fall back to tsx when the sources are newer (scripts/compiled.mjs).
import { build } from 'esbuild';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'build/server');
const migrations = readdirSync(path.join(root, 'db/migrations')).filter((f) => /^\d{4}-\d{2}-\d{2}-\d{4}-[\w-]+\.ts$/.test(f));

rmSync(outdir, { recursive: true, force: true });
const started = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: {
    index: 'server/index.ts',
    worker: 'server/jobs/worker.ts',
    cli: 'server/cli/entry.ts',
    ...Object.fromEntries(migrations.map((f) => [`migrations/${f.replace(/\.ts$/, '')}`, `db/migrations/${f}`])),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  alias: { '~': path.join(root, 'app') },
  // Shared chunks sit beside the entries: db/migrate.ts finds build/server/migrations beside whichever file holds it.
  chunkNames: '[name]-[hash]',
  // package.json says sideEffects: false for Remix's client bundle; the server relies on side-effect imports
  // (route registration, merge hooks), so that hint must not drop them here.
  ignoreAnnotations: true,
  logLevel: 'warning',
});
writeFileSync(path.join(outdir, 'BUILT'), new Date().toISOString() + '\n');
process.stderr.write(`Server compiled to build/server in ${Date.now() - started} ms\n`);
