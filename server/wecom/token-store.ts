/**
 * Where access tokens live between calls. The client owns the refresh policy; a store only keeps records and
 * provides a lock so that one refresh per (corp, app) is in flight at a time.
 *
 * Contract for implementations (e.g. a Postgres-backed store):
 * - `get` returns the last record `set` for (corpId, appKey), or null. It must not filter by expiry; the client
 *   decides freshness (it refreshes early).
 * - `set` overwrites the record.
 * - `withRefreshLock(corpId, appKey, fn)` runs fn while holding an exclusive lock for (corpId, appKey) and returns
 *   its result; concurrent callers wait and then run their own fn (the client re-reads the store inside the lock,
 *   so waiters reuse the token the first caller fetched). Across processes, use e.g.
 *   `pg_advisory_xact_lock(hashtext(corpId || ':' || appKey))` in a transaction around fn. A failed fn must
 *   release the lock.
 * - appKey identifies the app (agent id or a hash of the secret, never the secret itself): one corp may use
 *   several secrets and their tokens must not collide.
 */
export interface TokenRecord {
  token: string;
  /** Epoch milliseconds at which WeCom stops accepting the token. */
  expiresAt: number;
}

export interface TokenStore {
  get(corpId: string, appKey: string): Promise<TokenRecord | null>;
  set(corpId: string, appKey: string, record: TokenRecord): Promise<void>;
  withRefreshLock<T>(corpId: string, appKey: string, fn: () => Promise<T>): Promise<T>;
}

/** In-process store: a Map plus a per-key promise chain as the lock. */
export class MemoryTokenStore implements TokenStore {
  private readonly records = new Map<string, TokenRecord>();
  private readonly locks = new Map<string, Promise<unknown>>();

  private static key(corpId: string, appKey: string): string {
    return `${corpId}\u0000${appKey}`;
  }

  async get(corpId: string, appKey: string): Promise<TokenRecord | null> {
    return this.records.get(MemoryTokenStore.key(corpId, appKey)) ?? null;
  }

  async set(corpId: string, appKey: string, record: TokenRecord): Promise<void> {
    this.records.set(MemoryTokenStore.key(corpId, appKey), { ...record });
  }

  /** Drops every record (tests). */
  clear(): void {
    this.records.clear();
  }

  withRefreshLock<T>(corpId: string, appKey: string, fn: () => Promise<T>): Promise<T> {
    const k = MemoryTokenStore.key(corpId, appKey);
    const prev = this.locks.get(k) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(k, tail);
    void tail.then(() => {
      if (this.locks.get(k) === tail) this.locks.delete(k);
    });
    return run;
  }
}
