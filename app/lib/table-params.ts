/**
 * Table state (sort, direction, page, page size, search, filters) lives in the URL. The same zod schema parses
 * it in the loader and the component; sortable columns are an allow-list before they reach SQL.
 */
import { z } from 'zod';
import { text } from './params';

function buildSchema<S extends string>(sortable: readonly [S, ...S[]], defaults: { sort: S; dir?: 'asc' | 'desc'; size?: number }) {
  return z.object({
    sort: z.enum(sortable).catch(defaults.sort),
    dir: z.enum(['asc', 'desc']).catch(defaults.dir ?? 'desc'),
    page: z.coerce.number().int().min(1).catch(1),
    size: z.coerce.number().int().min(10).max(200).catch(defaults.size ?? 50),
    q: text().trim().max(100).optional().catch(undefined),
  });
}

/** Schemas built so far, per allow-list and defaults: loaders ask for theirs on every request, and zod's are immutable. */
const built = new WeakMap<readonly string[], Map<string, unknown>>();

export function tableParamsSchema<S extends string>(sortable: readonly [S, ...S[]], defaults: { sort: S; dir?: 'asc' | 'desc'; size?: number }): ReturnType<typeof buildSchema<S>> {
  let byDefaults = built.get(sortable);
  if (!byDefaults) built.set(sortable, (byDefaults = new Map()));
  const key = `${defaults.sort}|${defaults.dir ?? ''}|${defaults.size ?? ''}`;
  let schema = byDefaults.get(key) as ReturnType<typeof buildSchema<S>> | undefined;
  if (!schema) byDefaults.set(key, (schema = buildSchema(sortable, defaults)));
  return schema;
}

export type TableParams<S extends string = string> = { sort: S; dir: 'asc' | 'desc'; page: number; size: number; q?: string };

export function parseTableParams<S extends string>(url: URL | string, schema: ReturnType<typeof tableParamsSchema<S>>): TableParams<S> {
  const u = typeof url === 'string' ? new URL(url) : url;
  const raw = Object.fromEntries(['sort', 'dir', 'page', 'size', 'q'].map((k) => [k, u.searchParams.get(k) ?? undefined]));
  return schema.parse(raw) as TableParams<S>;
}
