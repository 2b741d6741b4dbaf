/**
 * Production entry points run compiled JavaScript (scripts/build-server.mjs → build/server/): the `huike` command
 * loads build/server/cli.js when the build is current, and the compiled code finds and runs every migration.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeSql } from '../../../db/connection';
import { TEST_ENCRYPTION_KEY, TEST_SESSION_SECRET } from '../../support/constants';

const root = path.resolve(import.meta.dirname, '../../..');
const name = `huike_c_${randomBytes(6).toString('hex')}`;
let url = '';

beforeAll(() => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build-server.mjs')], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const u = new URL(inject('pgUrl'));
  u.pathname = `/${name}`;
  url = u.toString();
});

afterAll(async () => {
  const admin = makeSql(inject('pgUrl'), 1);
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

function huike(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(root, 'bin/huike.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'test', APP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, SESSION_SECRET: TEST_SESSION_SECRET, NODE_OPTIONS: '', ...env },
  });
}

describe('compiled entry points', () => {
  it('`huike help` answers from the compiled CLI, without the TypeScript loader', () => {
    const stale = spawnSync(process.execPath, ['--input-type=module', '-e', `import { serverBuildStale } from ${JSON.stringify(path.join(root, 'scripts/compiled.mjs'))}; console.log(serverBuildStale())`], { encoding: 'utf8' });
    expect(stale.stdout.trim()).toBe('false');
    const r = huike(['help']);
    expect(r.stderr).not.toContain('under tsx');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: npm run huike -- <command>');
    expect(r.stdout).toContain('import orders');
  });

  it('the compiled CLI migrates an empty database with every migration and runs a command', async () => {
    const admin = makeSql(inject('pgUrl'), 1);
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const r = huike(['tenant', 'create', 'compiled', '--name', '编译', '--timezone', 'Asia/Shanghai', '--currency', 'CNY'], { DATABASE_URL: url });
    expect(r.status, r.stderr).toBe(0);
    const sql = makeSql(url, 1);
    const migrations = await sql<{ name: string }[]>`select name from kysely_migration order by name`;
    const tenants = await sql<{ slug: string }[]>`select slug from tenants`;
    await sql.end();
    const files = readdirSync(path.join(root, 'db/migrations')).filter((f) => /^\d{4}-/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort();
    expect(migrations.map((m) => m.name)).toEqual(files);
    expect(tenants.map((t) => t.slug)).toEqual(['compiled']);
  });
});
