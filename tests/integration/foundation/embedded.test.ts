import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../support/ports';
import { describe, expect, it } from 'vitest';
import { makeSql } from '../../../db/connection';
import { startEmbeddedPostgres } from '../../../db/embedded';

const root = path.resolve(import.meta.dirname, '../../..');


describe('embedded PostgreSQL', () => {
  it('recovers from a run that was killed hard (stale postmaster), keeping the data', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-stale-'));
    const port = await freePort();
    // A separate process starts the database, writes a row, then is killed with SIGKILL: its postgres lives on.
    const script = `
      import { startEmbeddedPostgres } from './db/embedded.ts';
      import postgres from 'postgres';
      const h = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dir)}, port: ${port} });
      const sql = postgres(h.url, { onnotice: () => {} });
      await sql\`create table kept (v int)\`; await sql\`insert into kept values (42)\`; await sql.end();
      console.log('READY'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
      child.on('exit', (c) => reject(new Error(`child exited ${c}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const pidFile = path.join(dir, 'pg', 'postmaster.pid');
    expect(existsSync(pidFile)).toBe(true);
    const stalePid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    expect(() => process.kill(stalePid, 0)).not.toThrow(); // the orphaned postmaster still runs

    const h = await startEmbeddedPostgres({ dataDir: dir, port });
    try {
      const sql = makeSql(h.url, 1);
      const rows = await sql`select v from kept`;
      expect(rows[0]!.v).toBe(42);
      await sql.end();
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
