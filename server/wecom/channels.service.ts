/**
 * Channel codes (「联系我」 contact ways): ops create one per store, per clerk, and optionally per campaign, each
 * with a unique `state`. WeCom returns that state on the add event and on every later read of the relation, so a
 * customer who arrives through the code is attributed to the channel (customer_follows.channel_id).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors';
import type { Services } from '../services';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type TenantId, type Tx } from '../tenancy/context';
import type { ChannelStatus } from '../../db/schema/wecom';
import { describeWecomError } from './messages';
import { wecomClientFor } from './runtime';
import { WECOM_LIMITS } from './types';
import type { ChannelSort } from '../../app/lib/contracts/wecom';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const channelInput = z
  .object({
    name: z.string().trim().min(1, '请填写渠道名称 / Name is required').max(60),
    storeId: z.preprocess(blank, z.string().uuid().optional()),
    staffId: z.preprocess(blank, z.string().uuid().optional()),
    campaign: z.preprocess(blank, z.string().trim().max(20, '活动名最多 20 个字 / Campaign: at most 20 characters').optional()),
    state: z.preprocess(blank, z.string().trim().regex(/^[A-Za-z0-9_-]{1,30}$/, 'state 为 1–30 位字母、数字、_ 或 - / state: 1–30 letters, digits, _ or -').optional()),
    skipVerify: z.preprocess((v) => (v === 'false' || v === false ? false : true), z.boolean()),
  })
  .refine((v) => v.storeId || v.staffId, { message: '请选择门店或导购 / Choose a store or a clerk', path: ['storeId'] });
export type ChannelInput = z.input<typeof channelInput>;

/** A unique-looking state from the store, clerk and campaign: `hk_S001_618_k3x9q2` (≤30 characters). */
export function makeState(parts: (string | null | undefined)[], random: () => string = () => randomBytes(4).toString('hex').slice(0, 6)): string {
  const clean = parts.filter((p): p is string => Boolean(p)).map((p) => p.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)).filter(Boolean);
  const base = ['hk', ...clean].join('_').slice(0, 30 - 7);
  return `${base}_${random()}`;
}

