/** Welcome messages and their sends (`wecom_welcome_messages`, `wecom_welcome_sends`). All SQL of the feature. */
import { sql } from 'kysely';
import { jsonb } from '../lib/sql';
import type { WelcomeReportRow } from '../../app/lib/contracts/wecom-ops';
import type { TenantId, Tx } from '../tenancy/context';
import type { WelcomeAttachment } from './welcome-template';

export type WelcomeScope = 'default' | 'channel' | 'store' | 'clerk';
export type WelcomeSendStatus = 'sending' | 'sent' | 'rejected' | 'expired' | 'failed' | 'no_message';

export interface WelcomeMessageRow {
  id: string;
  scope: WelcomeScope;
  channel_id: string | null;
  store_id: string | null;
  staff_id: string | null;
  target: string | null;
  text: string;
  attachments: WelcomeAttachment[];
  created_by_label: string;
  updated_at: Date;
  sent: number;
}

export async function listWelcomeMessages(trx: Tx, tenantId: TenantId): Promise<WelcomeMessageRow[]> {
  const r = await sql<WelcomeMessageRow>`
    select m.id, m.scope, m.channel_id, m.store_id, m.staff_id, coalesce(ch.name, st.name, s.name) as target, m.text, m.attachments, m.created_by_label, m.updated_at,
      (select count(*)::int from wecom_welcome_sends w where w.tenant_id = m.tenant_id and w.message_id = m.id and w.status = 'sent') as sent
    from wecom_welcome_messages m
    left join wecom_channels ch on ch.tenant_id = m.tenant_id and ch.id = m.channel_id
    left join stores st on st.tenant_id = m.tenant_id and st.id = m.store_id
    left join staff s on s.tenant_id = m.tenant_id and s.id = m.staff_id
    where m.tenant_id = ${tenantId}::uuid and m.active
    order by case m.scope when 'default' then 0 when 'channel' then 1 when 'clerk' then 2 else 3 end, target`.execute(trx);
  return r.rows;
}

/** Replaces the active message of one target (deactivating the previous one); returns the new id and the old row. */
export async function upsertWelcomeMessage(
  trx: Tx,
  tenantId: TenantId,
  m: { scope: WelcomeScope; targetId: string | null; text: string; attachments: WelcomeAttachment[]; label: string },
): Promise<{ id: string; previous: { id: string; text: string } | null }> {
  const col = { default: null, channel: 'channel_id', store: 'store_id', clerk: 'staff_id' }[m.scope];
  const target = col ? sql`and ${sql.ref(col)} = ${m.targetId}::uuid` : sql``;
  const prev = await sql<{ id: string; text: string }>`update wecom_welcome_messages set active = false, updated_at = now()
    where tenant_id = ${tenantId}::uuid and active and scope = ${m.scope} ${target} returning id, text`.execute(trx);
  const r = await sql<{ id: string }>`insert into wecom_welcome_messages (tenant_id, scope, channel_id, store_id, staff_id, text, attachments, created_by_label)
    values (${tenantId}::uuid, ${m.scope}, ${m.scope === 'channel' ? m.targetId : null}::uuid, ${m.scope === 'store' ? m.targetId : null}::uuid,
      ${m.scope === 'clerk' ? m.targetId : null}::uuid, ${m.text}, ${jsonb(m.attachments)}, ${m.label}) returning id`.execute(trx);
  return { id: r.rows[0]!.id, previous: prev.rows[0] ?? null };
}

export async function deactivateWelcomeMessage(trx: Tx, tenantId: TenantId, id: string): Promise<{ scope: string; text: string } | null> {
  const r = await sql<{ scope: string; text: string }>`update wecom_welcome_messages set active = false, updated_at = now()
    where tenant_id = ${tenantId}::uuid and id = ${id}::uuid and active returning scope, text`.execute(trx);
  return r.rows[0] ?? null;
}

export interface WelcomeContext {
  message_id: string | null;
  text: string | null;
  attachments: WelcomeAttachment[] | null;
  channel_id: string | null;
  staff_id: string | null;
  clerk: string | null;
  store: string | null;
}

/**
 * The message for an add: the channel code's (by state), else the clerk's, else the clerk's store's, else the
 * default; with the channel, clerk and store it resolved.
 */
export async function resolveWelcome(trx: Tx, tenantId: TenantId, userid: string, state: string | null): Promise<WelcomeContext> {
  const r = await sql<WelcomeContext>`
    with ch as (select id from wecom_channels where tenant_id = ${tenantId}::uuid and state = ${state ?? ''}),
      s as (select s.id, s.name, s.store_id, st.name as store from staff s left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
            where s.tenant_id = ${tenantId}::uuid and s.wecom_userid = ${userid})
    select m.id as message_id, m.text, m.attachments, (select id from ch) as channel_id, (select id from s) as staff_id, (select name from s) as clerk, (select store from s) as store
    from (select 1) one
    left join lateral (
      select * from wecom_welcome_messages m where m.tenant_id = ${tenantId}::uuid and m.active and (
        m.scope = 'default' or (m.scope = 'channel' and m.channel_id = (select id from ch))
        or (m.scope = 'clerk' and m.staff_id = (select id from s)) or (m.scope = 'store' and m.store_id = (select store_id from s)))
      order by case m.scope when 'channel' then 0 when 'clerk' then 1 when 'store' then 2 else 3 end limit 1) m on true`.execute(trx);
  return r.rows[0]!;
}

