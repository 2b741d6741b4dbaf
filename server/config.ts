/**
 * Configuration, parsed with zod at boot. In development, missing secrets are generated once and kept in
 * `.data/secrets.json`; in production (NODE_ENV=production) a missing secret stops the process naming it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The project folder: the nearest parent with package.json (the same from server/ under tsx and from build/server/). */
export const ROOT_DIR = findRoot(import.meta.dirname);

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}

const base64Key = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /**
   * Huike's own mode when it differs from NODE_ENV: `npm start` runs React and Remix in their production builds
   * (NODE_ENV=production: several times faster pages) with Huike in development mode (generated secrets, the demo,
   * cookies without Secure for http://localhost) unless NODE_ENV=production was asked for (scripts/start.mjs).
   */
  HUIKE_ENV: z.enum(['development', 'production', 'test']).optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Owner connection (migrations, system work). Unset: an embedded PostgreSQL under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Optional explicit connection for the RLS-bound app role; derived from DATABASE_URL when unset. */
  APP_DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default(path.join(ROOT_DIR, '.data')),
  EMBEDDED_PG_PORT: z.coerce.number().int().default(54320),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  APP_ENCRYPTION_KEY: base64Key.optional(),
  /** "inline" runs the job worker inside the web process (default); "off" leaves it to `npm run worker`. */
  WORKER: z.enum(['inline', 'off']).default('inline'),
  /** Seed the demo chain into an empty database (default on outside production). */
  DEMO: z.enum(['on', 'off']).optional(),
  DEMO_SEED: z.coerce.number().int().default(20261122),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Config = z.infer<typeof envSchema> & {
  SESSION_SECRET: string;
  APP_ENCRYPTION_KEY: string;
  DEMO: 'on' | 'off';
  isProduction: boolean;
  publicUrl: string;
};

export class ConfigError extends Error {}

const SECRET_NAMES = ['SESSION_SECRET', 'APP_ENCRYPTION_KEY'] as const;

function generateSecret(name: (typeof SECRET_NAMES)[number]): string {
  return name === 'APP_ENCRYPTION_KEY' ? randomBytes(32).toString('base64') : randomBytes(48).toString('base64url');
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  const isProduction = (cfg.HUIKE_ENV ?? cfg.NODE_ENV) === 'production';
  const secrets: Record<string, string> = {};
  const missing = SECRET_NAMES.filter((n) => !cfg[n]);
  if (missing.length > 0) {
    if (isProduction) {
      throw new ConfigError(
        `Missing required secret${missing.length > 1 ? 's' : ''} in production: ${missing.join(', ')}. ` +
          `Set ${missing.map((m) => (m === 'APP_ENCRYPTION_KEY' ? `${m} (openssl rand -base64 32)` : `${m} (at least 32 random characters)`)).join(' and ')}.`,
      );
    }
    const file = path.join(cfg.DATA_DIR, 'secrets.json');
    let stored: Record<string, string> = {};
    if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    let changed = false;
    for (const name of missing) {
      if (!stored[name]) {
        stored[name] = generateSecret(name);
        changed = true;
      }
      secrets[name] = stored[name]!;
    }
    if (changed) {
      mkdirSync(cfg.DATA_DIR, { recursive: true });
      writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    }
  }
  return {
    ...cfg,
    SESSION_SECRET: cfg.SESSION_SECRET ?? secrets.SESSION_SECRET!,
    APP_ENCRYPTION_KEY: cfg.APP_ENCRYPTION_KEY ?? secrets.APP_ENCRYPTION_KEY!,
    DEMO: cfg.DEMO ?? (isProduction ? 'off' : 'on'),
    isProduction,
    publicUrl: cfg.PUBLIC_URL ?? `http://localhost:${cfg.PORT}`,
  };
}
