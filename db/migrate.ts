/**
 * Runs the Kysely migrations in db/migrations (dated files, frozen once landed). Every entry point (app,
 * worker, CLI, tests) calls this before it works, so a database that is behind is brought up to date.
 * Kysely's migrator takes an advisory lock, so two processes booting at once migrate exactly once.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { DB } from './connection';

/** Beside this module: db/migrations under tsx, build/server/migrations in the compiled build. */
const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');

class DirectoryMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{4}-\d{2}-\d{2}-\d{4}-[\w-]+\.[jt]s$/.test(f))
      .sort();
    for (const f of files) {
      const mod = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, f)).href)) as Migration;
      out[f.replace(/\.[jt]s$/, '')] = mod;
    }
    return out;
  }
}

export async function migrateToLatest(db: DB): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new DirectoryMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${cause}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
