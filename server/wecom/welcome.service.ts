/**
 * Welcome messages (欢迎语, wecom-api.md 5.7). Ops keep one message per channel code, clerk or store and a default
 * (`saveWelcomeMessage`). When an add_external_contact (or add_half_external_contact) arrives with a WelcomeCode,
 * the callback receiver calls `startWelcome` right after storing the event — not through the job queue, whose
 * backlog must never eat the code's 20-second, single-use window:
 *
 *  1. the code is claimed in `wecom_welcome_sends` (unique per code: WeCom's redelivery of the callback sends nothing);
 *  2. the message is resolved (channel by state → clerk → store → default) and its placeholders filled;
 *  3. if the window has passed it is recorded `expired` without calling; otherwise `send_welcome_msg` is called once
 *     with a short client (≤1 quick retry on transient failures, timeout inside the window);
 *  4. the outcome is recorded: `sent`, `rejected` (41051: used, expired, or the chat already started — never
 *     retried), `failed` (another error) or `no_message`; every send attempt is audited.
 */
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import type { Services } from '../services';
import { assertCan, systemActor, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type TenantId } from '../tenancy/context';
import { loadOpenConnection } from './connection.service';
import type { ExternalContactEvent, WecomEvent } from './events';
import { describeWecomError, wecomErrorInfo } from './messages';
import { buildClient } from './runtime';
import { claimWelcomeCode, deactivateWelcomeMessage, finishWelcomeSend, resolveWelcome, upsertWelcomeMessage, welcomeTargetExists, type WelcomeContext, type WelcomeSendStatus } from './welcome.repository';
import { parseAttachmentLines, renderWelcome, WELCOME_MAX_TEXT_BYTES } from './welcome-template';

/** A WelcomeCode is valid this long after WeCom issued it (the event's CreateTime). */
export const WELCOME_WINDOW_MS = 20_000;

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const welcomeInput = z
  .object({
    scope: z.enum(['default', 'channel', 'store', 'clerk']),
    targetId: z.preprocess(blank, z.string().uuid().optional()),
    text: z
      .string()
      .trim()
      .min(1, '请填写欢迎语 / Write the message')
      .refine((t) => new TextEncoder().encode(t).length <= WELCOME_MAX_TEXT_BYTES, '欢迎语最多 4000 字节 / At most 4,000 bytes'),
    attachments: z.string().default(''),
  })
  .refine((v) => v.scope === 'default' || v.targetId, { message: '请选择渠道、门店或导购 / Choose the channel, store or clerk', path: ['targetId'] });

/** Sets the active message of a target (replacing the previous one). Ops and admins. */
export async function saveWelcomeMessage(services: Services, actor: Actor, input: unknown): Promise<{ id: string }> {
  assertCan(actor, 'wecom.ops');
  const v = parseOrThrow(welcomeInput, input, { details: 'issues' });
  const att = parseAttachmentLines(v.attachments);
  if (!att.ok) throw new ValidationError(att.error);
  const t = actor.tenantId;
  return withTenant(services.dbs, t, async (trx) => {
    if (v.scope !== 'default') {
      if (!(await welcomeTargetExists(trx, t, v.scope, v.targetId!))) throw new NotFoundError('目标不存在 / Target not found');
    }
    const r = await upsertWelcomeMessage(trx, t, { scope: v.scope, targetId: v.targetId ?? null, text: v.text, attachments: att.attachments, label: actor.label });
    await audit(trx, actor, { action: 'welcome.save', entityType: 'wecom_welcome_message', entityId: r.id, before: r.previous, after: { scope: v.scope, target: v.targetId ?? null, text: v.text, attachments: att.attachments } });
    return { id: r.id };
  });
}

export async function removeWelcomeMessage(services: Services, actor: Actor, id: string): Promise<void> {
  assertCan(actor, 'wecom.ops');
  await withTenant(services.dbs, actor.tenantId, async (trx) => {
    const old = await deactivateWelcomeMessage(trx, actor.tenantId, id);
    if (!old) throw new NotFoundError('欢迎语不存在 / Welcome message not found');
    await audit(trx, actor, { action: 'welcome.remove', entityType: 'wecom_welcome_message', entityId: id, before: old });
  });
}

// ---- the fast path ------------------------------------------------------------------------------------------------

const inflight = new Set<Promise<unknown>>();

/** Waits for welcome sends started in this process (tests, the demo, shutdown). */
export async function settleWelcomes(): Promise<void> {
  while (inflight.size > 0) await Promise.allSettled([...inflight]);
}

