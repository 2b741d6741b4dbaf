/**
 * E2E: start the real app as `npm start` does (scripts/start.mjs: the compiled server, React's production build)
 * on a fresh embedded database with the demo chain, wait until /healthz is ok, hand the URL to the tests, stop it
 * afterwards.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';
import type { TestProject } from 'vitest/node';

const root = path.resolve(import.meta.dirname, '../..');


let child: ChildProcess | undefined;
let dataDir: string | undefined;
let log: WriteStream | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (!existsSync(path.join(root, 'build/index.js'))) {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('remix build failed');
  }
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'huike-e2e-'));
  const port = await freePort();
  const pgPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: dataDir, DEMO: 'on', LOG_LEVEL: 'info', PUBLIC_URL: `http://127.0.0.1:${port}` };
  // PUBLIC_URL is the address the browser uses: the WeCom sidebar signs only pages on it and OAuth returns to it.
  delete env.DATABASE_URL;
  // Started as `npm start` starts it: the compiled server (rebuilt when stale) with React's production build.
  child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The app's log, for tests that check what an operator would read (e.g. one line per missing asset).
  const logFile = path.join(dataDir, 'app.log');
  log = createWriteStream(logFile);
  let output = '';
  const capture = (d: Buffer) => {
    if (output.length < 1_000_000) output += d.toString();
    log!.write(d);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited early:\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`app did not become healthy:\n${output}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  project.provide('appUrl', base);
  project.provide('appLog', logFile);
  project.provide('appDataDir', dataDir);
  // The app's embedded PostgreSQL as its owner, for tests that set up a state the demo chain cannot reach by hand.
  project.provide('appDatabaseUrl', `postgres://postgres:huike-embedded@127.0.0.1:${pgPort}/huike`);
}

export async function teardown(): Promise<void> {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await new Promise((r) => (log ? log.end(r) : r(undefined)));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
    /** The app's stdout and stderr, as written so far. */
    appLog: string;
    appDataDir: string;
    appDatabaseUrl: string;
  }
}
