/**
 * Channel codes (「联系我」 contact ways): ops create one per store, per clerk, and optionally per campaign, each
 * with a unique `state`. WeCom returns that state on the add event and on every later read of the relation, so a
 * customer who arrives through the code is attributed to the channel (customer_follows.channel_id).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import type { Services } from '../services';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type TenantId, type Tx } from '../tenancy/context';
import type { ChannelStatus } from '../../db/schema/wecom';
import { attributeByState, channelByState, channelFormOptions, findClerk, findStore, getChannel, insertChannel, listChannels, setChannelError, setChannelResult, storeWecomUserids } from './channels.repository';
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
  const v = parseOrThrow(channelInput, input, { details: 'issues' });
  const t = actor.tenantId;
  const prepared = await withTenant(services.dbs, t, (trx) => recordChannel(trx, actor, v));

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
    await setChannelResult(trx, t, prepared.id, { status, error, configId, qrCode: qr });
    // Relations that already carry this state (added before the channel was recorded) belong to it too.
    if (status === 'active') await attributeByState(trx, t, prepared.id, prepared.state);
  });
  return { id: prepared.id, status, error, state: prepared.state };
}

/** The WeCom userids a channel serves: the chosen clerk, or the store's clerks who have a WeCom account. */
async function channelUsers(trx: Tx, tenantId: TenantId, v: z.output<typeof channelInput>): Promise<{ users: string[]; storeCode: string | null; clerkName: string | null }> {
  let storeCode: string | null = null;
  if (v.storeId) {
    const store = await findStore(trx, tenantId, v.storeId);
    if (!store) throw new NotFoundError('门店不存在 / Store not found');
    storeCode = store.code;
  }
  if (v.staffId) {
    const s = await findClerk(trx, tenantId, v.staffId);
    if (!s) throw new NotFoundError('导购不存在 / Clerk not found');
    if (!s.wecom_userid) throw new ValidationError(`${s.name} 还没有企业微信账号（请先同步企业微信）/ ${s.name} has no WeCom account yet (sync WeCom first)`);
    return { users: [s.wecom_userid], storeCode, clerkName: s.wecom_userid };
  }
  const users = await storeWecomUserids(trx, tenantId, v.storeId!, WECOM_LIMITS.contactWayUsers);
  if (users.length === 0) throw new ValidationError('该门店没有已连接企业微信的导购 / No clerk of this store has a WeCom account');
  return { users, storeCode, clerkName: null };
}

/** Records the channel with a free state (audited), before WeCom is asked for its code. */
async function recordChannel(trx: Tx, actor: Actor, v: z.output<typeof channelInput>): Promise<{ id: string; state: string; users: string[] }> {
  const t = actor.tenantId;
  const { users, storeCode, clerkName } = await channelUsers(trx, t, v);
  let state = v.state ?? makeState([storeCode, clerkName, v.campaign]);
  for (let i = 0; !v.state && i < 5; i++) {
    if (!(await channelByState(trx, t, state))) break;
    state = makeState([storeCode, clerkName, v.campaign]);
  }
  const dup = await channelByState(trx, t, state);
  if (dup) throw new ValidationError(`state「${state}」已被渠道「${dup.name}」使用 / state ${state} is used by channel ${dup.name}`);
  const id = await insertChannel(trx, t, { name: v.name, state, storeId: v.storeId ?? null, staffId: v.staffId ?? null, campaign: v.campaign ?? null, userids: users, skipVerify: v.skipVerify, label: actor.label });
  await audit(trx, actor, { action: 'channel.create', entityType: 'wecom_channel', entityId: id, after: { name: v.name, state, store_id: v.storeId ?? null, staff_id: v.staffId ?? null, campaign: v.campaign ?? null, users } });
  return { id, state, users };
}

/** Retries the WeCom side of a channel whose creation failed. */
export async function retryChannel(services: Services, actor: Actor, channelId: string): Promise<{ status: ChannelStatus; error: string | null }> {
  assertCan(actor, 'channels.manage');
  const t = actor.tenantId;
  const ch = await withTenant(services.dbs, t, (trx) => getChannel(trx, t, channelId));
  if (!ch) throw new NotFoundError('渠道不存在 / Channel not found');
  if (ch.status === 'active') return { status: 'active', error: null };
  try {
    const client = await wecomClientFor(services, t);
    const r = await client.addContactWay({ type: ch.userids.length === 1 ? 1 : 2, scene: 2, remark: ch.name.slice(0, 30), skip_verify: ch.skip_verify, state: ch.state, user: ch.userids });
    await withTenant(services.dbs, t, async (trx) => {
      await setChannelResult(trx, t, channelId, { status: 'active', error: null, configId: r.config_id, qrCode: r.qr_code ?? null });
      await attributeByState(trx, t, channelId, ch.state);
    });
    return { status: 'active', error: null };
  } catch (e) {
    const error = describeWecomError(e);
    await withTenant(services.dbs, t, (trx) => setChannelError(trx, t, channelId, error));
    return { status: 'failed', error };
  }
}

/** The channels page: a page of channels with what they brought, and the form's stores and clerks. */
export function channelsPage(services: Services, actor: Actor, p: { sort: ChannelSort; dir: 'asc' | 'desc'; page: number; size: number; q?: string }) {
  return withTenant(services.dbs, actor.tenantId, async (trx) => ({ list: await listChannels(trx, actor.tenantId, p), options: await channelFormOptions(trx, actor.tenantId) }));
}
