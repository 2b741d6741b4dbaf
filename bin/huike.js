#!/usr/bin/env node
// The `huike` command: runs server/cli/main.ts with tsx (see `npm run huike -- help`).
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const child = spawn(process.execPath, ['--import', 'tsx', '--import', path.join(root, 'db/postgres-fix.mjs'), path.join(root, 'server/cli/main.ts'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: process.cwd() });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
