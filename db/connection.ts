/**
 * Database connections. Two roles:
 * - the owner (DATABASE_URL or the embedded superuser) runs migrations and `withSystem` work;
 * - `huike_app`, a login role that owns nothing and cannot bypass row-level security, serves every
 *   tenant request through `withTenant`.
 */
import { createHmac } from 'node:crypto';
import { Kysely } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import type { Database } from './schema';

export const APP_ROLE = 'huike_app';

export type Sql = postgres.Sql;
export type DB = Kysely<Database>;

/** postgres.js options shared by every pool: int8/numeric as numbers, dates as ISO strings, no NOTICE noise. */
export function sqlOptions(max: number): postgres.Options<Record<string, postgres.PostgresType>> {
  return {
    max,
    onnotice: () => {},
    idle_timeout: 30,
    connect_timeout: 15,
    // After an outage every pooled connection reconnects within 2 s of the server's return (the default backoff,
    // shared by the pool's connections, grows to 20 s while the server is down).
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 2),
    types: {
      int8: { to: 20, from: [20], serialize: (x: unknown) => String(x), parse: (x: string) => Number(x) },
      numeric: { to: 1700, from: [1700], serialize: (x: unknown) => String(x), parse: (x: string) => Number(x) },
      date: { to: 1082, from: [1082], serialize: (x: unknown) => String(x), parse: (x: string) => x },
    },
  };
}

/** Was postgres.js loaded with db/postgres-fix.mjs (every entry point passes `--import ./db/postgres-fix.mjs`)? */
export function postgresFixLoaded(): boolean {
  return (globalThis as Record<symbol, unknown>)[Symbol.for('huike.postgres-fix')] === true;
}

export function makeSql(url: string, max = 10): Sql {
  return postgres(url, sqlOptions(max));
}

export function makeKysely(sql: Sql, opts: PrepareOptions = {}): DB {
  return new Kysely<Database>({ dialect: new PostgresJSDialect({ postgres: preparing(sql, opts) }) });
}

/**
 * Statements with more parameters than this are not prepared: they are the batch writes whose text varies with
 * the batch's size (`values ($1, …), …`), whose planning is small beside their work.
 */
export const PREPARE_MAX_PARAMS = 64;

export interface PrepareOptions {
  /**
   * At most this many statement texts are ever prepared through one pool (first come, once used twice); later
   * texts run unprepared. Each prepared text costs every server connection that runs it memory until the
   * connection ends (5–40 KB; a rule builder's compiled counts ≈ 35 KB), and a rule builder makes new texts without
   * end: the cap bounds a connection's share. Default 500.
   */
  maxTexts?: number;
}

/** How many recent one-time texts are remembered, waiting for their second use. */
const TEXTS_SEEN_ONCE = 2_000;

/**
 * Which statement texts to prepare: those with 1–64 parameters, from their second use, up to `maxTexts` texts. A
 * statement run once (a daily membership refresh of one segment, a rule tried once in the builder) is not worth a
 * prepared statement on the server.
 */
function admission(maxTexts: number): (text: string, params: number) => boolean {
  const seenOnce = new Set<string>();
  const admitted = new Set<string>();
  return (text, params) => {
    if (params === 0 || params > PREPARE_MAX_PARAMS) return false;
    if (admitted.has(text)) return true;
    if (admitted.size >= maxTexts) return false;
    if (seenOnce.delete(text)) {
      admitted.add(text);
      return true;
    }
    seenOnce.add(text);
    if (seenOnce.size > TEXTS_SEEN_ONCE) seenOnce.delete(seenOnce.values().next().value!);
    return false;
  };
}

/**
 * Kysely's statements as prepared statements (ADR 0017). kysely-postgres-js sends every statement through
 * postgres.js's `unsafe`, which does not prepare: a statement with parameters then costs two round trips (parse and
 * describe, then bind and execute) and is parsed and planned afresh every time. Prepared, a statement seen before
 * on the connection is one bind-and-execute, and PostgreSQL may keep a generic plan (its default `plan_cache_mode`).
 */
function preparing(sql: Sql, opts: PrepareOptions): Sql {
  const prepare = admission(opts.maxTexts ?? 500);
  return new Proxy(sql, {
    get(target, key, receiver) {
      if (key !== 'reserve') return Reflect.get(target, key, receiver);
      return async () => {
        const conn = await target.reserve();
        return {
          unsafe: (text: string, params: postgres.ParameterOrJSON<never>[] = []) => conn.unsafe(text, params, { prepare: prepare(text, params.length) }),
          release: () => conn.release(),
        };
      };
    },
  });
}

/** The app role's password is derived from the encryption key, so there is no extra secret to keep. */
export function appRolePassword(encryptionKey: string): string {
  return createHmac('sha256', Buffer.from(encryptionKey, 'base64')).update('huike_app database password').digest('base64url');
}

export function appUrlFrom(ownerUrl: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = APP_ROLE;
  u.password = password;
  return u.toString();
}

/** Creates or updates the app role. Needs CREATEROLE on the owner; skipped when APP_DATABASE_URL is given. */
export async function ensureAppRole(owner: Sql, password: string): Promise<void> {
  const pw = password.replace(/'/g, "''");
  // Roles are cluster-wide but advisory locks are per database: processes booting at once on one database (app +
  // worker) take turns on the lock, and processes on different databases of one cluster (parallel test files) may
  // still update the role's catalog row together, which PostgreSQL answers with "tuple concurrently updated". That
  // race is harmless (both write the same role), so it is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      await owner.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(727002)`;
        const exists = await tx`select 1 from pg_roles where rolname = ${APP_ROLE}`;
        if (exists.length === 0) {
          await tx.unsafe(`create role ${APP_ROLE} login nosuperuser nobypassrls nocreatedb nocreaterole password '${pw}'`);
        } else {
          await tx.unsafe(`alter role ${APP_ROLE} login nosuperuser nobypassrls password '${pw}'`);
        }
        const [{ db }] = (await tx`select current_database() as db`) as unknown as [{ db: string }];
        await tx.unsafe(`grant connect on database "${db}" to ${APP_ROLE}`);
      });
      return;
    } catch (e) {
      const concurrent = e instanceof Error && /tuple concurrently updated|already exists/.test(e.message);
      if (!concurrent || attempt >= 8) throw e;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
    }
  }
}