export async function createChannel(services: Services, actor: Actor, input: unknown): Promise<{ id: string; status: ChannelStatus; error: string | null; state: string }> {
  assertCan(actor, 'channels.manage');
  const p = channelInput.safeParse(input);
  if (!p.success) throw new ValidationError(p.error.issues.map((i) => i.message).join('; '), p.error.issues);
  const v = p.data;
  const t = actor.tenantId;
  const prepared = await withTenant(services.dbs, t, async (trx) => {
    let storeCode: string | null = null;
    if (v.storeId) {
      const store = await trx.selectFrom('stores').select(['id', 'code']).where('tenant_id', '=', t).where('id', '=', v.storeId).executeTakeFirst();
      if (!store) throw new NotFoundError('门店不存在 / Store not found');
      storeCode = store.code;
    }
    let users: string[];
    let clerkName: string | null = null;
    if (v.staffId) {
      const s = await trx.selectFrom('staff').select(['id', 'name', 'wecom_userid', 'active']).where('tenant_id', '=', t).where('id', '=', v.staffId).executeTakeFirst();
      if (!s) throw new NotFoundError('导购不存在 / Clerk not found');
      if (!s.wecom_userid) throw new ValidationError(`${s.name} 还没有企业微信账号（请先同步企业微信）/ ${s.name} has no WeCom account yet (sync WeCom first)`);
      users = [s.wecom_userid];
      clerkName = s.wecom_userid;
    } else {
      const rows = await trx
        .selectFrom('staff')
        .select('wecom_userid')
        .where('tenant_id', '=', t)
        .where('store_id', '=', v.storeId!)
        .where('active', '=', true)
        .where('wecom_userid', 'is not', null)
        .orderBy('wecom_userid')
        .limit(WECOM_LIMITS.contactWayUsers)
        .execute();
      users = rows.map((r) => r.wecom_userid!);
      if (users.length === 0) throw new ValidationError('该门店没有已连接企业微信的导购 / No clerk of this store has a WeCom account');
    }
    let state = v.state ?? makeState([storeCode, clerkName, v.campaign]);
    for (let i = 0; !v.state && i < 5; i++) {
      const taken = await trx.selectFrom('wecom_channels').select('id').where('tenant_id', '=', t).where('state', '=', state).executeTakeFirst();
      if (!taken) break;
      state = makeState([storeCode, clerkName, v.campaign]);
    }
    const dup = await trx.selectFrom('wecom_channels').select('name').where('tenant_id', '=', t).where('state', '=', state).executeTakeFirst();
    if (dup) throw new ValidationError(`state「${state}」已被渠道「${dup.name}」使用 / state ${state} is used by channel ${dup.name}`);
    const row = await trx
      .insertInto('wecom_channels')
      .values({ tenant_id: t, name: v.name, state, store_id: v.storeId ?? null, staff_id: v.staffId ?? null, campaign: v.campaign ?? null, userids: users, skip_verify: v.skipVerify, config_id: null, qr_code: null, error: null, created_by_label: actor.label })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(trx, actor, { action: 'channel.create', entityType: 'wecom_channel', entityId: row.id, after: { name: v.name, state, store_id: v.storeId ?? null, staff_id: v.staffId ?? null, campaign: v.campaign ?? null, users } });
    return { id: row.id, state, users };
  });

  let status: ChannelStatus;
  let error: string | null = null;
  let configId: string | null = null;
  let qr: string | null = null;
  try {
    const client = await wecomClientFor(services, t);
    const r = await client.addContactWay({ type: prepared.users.length === 1 ? 1 : 2, scene: 2, remark: v.name.slice(0, WECOM_LIMITS.contactWayRemarkChars), skip_verify: v.skipVerify, state: prepared.state, user: prepared.users });
    status = 'active';
    configId = r.config_id;
    qr = r.qr_code ?? null;
  } catch (e) {
    status = 'failed';
    error = describeWecomError(e);
  }
  await withTenant(services.dbs, t, async (trx) => {
    await trx.updateTable('wecom_channels').set({ status, error, config_id: configId, qr_code: qr, updated_at: new Date() }).where('tenant_id', '=', t).where('id', '=', prepared.id).execute();
    // Relations that already carry this state (added before the channel was recorded) belong to it too.
    if (status === 'active') await attributeByState(trx, t, prepared.id, prepared.state);
  });
  return { id: prepared.id, status, error, state: prepared.state };
}

export async function attributeByState(trx: Tx, tenantId: TenantId, channelId: string, state: string): Promise<number> {
  const r = await sql`update customer_follows set channel_id = ${channelId}::uuid, updated_at = now()
    where tenant_id = ${tenantId}::uuid and state = ${state} and channel_id is distinct from ${channelId}::uuid`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Retries the WeCom side of a channel whose creation failed. */
export async function retryChannel(services: Services, actor: Actor, channelId: string): Promise<{ status: ChannelStatus; error: string | null }> {
  assertCan(actor, 'channels.manage');
  const t = actor.tenantId;
  const ch = await withTenant(services.dbs, t, (trx) => trx.selectFrom('wecom_channels').selectAll().where('tenant_id', '=', t).where('id', '=', channelId).executeTakeFirst());
  if (!ch) throw new NotFoundError('渠道不存在 / Channel not found');
  if (ch.status === 'active') return { status: 'active', error: null };
  try {
    const client = await wecomClientFor(services, t);
    const r = await client.addContactWay({ type: ch.userids.length === 1 ? 1 : 2, scene: 2, remark: ch.name.slice(0, 30), skip_verify: ch.skip_verify, state: ch.state, user: ch.userids });
    await withTenant(services.dbs, t, async (trx) => {
      await trx.updateTable('wecom_channels').set({ status: 'active', error: null, config_id: r.config_id, qr_code: r.qr_code ?? null, updated_at: new Date() }).where('tenant_id', '=', t).where('id', '=', channelId).execute();
      await attributeByState(trx, t, channelId, ch.state);
    });
    return { status: 'active', error: null };
  } catch (e) {
    const error = describeWecomError(e);
    await withTenant(services.dbs, t, (trx) => trx.updateTable('wecom_channels').set({ error, updated_at: new Date() }).where('tenant_id', '=', t).where('id', '=', channelId).execute());
    return { status: 'failed', error };
  }
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
