/**
 * The tenant's WeCom connection: corp id, app secret, agent id, callback token and EncodingAESKey, and whether
 * the tenant talks to the real WeCom (`live`) or to an in-process simulator (`simulator`, the demo).
 *
 * - The secret and the EncodingAESKey are sealed with SecretBox (AES-256-GCM under APP_ENCRYPTION_KEY) bound
 *   to the tenant and the field; neither is ever returned to a page after saving (the AES key is shown once, in
 *   the answer to the save, for pasting into the WeCom console).
 * - "Test connection" fetches a token with the saved secret and lists the staff with customer contact.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { WecomMode, WecomSimConfig } from '../../db/schema/wecom';
import { NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import { SecretBox } from '../lib/secret-box';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { asTenantId, withSystem, withTenant, type TenantId, type Tx } from '../tenancy/context';
import { generateEncodingAesKey } from './crypto';
import { activeTenantIdBySlug, deleteAccessTokens, findConnection, recordTestResult, upsertConnection, type ConnectionRow } from './connection.repository';
import { describeWecomError } from './messages';

export const CORP_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const CALLBACK_TOKEN_RE = /^[A-Za-z0-9]{1,32}$/;
export const AES_KEY_RE = /^[A-Za-z0-9]{43}$/;

const simConfigSchema = z.object({
  seed: z.number().int(),
  customers: z.number().int().min(0).max(1_000_000),
  chain: z.object({ regions: z.number().int(), stores: z.number().int(), clerks: z.number().int() }).optional(),
  staff: z.number().int().min(1).max(10_000).optional(),
  latencyMs: z.number().int().min(0).max(5_000).optional(),
  anchorMs: z.number().int().optional(),
});

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** One schema for the settings form, the CLI and the demo seed. Secret and AES key may be omitted to keep them. */
export const connectionInput = z.object({
  corpId: z.string().trim().regex(CORP_ID_RE, '企业ID格式不正确 / corp id: letters, digits, _ or -'),
  secret: z.preprocess(blankToUndefined, z.string().trim().min(8, 'Secret 太短 / secret is too short').max(128).optional()),
  agentId: z.preprocess(blankToUndefined, z.coerce.number().int().positive('AgentId 应为正整数 / agent id: a positive number').optional()),
  callbackToken: z.string().trim().regex(CALLBACK_TOKEN_RE, 'Token 应为 1–32 位字母或数字 / token: 1–32 letters or digits'),
  aesKey: z.preprocess(blankToUndefined, z.string().trim().regex(AES_KEY_RE, 'EncodingAESKey 应为 43 位字母或数字 / EncodingAESKey: exactly 43 letters or digits').optional()),
  mode: z.enum(['live', 'simulator']).default('live'),
  baseUrl: z.preprocess(blankToUndefined, z.string().trim().url('接口地址应为 URL / base URL must be a URL').optional()),
  simConfig: simConfigSchema.optional(),
});
export type ConnectionInput = z.input<typeof connectionInput>;

const secretContext = (tenantId: string) => `wecom.secret:${tenantId}`;
const aesKeyContext = (tenantId: string) => `wecom.aes_key:${tenantId}`;

/** The connection with its secrets opened: for the client factory and the callback receiver only. */
export interface OpenConnection {
  tenantId: TenantId;
  corpId: string;
  agentId: number | null;
  secret: string;
  callbackToken: string;
  encodingAesKey: string;
  mode: WecomMode;
  baseUrl: string | null;
  simConfig: WecomSimConfig | null;
  /** Changes whenever the settings are saved (client cache key). */
  version: number;
}

export function openConnectionRow(encryptionKey: string, row: ConnectionRow): OpenConnection {
  const box = new SecretBox(encryptionKey);
  return {
    tenantId: row.tenant_id as TenantId,
    corpId: row.corp_id,
    agentId: row.agent_id,
    secret: box.open(row.secret_sealed, secretContext(row.tenant_id)),
    callbackToken: row.callback_token,
    encodingAesKey: box.open(row.aes_key_sealed, aesKeyContext(row.tenant_id)),
    mode: row.mode,
    baseUrl: row.base_url,
    simConfig: row.sim_config,
    version: new Date(row.updated_at).getTime(),
  };
}

export class WecomNotConfiguredError extends NotFoundError {
  constructor() {
    super('尚未连接企业微信：请先在「设置 → 企业微信」中填写连接信息 / WeCom is not connected yet: fill in Settings → WeCom first');
  }
}

export async function loadOpenConnection(services: Services, tenantId: TenantId): Promise<OpenConnection> {
  const row = await withTenant(services.dbs, tenantId, (trx) => findConnection(trx, tenantId));
  if (!row) throw new WecomNotConfiguredError();
  return openConnectionRow(services.config.APP_ENCRYPTION_KEY, row);
}

