/** The callback inbox (`wecom_inbox`): every event once (unique dedupe key), then its processing state. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { InboxStatus } from '../../db/schema/wecom';
import type { TenantId, Tx } from '../tenancy/context';
import { hashDedupeKey, type WecomEvent } from './events';

export interface InboxRow {
  id: number;
  dedupe_key: string;
  event: string;
  change_type: string | null;
  subject: string | null;
  payload: Record<string, unknown>;
  status: InboxStatus;
  attempts: number;
  result: string | null;
  error: string | null;
  received_at: Date;
  processed_at: Date | null;
}

function subjectOf(e: WecomEvent): string | null {
  switch (e.event) {
    case 'change_external_contact':
      return `${e.userId}/${e.externalUserId}`;
    case 'change_external_chat':
      return e.chatId;
    case 'change_external_tag':
      return e.id || '*';
    default:
      return null;
  }
}

/**
 * Stores an event; returns its id when it is new and to be processed, null for a duplicate (WeCom's retry, chaos
 * duplicate) or for an unhandled message, which is kept as `ignored` with the reason (for inspection only).
 */
export async function storeInboxEvent(trx: Tx, tenantId: TenantId, e: WecomEvent): Promise<number | null> {
  const known = e.event !== 'unknown';
  const r = await sql<{ id: number }>`
    insert into wecom_inbox (tenant_id, dedupe_key, event, change_type, subject, payload, status, result)
    values (${tenantId}::uuid, ${hashDedupeKey(e.dedupeKey)}, ${e.event === 'unknown' ? e.rawEvent : e.event}, ${e.changeType ?? null}, ${subjectOf(e)},
      (${JSON.stringify(e)}::text)::jsonb, ${known ? 'pending' : 'ignored'}, ${e.event === 'unknown' ? e.reason : null})
    on conflict (tenant_id, dedupe_key) do nothing
    returning id`.execute(trx);
  const id = r.rows[0]?.id;
  return id === undefined ? null : known ? id : null;
}

export async function getInboxRow(trx: Tx, tenantId: TenantId, id: number): Promise<InboxRow | null> {
  const r = await trx.selectFrom('wecom_inbox').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return (r as InboxRow | undefined) ?? null;
}

export async function markInbox(trx: Tx, tenantId: TenantId, id: number, u: { status: InboxStatus; result?: string | null; error?: string | null; attempt?: boolean }): Promise<void> {
  await sql`update wecom_inbox set status = ${u.status}, result = coalesce(${u.result ?? null}, result), error = ${u.error ?? null},
      attempts = attempts + ${u.attempt ? 1 : 0}, processed_at = case when ${u.status} in ('done', 'failed', 'ignored') then now() else processed_at end
    where tenant_id = ${tenantId}::uuid and id = ${id}`.execute(trx);
}

export async function pendingInboxIds(trx: Tx, tenantId: TenantId, limit = 500, olderThanSeconds = 0): Promise<number[]> {
  const r = await sql<{ id: number }>`select id from wecom_inbox where tenant_id = ${tenantId}::uuid and status = 'pending'
    and received_at < now() - make_interval(secs => ${olderThanSeconds}) order by id limit ${limit}`.execute(trx);
  return r.rows.map((x) => x.id);
}

export async function recentInbox(trx: Tx, tenantId: TenantId, limit = 30): Promise<InboxRow[]> {
  const r = await trx.selectFrom('wecom_inbox').selectAll().where('tenant_id', '=', tenantId).orderBy('id', 'desc').limit(limit).execute();
  return r as InboxRow[];
}

export async function inboxCounts(trx: Tx, tenantId: TenantId): Promise<Record<InboxStatus, number>> {
  const r = await sql<{ status: InboxStatus; n: number }>`select status, count(*)::int as n from wecom_inbox where tenant_id = ${tenantId}::uuid and received_at > now() - interval '7 days' group by status`.execute(trx);
  const out: Record<InboxStatus, number> = { pending: 0, done: 0, failed: 0, ignored: 0 };
  for (const x of r.rows) out[x.status] = x.n;
  return out;
}

/**
 * Housekeeping across tenants (owner connection): messages kept only for inspection (`ignored`: users' chat
 * messages to the app, unknown events) are dropped after 30 days; WeCom's retries come within minutes.
 */
export async function pruneIgnoredInbox(owner: Kysely<Database>): Promise<number> {
  const r = await sql`delete from wecom_inbox where status = 'ignored' and received_at < now() - interval '30 days'`.execute(owner);
  return Number(r.numAffectedRows ?? 0);
}

/** Serializes the handling of one subject's events (a contact, a chat) until the transaction ends. */
export async function lockSubject(trx: Tx, tenantId: TenantId, subject: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('huike.wecom.subject'), hashtext(${tenantId + ':' + subject}))`.execute(trx);
}
