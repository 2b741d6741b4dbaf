/** Channel codes (`wecom_channels`) and the attribution of relations to them. All SQL of the feature. */
import { sql } from 'kysely';
import type { ChannelStatus } from '../../db/schema/wecom';
import type { TenantId, Tx } from '../tenancy/context';
import type { ChannelSort } from '../../app/lib/contracts/wecom';

export async function findStore(trx: Tx, tenantId: TenantId, storeId: string) {
  return trx.selectFrom('stores').select(['id', 'code']).where('tenant_id', '=', tenantId).where('id', '=', storeId).executeTakeFirst();
}

export async function findClerk(trx: Tx, tenantId: TenantId, staffId: string) {
  return trx.selectFrom('staff').select(['id', 'name', 'wecom_userid', 'active']).where('tenant_id', '=', tenantId).where('id', '=', staffId).executeTakeFirst();
}

/** WeCom userids of a store's active clerks, at most `limit` (a contact way takes a bounded list). */
export async function storeWecomUserids(trx: Tx, tenantId: TenantId, storeId: string, limit: number): Promise<string[]> {
  const rows = await trx
    .selectFrom('staff')
    .select('wecom_userid')
    .where('tenant_id', '=', tenantId)
    .where('store_id', '=', storeId)
    .where('active', '=', true)
    .where('wecom_userid', 'is not', null)
    .orderBy('wecom_userid')
    .limit(limit)
    .execute();
  return rows.map((r) => r.wecom_userid!);
}

/** The channel that uses a state, if any. */
export async function channelByState(trx: Tx, tenantId: TenantId, state: string) {
  return trx.selectFrom('wecom_channels').select(['id', 'name']).where('tenant_id', '=', tenantId).where('state', '=', state).executeTakeFirst();
}

export interface ChannelWrite {
  name: string;
  state: string;
  storeId: string | null;
  staffId: string | null;
  campaign: string | null;
  userids: string[];
  skipVerify: boolean;
  label: string;
}

/** Records a channel before WeCom is asked for its code (status as the table defaults it). */
export async function insertChannel(trx: Tx, tenantId: TenantId, w: ChannelWrite): Promise<string> {
  const row = await trx
    .insertInto('wecom_channels')
    .values({ tenant_id: tenantId, name: w.name, state: w.state, store_id: w.storeId, staff_id: w.staffId, campaign: w.campaign, userids: w.userids, skip_verify: w.skipVerify, config_id: null, qr_code: null, error: null, created_by_label: w.label })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function getChannel(trx: Tx, tenantId: TenantId, id: string) {
  return trx.selectFrom('wecom_channels').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

/** WeCom's answer for a channel: its status, error, config id and QR code. */
export async function setChannelResult(trx: Tx, tenantId: TenantId, id: string, r: { status: ChannelStatus; error: string | null; configId: string | null; qrCode: string | null }): Promise<void> {
  await trx.updateTable('wecom_channels').set({ status: r.status, error: r.error, config_id: r.configId, qr_code: r.qrCode, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

/** A failed retry: the error changes, the status stays. */
export async function setChannelError(trx: Tx, tenantId: TenantId, id: string, error: string): Promise<void> {
  await trx.updateTable('wecom_channels').set({ error, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

export async function attributeByState(trx: Tx, tenantId: TenantId, channelId: string, state: string): Promise<number> {
  const r = await sql`update customer_follows set channel_id = ${channelId}::uuid, updated_at = now()
    where tenant_id = ${tenantId}::uuid and state = ${state} and channel_id is distinct from ${channelId}::uuid`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Every channel's id, name and state (the welcome-message form's channel select). */
export async function channelStates(trx: Tx, tenantId: TenantId) {
  return trx.selectFrom('wecom_channels').select(['id', 'name', 'state']).where('tenant_id', '=', tenantId).orderBy('name').execute();
}

export interface ChannelRow {
  id: string;
  name: string;
  state: string;
  store: string | null;
  clerk: string | null;
  campaign: string | null;
  users: number;
  status: ChannelStatus;
  error: string | null;
  qr_code: string | null;
  config_id: string | null;
  created_at: Date;
  created_by_label: string;
  /** Customers ever acquired through the channel. */
  acquired: number;
  /** Of those, still served (open relation). */
  following: number;
  last30: number;
}

export async function listChannels(trx: Tx, tenantId: TenantId, p: { sort: ChannelSort; dir: 'asc' | 'desc'; page: number; size: number; q?: string }): Promise<{ rows: ChannelRow[]; total: number; totals: { acquired: number; unattributed: number } }> {
  const order = { name: sql`ch.name`, created_at: sql`ch.created_at`, acquired: sql`acquired`, last30: sql`last30` }[p.sort];
  const where = sql`ch.tenant_id = ${tenantId}::uuid ${p.q ? sql`and (ch.name ilike ${'%' + p.q + '%'} or ch.state ilike ${'%' + p.q + '%'} or ch.campaign ilike ${'%' + p.q + '%'})` : sql``}`;
  const total = await sql<{ n: number }>`select count(*)::int as n from wecom_channels ch where ${where}`.execute(trx);
  const rows = await sql<ChannelRow>`
    select ch.id, ch.name, ch.state, st.name as store, s.name as clerk, ch.campaign, cardinality(ch.userids)::int as users, ch.status, ch.error, ch.qr_code, ch.config_id,
      ch.created_at, ch.created_by_label, coalesce(a.acquired, 0)::int as acquired, coalesce(a.following, 0)::int as following, coalesce(a.last30, 0)::int as last30
    from wecom_channels ch
    left join stores st on st.tenant_id = ch.tenant_id and st.id = ch.store_id
    left join staff s on s.tenant_id = ch.tenant_id and s.id = ch.staff_id
    left join lateral (
      select count(distinct f.customer_id) as acquired,
        count(distinct f.customer_id) filter (where f.ended_at is null) as following,
        count(distinct f.customer_id) filter (where f.added_at >= now() - interval '30 days') as last30
      from customer_follows f where f.tenant_id = ch.tenant_id and f.channel_id = ch.id) a on true
    where ${where}
    order by ${order} ${sql.raw(p.dir === 'asc' ? 'asc nulls last' : 'desc nulls last')}, ch.id
    limit ${p.size} offset ${(p.page - 1) * p.size}`.execute(trx);
  const totals = await sql<{ acquired: number; unattributed: number }>`
    select count(distinct customer_id) filter (where channel_id is not null)::int as acquired,
      count(distinct customer_id) filter (where channel_id is null and state is not null)::int as unattributed
    from customer_follows where tenant_id = ${tenantId}::uuid`.execute(trx);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0, totals: totals.rows[0] ?? { acquired: 0, unattributed: 0 } };
}

/** Stores and WeCom clerks for the channel form. */
export async function channelFormOptions(trx: Tx, tenantId: TenantId) {
  const stores = await trx.selectFrom('stores').select(['id', 'code', 'name']).where('tenant_id', '=', tenantId).where('active', '=', true).orderBy('code').execute();
  const clerks = await trx
    .selectFrom('staff')
    .select(['id', 'name', 'wecom_userid', 'store_id'])
    .where('tenant_id', '=', tenantId)
    .where('wecom_userid', 'is not', null)
    .where('active', '=', true)
    .orderBy('name')
    .limit(2000)
    .execute();
  return { stores, clerks };
}
