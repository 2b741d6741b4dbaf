/**
 * The TokenStore contract (./token-store.ts) on PostgreSQL, so that every process of a tenant (web, worker,
 * CLI) shares one access token per (corp, app) instead of invalidating each other's:
 * - `get`/`set` read and overwrite the tenant's row in `wecom_access_tokens`; tokens are sealed at rest.
 * - `withRefreshLock` holds `pg_advisory_xact_lock` on (corp, app) in a transaction around the refresh; a
 *   process that waited re-reads the row inside the lock (the client does) and reuses the fresh token. The
 *   transaction ends (and the lock is released) whether the refresh succeeds or fails.
 */
import { sql } from 'kysely';
import { SecretBox } from '../lib/secret-box';
import type { Dbs, TenantId } from '../tenancy/context';
import { withTenant } from '../tenancy/context';
import type { TokenRecord, TokenStore } from './token-store';

export class PgTokenStore implements TokenStore {
  private readonly box: SecretBox;

  constructor(
    private readonly dbs: Pick<Dbs, 'app'>,
    private readonly tenantId: TenantId,
    encryptionKey: string,
  ) {
    this.box = new SecretBox(encryptionKey);
  }

  private context(corpId: string, appKey: string): string {
    return `wecom.access_token:${this.tenantId}:${corpId}:${appKey}`;
  }

  async get(corpId: string, appKey: string): Promise<TokenRecord | null> {
    const row = await withTenant(this.dbs, this.tenantId, (trx) =>
      trx
        .selectFrom('wecom_access_tokens')
        .select(['token_sealed', 'expires_at'])
        .where('tenant_id', '=', this.tenantId)
        .where('corp_id', '=', corpId)
        .where('app_key', '=', appKey)
        .executeTakeFirst(),
    );
    if (!row) return null;
    try {
      return { token: this.box.open(row.token_sealed, this.context(corpId, appKey)), expiresAt: new Date(row.expires_at).getTime() };
    } catch {
      // Sealed under another key (APP_ENCRYPTION_KEY rotated): treat as absent, the client fetches a new one.
      return null;
    }
  }

  async set(corpId: string, appKey: string, record: TokenRecord): Promise<void> {
    const sealed = this.box.seal(record.token, this.context(corpId, appKey));
    await withTenant(this.dbs, this.tenantId, (trx) =>
      trx
        .insertInto('wecom_access_tokens')
        .values({ tenant_id: this.tenantId, corp_id: corpId, app_key: appKey, token_sealed: sealed, expires_at: new Date(record.expiresAt) })
        .onConflict((oc) => oc.columns(['tenant_id', 'corp_id', 'app_key']).doUpdateSet({ token_sealed: sealed, expires_at: new Date(record.expiresAt), updated_at: new Date() }))
        .execute(),
    );
  }

  withRefreshLock<T>(corpId: string, appKey: string, fn: () => Promise<T>): Promise<T> {
    return withTenant(this.dbs, this.tenantId, async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('huike.wecom.token'), hashtext(${corpId + ':' + appKey}))`.execute(trx);
      return fn();
    });
  }
}
