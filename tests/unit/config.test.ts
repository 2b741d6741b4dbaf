import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';

describe('configuration', () => {
  it('in development generates missing secrets once and keeps them under DATA_DIR', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-cfg-'));
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(Buffer.from(a.APP_ENCRYPTION_KEY, 'base64')).toHaveLength(32);
    expect(b.SESSION_SECRET).toBe(a.SESSION_SECRET);
    expect(b.APP_ENCRYPTION_KEY).toBe(a.APP_ENCRYPTION_KEY);
    const file = path.join(dir, 'secrets.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).SESSION_SECRET).toBe(a.SESSION_SECRET);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(a.PORT).toBe(3000);
    expect(a.DEMO).toBe('on');
  });

  it('in production a missing secret stops boot naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) })).toThrow(/APP_ENCRYPTION_KEY/);
    expect(() => loadConfig({ NODE_ENV: 'production', APP_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') })).toThrow(/SESSION_SECRET/);
    const ok = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), APP_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'), DATABASE_URL: 'postgres://u:p@db/huike' });
    expect(ok.DEMO).toBe('off');
  });

  it('HUIKE_ENV decides over NODE_ENV: npm start runs React in production with Huike in development (demo, generated secrets)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-cfg-mode-'));
    const local = loadConfig({ NODE_ENV: 'production', HUIKE_ENV: 'development', DATA_DIR: dir });
    expect(local.isProduction).toBe(false);
    expect(local.DEMO).toBe('on');
    expect(local.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(() => loadConfig({ NODE_ENV: 'development', HUIKE_ENV: 'production', DATA_DIR: dir })).toThrow(/SESSION_SECRET/);
  });

  it('bad values are reported by name', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATA_DIR: '/tmp/x' })).toThrow(/PORT/);
    expect(() => loadConfig({ APP_ENCRYPTION_KEY: 'short', DATA_DIR: '/tmp/x' })).toThrow(/APP_ENCRYPTION_KEY: must be 32 bytes/);
    expect(() => loadConfig({ DATABASE_URL: 'not a url', DATA_DIR: '/tmp/x' })).toThrow(/DATABASE_URL/);
  });
});
