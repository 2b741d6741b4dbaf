/**
 * Per-test-file services on a fresh database cloned from the migrated template. Use:
 *   const h = useTestServices();            // in a describe/file
 *   h.services.dbs.app …                   // inside tests
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { makeSql } from '../../db/connection';
import { loadConfig } from '../../server/config';
import { silentLogger, type Logger } from '../../server/lib/log';
import { openServices, type Services } from '../../server/services';
import { TEST_ENCRYPTION_KEY, TEST_SESSION_SECRET } from './constants';

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = inject('pgUrl');
  const template = inject('pgTemplate');
  const name = `huike_t_${randomBytes(6).toString('hex')}`;
  const admin = makeSql(base, 1);
  await admin.unsafe(`create database ${name} template ${template}`);
  await admin.unsafe(`grant connect on database ${name} to huike_app`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = makeSql(base, 1);
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export async function openTestServices(opts: { log?: Logger; env?: Record<string, string> } = {}): Promise<{ services: Services; url: string; close(): Promise<void> }> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    APP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    SESSION_SECRET: TEST_SESSION_SECRET,
    DATA_DIR: '/tmp/huike-test-data',
    DEMO: 'off',
    ...opts.env,
  });
  const services = await openServices(config, { log: opts.log ?? silentLogger, appPoolSize: 5, ownerPoolSize: 3 });
  return {
    services,
    url: db.url,
    async close() {
      await services.close();
      await db.drop();
    },
  };
}

/** Opens services once for the file and closes them after it. */
export function useTestServices(opts: { env?: Record<string, string> } = {}): { readonly services: Services; readonly url: string } {
  let handle: Awaited<ReturnType<typeof openTestServices>> | undefined;
  beforeAll(async () => {
    handle = await openTestServices(opts);
  });
  afterAll(async () => {
    await handle?.close();
  });
  return {
    get services() {
      if (!handle) throw new Error('test services not open yet');
      return handle.services;
    },
    get url() {
      if (!handle) throw new Error('test services not open yet');
      return handle.url;
    },
  };
}
