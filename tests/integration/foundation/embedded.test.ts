import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../support/ports';
import { describe, expect, it } from 'vitest';
import { makeSql } from '../../../db/connection';
import { startEmbeddedPostgres } from '../../../db/embedded';

const root = path.resolve(import.meta.dirname, '../../..');

/** Runs a module-scoped script with tsx from the project root; resolves with its exit code and output. */
function runScript(script: string, env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './db/postgres-fix.mjs', '--input-type=module', '-e', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out })));
  return { child, done };
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/huike.js'), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const postmasterPid = (dataDir: string) => Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded PostgreSQL', () => {
  it('uses the PostgreSQL a hard-killed run left behind, keeping the data, and stops it with its new owner', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-stale-'));
    const port = await freePort();
    // A separate process starts the database, writes a row, then is killed with SIGKILL: its postgres lives on.
    const { child } = runScript(`
      import { startEmbeddedPostgres } from './db/embedded.ts';
      import postgres from 'postgres';
      const h = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dir)}, port: ${port} });
      const sql = postgres(h.url, { onnotice: () => {} });
      await sql\`create table kept (v int)\`; await sql\`insert into kept values (42)\`; await sql.end();
      console.log('READY'); setInterval(() => {}, 1000);`);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
      child.on('exit', (c) => reject(new Error(`child exited ${c}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const orphan = postmasterPid(dir);
    expect(alive(orphan)).toBe(true); // the orphaned postmaster still runs

    const h = await startEmbeddedPostgres({ dataDir: dir, port });
    try {
      const sql = makeSql(h.url, 1);
      const rows = await sql`select v from kept`;
      expect(rows[0]!.v).toBe(42);
      await sql.end();
    } finally {
      await h.stop();
    }
    expect(alive(orphan)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a CLI command run while the app is up uses the app’s PostgreSQL and leaves it serving', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-cli-live-'));
    const app = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() });
    const sql = makeSql(app.url, 1);
    try {
      await sql`create table before_cli (v int)`;
      const pid = postmasterPid(dir);
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'warn', NODE_ENV: 'development' };
      delete env.DATABASE_URL;
      delete env.APP_DATABASE_URL;
      const cli = await runCli(['db', 'check'], env);
      expect(cli.out).toContain('OK:');
      expect(cli.code).toBe(0);
      // The app's server was neither stopped nor restarted: same postmaster, and the app's open connection works.
      expect(postmasterPid(dir)).toBe(pid);
      const rows = await sql`select count(*)::int as n from before_cli`;
      expect(rows[0]!.n).toBe(0);
    } finally {
      await sql.end();
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a stale postmaster.pid (a dead pid, or a live process that is not this cluster’s postgres) is removed, nothing signalled', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-stale-pid-'));
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir: dir, port });
    await first.stop();
    const pidFile = path.join(dir, 'pg', 'postmaster.pid');
    const stranger = spawn('sleep', ['120'], { stdio: 'ignore' });
    try {
      const dead = spawnSync('true').pid;
      for (const pid of [dead, stranger.pid!]) {
        writeFileSync(pidFile, `${pid}\n${path.join(dir, 'pg')}\n1700000000\n${port}\n/tmp\n127.0.0.1\n  1234  5678\nready\n`);
        const h = await startEmbeddedPostgres({ dataDir: dir, port });
        const sql = makeSql(h.url, 1);
        expect((await sql`select 1 as one`)[0]!.one).toBe(1);
        await sql.end();
        await h.stop();
        expect(existsSync(pidFile)).toBe(false);
      }
      expect(stranger.exitCode).toBeNull();
      expect(alive(stranger.pid!)).toBe(true); // the unrelated process was left alone
    } finally {
      stranger.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('the web process survives a restart of its PostgreSQL and its health returns to ok', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-restart-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, EMBEDDED_PG_PORT: String(port), LOG_LEVEL: 'error', NODE_ENV: 'development' };
    delete env.DATABASE_URL;
    delete env.APP_DATABASE_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './db/postgres-fix.mjs', 'tests/support/scripts/restart-under-app.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const code = await done;
      expect(out).toContain('BEFORE ok');
      expect(out).toContain('AFTER ok');
      expect(out).toContain('QUERY 42');
      expect(code, out).toBe(0);
    } finally {
      child.kill('SIGKILL');
      if (existsSync(path.join(dir, 'pg', 'postmaster.pid')) && alive(postmasterPid(dir))) process.kill(postmasterPid(dir), 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