function welcomeEvent(e: WecomEvent): (ExternalContactEvent & { welcomeCode: string }) | null {
  if (e.event !== 'change_external_contact' || !e.welcomeCode) return null;
  return e.changeType === 'add_external_contact' || e.changeType === 'add_half_external_contact' ? (e as ExternalContactEvent & { welcomeCode: string }) : null;
}

/**
 * Called by the callback receiver after the event is stored: starts the welcome send in the background (the
 * acknowledgement does not wait for it, and it never waits for the queue). A no-op for other events.
 */
export function startWelcome(services: Services, tenantId: TenantId, e: WecomEvent, receivedAt: number = Date.now()): void {
  const ev = welcomeEvent(e);
  if (!ev) return;
  const p = sendWelcome(services, tenantId, ev, receivedAt).catch((err: unknown) => services.log.error('welcome message failed unexpectedly', { tenantId, error: err }));
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
}

export interface WelcomeOutcome {
  status: WelcomeSendStatus | 'duplicate';
  errcode?: number;
}

/** One welcome code, once. See the module comment. */
export async function sendWelcome(services: Services, tenantId: TenantId, e: ExternalContactEvent & { welcomeCode: string }, receivedAt: number = Date.now()): Promise<WelcomeOutcome> {
  // WeCom's clock issued the code; if our receipt is earlier than its stamp (clock skew), count from receipt.
  const issuedAt = Math.min(e.createTime * 1000, receivedAt);
  const claimed = await withTenant(services.dbs, tenantId, async (trx) => {
    const id = await claimWelcomeCode(trx, tenantId, { code: e.welcomeCode, userid: e.userId, externalUserid: e.externalUserId, state: e.state ?? null, eventAt: new Date(e.createTime * 1000) });
    return id === null ? null : { id, ctx: await resolveWelcome(trx, tenantId, e.userId, e.state ?? null) };
  });
  if (!claimed) return { status: 'duplicate' };
  const { id, ctx } = claimed;
  let status: WelcomeSendStatus;
  let errcode: number | null = null;
  let error: string | null = null;
  let text: string | null = null;
  if (!ctx.message_id || !ctx.text) {
    status = 'no_message';
  } else if (Date.now() - issuedAt >= WELCOME_WINDOW_MS) {
    status = 'expired';
    error = '欢迎码已超过 20 秒有效期，未发送 / The welcome code was older than 20 seconds; not sent';
  } else {
    const r = await callSendWelcome(services, tenantId, e, ctx, issuedAt);
    ({ status, errcode, error, text } = r);
  }
  await withTenant(services.dbs, tenantId, async (trx) => {
    await finishWelcomeSend(trx, tenantId, id, { status, ctx, text, errcode, error });
    await audit(trx, systemActor(tenantId, '', 'wecom-welcome'), {
      action: 'welcome.send',
      entityType: 'wecom_welcome_send',
      entityId: String(id),
      after: { status, userid: e.userId, external_userid: e.externalUserId, state: e.state ?? null, message_id: ctx.message_id, errcode, text },
    });
  });
  return errcode !== null ? { status, errcode } : { status };
}

async function callSendWelcome(services: Services, tenantId: TenantId, e: ExternalContactEvent & { welcomeCode: string }, ctx: WelcomeContext, issuedAt: number) {
  const remaining = Math.max(1_000, WELCOME_WINDOW_MS - (Date.now() - issuedAt));
  // A short client: one quick retry on a transient failure, a timeout inside the window.
  const conn = await loadOpenConnection(services, tenantId);
  const client = await buildClient(services, conn, { retry: { maxRetries: 1, baseDelayMs: 200, rateLimitedBaseDelayMs: 500, maxDelayMs: 1_000 }, timeoutMs: Math.min(8_000, remaining) });
  let customer: string | null = null;
  try {
    customer = (await client.getExternalContact(e.externalUserId)).external_contact.name;
  } catch {
    // The name is a nicety; the message goes out without it.
  }
  const text = renderWelcome(ctx.text!, { customer, clerk: ctx.clerk, store: ctx.store });
  try {
    await client.sendWelcomeMsg({ welcome_code: e.welcomeCode, text: { content: text }, ...(ctx.attachments && ctx.attachments.length > 0 ? { attachments: ctx.attachments } : {}) });
    return { status: 'sent' as WelcomeSendStatus, errcode: null, error: null, text };
  } catch (err) {
    const info = wecomErrorInfo(err);
    const rejected = info?.kind === 'api' && info.errcode === 41051;
    return { status: (rejected ? 'rejected' : 'failed') as WelcomeSendStatus, errcode: info?.kind === 'api' ? info.errcode : null, error: describeWecomError(err), text };
  }
}