/** Saves the connection (insert or update). Returns the AES key when it was set now, to be shown once. */
export async function configureConnection(services: Services, trx: Tx, actor: Pick<Actor, 'tenantId' | 'staffId' | 'label' | 'requestId'>, input: unknown): Promise<{ aesKeyShownOnce: string | null; created: boolean }> {
  const c = parseOrThrow(connectionInput, input, { details: 'issues' });
  const tenantId = actor.tenantId;
  const box = new SecretBox(services.config.APP_ENCRYPTION_KEY);
  const existing = await findConnection(trx, tenantId);
  if (!existing && !c.secret) throw new ValidationError('请填写应用 Secret / The app secret is required');
  const aesKey = c.aesKey ?? (existing ? null : generateEncodingAesKey(() => randomBytes(4).readUInt32BE(0) / 4294967296));
  const simConfig: WecomSimConfig | null = c.mode === 'simulator' ? (c.simConfig ?? existing?.sim_config ?? { seed: 1, customers: 2000, staff: 12 }) : null;
  await upsertConnection(trx, tenantId, {
    corp_id: c.corpId,
    agent_id: c.agentId ?? null,
    secret_sealed: c.secret ? box.seal(c.secret, secretContext(tenantId)) : existing!.secret_sealed,
    callback_token: c.callbackToken,
    aes_key_sealed: aesKey ? box.seal(aesKey, aesKeyContext(tenantId)) : existing!.aes_key_sealed,
    mode: c.mode,
    base_url: c.baseUrl ?? null,
    sim_config: simConfig,
    updated_by_label: actor.label,
  });
  // Tokens fetched with another secret or corp must not be reused.
  if (existing && (c.secret || existing.corp_id !== c.corpId)) await deleteAccessTokens(trx, tenantId);
  await audit(trx, actor, {
    action: existing ? 'wecom.connection.update' : 'wecom.connection.create',
    entityType: 'wecom_connection',
    entityId: tenantId,
    before: existing ? { corp_id: existing.corp_id, agent_id: existing.agent_id, mode: existing.mode, base_url: existing.base_url } : null,
    after: { corp_id: c.corpId, agent_id: c.agentId ?? null, mode: c.mode, base_url: c.baseUrl ?? null, secret_changed: Boolean(c.secret), aes_key_changed: Boolean(aesKey) },
  });
  return { aesKeyShownOnce: aesKey, created: !existing };
}

/** The settings page's save: configureConnection in its own tenant transaction. */
export function saveConnection(services: Services, actor: Actor, input: unknown): Promise<{ aesKeyShownOnce: string | null; created: boolean }> {
  return withTenant(services.dbs, actor.tenantId, (trx) => configureConnection(services, trx, actor, input));
}

/** What the settings page shows: never the secret or the AES key. */
export interface ConnectionView {
  configured: boolean;
  corpId: string | null;
  agentId: number | null;
  callbackToken: string | null;
  mode: WecomMode;
  baseUrl: string | null;
  callbackUrl: string;
  updatedAt: Date | null;
  updatedBy: string | null;
  lastTest: { at: Date; ok: boolean; message: string } | null;
}

export async function getConnectionView(services: Services, trx: Tx, tenantId: TenantId, tenantSlug: string): Promise<ConnectionView> {
  const row = await findConnection(trx, tenantId);
  return {
    configured: Boolean(row),
    corpId: row?.corp_id ?? null,
    agentId: row?.agent_id ?? null,
    callbackToken: row?.callback_token ?? null,
    mode: row?.mode ?? 'live',
    baseUrl: row?.base_url ?? null,
    callbackUrl: callbackUrlFor(services.config.publicUrl, tenantSlug),
    updatedAt: row?.updated_at ?? null,
    updatedBy: row?.updated_by_label ?? null,
    lastTest: row?.last_test_at ? { at: row.last_test_at, ok: row.last_test_ok === true, message: row.last_test_message ?? '' } : null,
  };
}

export function callbackUrlFor(publicUrl: string, slug: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/wecom/callback/${slug}`;
}

export interface TestResult {
  ok: boolean;
  message: string;
  followUsers: string[];
}

/**
 * gettoken with the saved secret (a throwaway client, so the token is really fetched) and then
 * get_follow_user_list. The result is stored on the connection and returned as readable text.
 */
export async function testConnection(services: Services, tenantId: TenantId, makeClient: (conn: OpenConnection) => Promise<{ getAccessToken(): Promise<string>; listFollowUsers(): Promise<string[]> }>): Promise<TestResult> {
  const conn = await loadOpenConnection(services, tenantId);
  let result: TestResult;
  try {
    const client = await makeClient(conn);
    await client.getAccessToken();
    try {
      const users = await client.listFollowUsers();
      const sample = users.slice(0, 5).join('、');
      result = {
        ok: true,
        followUsers: users,
        message: `连接成功：已获取访问令牌；配置了客户联系功能的员工 ${users.length} 人${sample ? `（${sample}${users.length > 5 ? '…' : ''}）` : ''} / Connected: got an access token; ${users.length} staff have customer contact${sample ? ` (${users.slice(0, 5).join(', ')}${users.length > 5 ? ', …' : ''})` : ''}`,
      };
    } catch (e) {
      result = { ok: false, followUsers: [], message: `已获取访问令牌，但无法读取客户联系成员：${describeWecomError(e)} / Got a token but could not list customer-contact staff` };
    }
  } catch (e) {
    result = { ok: false, followUsers: [], message: `获取访问令牌失败：${describeWecomError(e)} / Could not get an access token` };
  }
  await withTenant(services.dbs, tenantId, (trx) => recordTestResult(trx, tenantId, result.ok, result.message));
  return result;
}

/** The tenant behind a callback URL's slug (cross-tenant lookup, before the tenant is known). */
export async function tenantIdBySlug(services: Services, slug: string): Promise<TenantId | null> {
  if (!/^[a-z0-9][a-z0-9-]{1,40}$/.test(slug)) return null;
  const id = await withSystem(services.dbs, (db) => activeTenantIdBySlug(db, slug));
  return id ? asTenantId(id) : null;
}
