/** Media uploaded to WeCom for campaign attachments (`wecom_media`), by content hash: rows in, rows out. */
import { sql } from 'kysely';
import type { TenantId, Tx } from '../tenancy/context';

export type MediaKind = 'image' | 'voice' | 'video' | 'file';

/** The media_id of content uploaded at or after `uploadedAfter` (so still live on WeCom), if any. */
export async function liveMediaId(trx: Tx, tenantId: TenantId, sha256: string, kind: MediaKind, uploadedAfter: Date): Promise<string | null> {
  const r = await sql<{ media_id: string }>`select media_id from wecom_media
    where tenant_id = ${tenantId}::uuid and sha256 = ${sha256} and kind = ${kind} and uploaded_at >= ${uploadedAfter}`.execute(trx);
  return r.rows[0]?.media_id ?? null;
}

/** Records a fresh upload (replacing an expired one of the same content). */
export async function saveMedia(trx: Tx, tenantId: TenantId, m: { sha256: string; kind: MediaKind; mediaId: string; uploadedAt: Date }): Promise<void> {
  await sql`insert into wecom_media (tenant_id, sha256, kind, media_id, uploaded_at)
    values (${tenantId}::uuid, ${m.sha256}, ${m.kind}, ${m.mediaId}, ${m.uploadedAt})
    on conflict (tenant_id, sha256, kind) do update set media_id = excluded.media_id, uploaded_at = excluded.uploaded_at`.execute(trx);
}
