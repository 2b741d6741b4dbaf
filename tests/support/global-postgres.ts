/**
 * Integration tests: one real PostgreSQL for the whole run (embedded on a free port, or DATABASE_URL), migrated
 * once into a template database; each test file gets its own database cloned from the template
 * (tests/support/db.ts), and tests create their own tenants, so nothing leaks between tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedHandle } from '../../db/embedded';
import { appRolePassword, ensureAppRole, makeKysely, makeSql } from '../../db/connection';
import { migrateToLatest } from '../../db/migrate';
import { TEST_ENCRYPTION_KEY } from './constants';


let embedded: EmbeddedHandle | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.DATABASE_URL;
  if (!url) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'huike-test-pg-'));
    embedded = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    url = embedded.url;
  }
  const admin = makeSql(url, 1);
  const templateName = `huike_tpl_${process.pid}`;
  await admin.unsafe(`drop database if exists ${templateName}`);
  await admin.unsafe(`create database ${templateName}`);
  await ensureAppRole(admin, appRolePassword(TEST_ENCRYPTION_KEY));
  const tplUrl = new URL(url);
  tplUrl.pathname = `/${templateName}`;
  const tplSql = makeSql(tplUrl.toString(), 1);
  await tplSql.unsafe(`grant connect on database ${templateName} to huike_app`);
  const tpl = makeKysely(tplSql);
  await migrateToLatest(tpl);
  await tplSql.unsafe('grant usage, select on all sequences in schema public to huike_app');
  await tpl.destroy();
  await admin.end();
  project.provide('pgUrl', url);
  project.provide('pgTemplate', templateName);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pgTemplate: string;
  }
}