/** Claims a welcome code: the first delivery gets an id, a redelivery (same code) gets null and sends nothing. */
export async function claimWelcomeCode(trx: Tx, tenantId: TenantId, c: { code: string; userid: string; externalUserid: string; state: string | null; eventAt: Date }): Promise<number | null> {
  const r = await sql<{ id: number }>`insert into wecom_welcome_sends (tenant_id, welcome_code, userid, external_userid, state, event_at)
    values (${tenantId}::uuid, ${c.code}, ${c.userid}, ${c.externalUserid}, ${c.state}, ${c.eventAt})
    on conflict (tenant_id, welcome_code) do nothing returning id`.execute(trx);
  return r.rows[0]?.id ?? null;
}

export async function finishWelcomeSend(
  trx: Tx,
  tenantId: TenantId,
  id: number,
  f: { status: WelcomeSendStatus; ctx: WelcomeContext | null; text: string | null; errcode: number | null; error: string | null },
): Promise<void> {
  await sql`update wecom_welcome_sends set status = ${f.status}, channel_id = ${f.ctx?.channel_id ?? null}::uuid, staff_id = ${f.ctx?.staff_id ?? null}::uuid,
      message_id = ${f.ctx?.message_id ?? null}::uuid, text = ${f.text}, errcode = ${f.errcode}, error = ${f.error},
      sent_at = ${f.status === 'sent' ? sql`now()` : sql`null`}
    where tenant_id = ${tenantId}::uuid and id = ${id}`.execute(trx);
}

export interface WelcomeSendRow {
  id: number;
  external_userid: string;
  customer: string | null;
  clerk: string | null;
  channel: string | null;
  status: WelcomeSendStatus;
  errcode: number | null;
  error: string | null;
  text: string | null;
  received_at: Date;
}

export async function recentWelcomeSends(trx: Tx, tenantId: TenantId, limit: number): Promise<WelcomeSendRow[]> {
  const r = await sql<WelcomeSendRow>`
    select w.id, w.external_userid, c.display_name as customer, s.name as clerk, ch.name as channel, w.status, w.errcode, w.error, w.text, w.received_at
    from wecom_welcome_sends w
    left join customer_identities ci on ci.tenant_id = w.tenant_id and ci.kind = 'external_userid' and ci.value = w.external_userid
    left join customers c on c.tenant_id = ci.tenant_id and c.id = ci.customer_id
    left join staff s on s.tenant_id = w.tenant_id and s.id = w.staff_id
    left join wecom_channels ch on ch.tenant_id = w.tenant_id and ch.id = w.channel_id
    where w.tenant_id = ${tenantId}::uuid order by w.id desc limit ${limit}`.execute(trx);
  return r.rows;
}

/**
 * Per channel code: customers added through it, customers a welcome message reached, and customers whose first
 * purchase after the add came within 30 days of it (paid orders, refunds excluded).
 */
export async function welcomeReport(trx: Tx, tenantId: TenantId): Promise<WelcomeReportRow[]> {
  const r = await sql<WelcomeReportRow>`
    with adds as (
      select f.channel_id, f.customer_id, min(f.added_at) as added_at from customer_follows f
      where f.tenant_id = ${tenantId}::uuid and f.channel_id is not null group by f.channel_id, f.customer_id)
    select ch.id as channel_id, ch.name as channel, ch.state,
      count(a.customer_id)::int as added,
      (select count(distinct w.external_userid)::int from wecom_welcome_sends w where w.tenant_id = ch.tenant_id and w.channel_id = ch.id and w.status = 'sent') as welcomed,
      count(a.customer_id) filter (where exists (
        select 1 from orders o where o.tenant_id = ch.tenant_id and o.customer_id = a.customer_id and not o.is_refund
          and o.paid_at >= a.added_at and o.paid_at < a.added_at + interval '30 days'))::int as first_purchase_30d
    from wecom_channels ch left join adds a on a.channel_id = ch.id
    where ch.tenant_id = ${tenantId}::uuid
    group by ch.tenant_id, ch.id, ch.name, ch.state
    order by added desc, ch.name`.execute(trx);
  return r.rows;
}

/** The channel, store or clerk a message is for exists in the tenant. */
export async function welcomeTargetExists(trx: Tx, tenantId: TenantId, scope: Exclude<WelcomeScope, 'default'>, id: string): Promise<boolean> {
  const table = { channel: 'wecom_channels', store: 'stores', clerk: 'staff' } as const;
  const found = await trx.selectFrom(table[scope]).select('id').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Boolean(found);
}
