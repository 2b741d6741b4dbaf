#!/usr/bin/env node
// `npm run worker`: the compiled worker (build/server/worker.js) when the build is current, else the source under tsx.
import { spawn } from 'node:child_process';
import { entryArgs, root } from './compiled.mjs';

const child = spawn(process.execPath, [...entryArgs('worker', 'server/jobs/worker.ts'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
