/**
 * In-process cache of dashboard/API read models. Entries are keyed by tenant, the tenant's analytics version
 * (bumped by every refresh, so a refresh makes old entries unreachable), the actor's scope and the filters.
 * Concurrent identical requests share one computation (single flight). Bounded (LRU) and time-limited, so data
 * that changes without a refresh (e.g. anonymous orders before the refresh job ran) is at most TTL old.
 */
import type { TenantId } from '../tenancy/context';
import { onRefresh } from './refresh.service';

const MAX_ENTRIES = 500;
const TTL_MS = 10 * 60_000;

interface Entry {
  at: number;
  tenantId: string;
  value: Promise<unknown>;
}

const entries = new Map<string, Entry>();

export function cacheKey(parts: readonly unknown[]): string {
  return JSON.stringify(parts);
}

export async function cached<T>(tenantId: TenantId, version: number, key: string, compute: () => Promise<T>): Promise<T> {
  const k = `${tenantId}|${version}|${key}`;
  const now = Date.now();
  const hit = entries.get(k);
  if (hit && now - hit.at < TTL_MS) {
    entries.delete(k);
    entries.set(k, hit);
    return hit.value as Promise<T>;
  }
  const value = compute();
  entries.set(k, { at: now, tenantId, value });
  value.catch(() => entries.delete(k));
  while (entries.size > MAX_ENTRIES) {
    const oldest = entries.keys().next().value;
    if (oldest === undefined) break;
    entries.delete(oldest);
  }
  return value;
}

export function clearTenant(tenantId: string): void {
  for (const [k, e] of entries) if (e.tenantId === tenantId) entries.delete(k);
}

onRefresh(clearTenant);
