/**
 * The WeCom callback receiver behind `/wecom/callback/:slug` (server/wecom/callback.router.ts), also called
 * in-process by the demo simulator's event sink, so both take exactly this path:
 *
 * - GET: URL verification — signature over echostr (constant time), decrypt, answer the plaintext exactly.
 * - POST: XML or the JSON variant; signature over Encrypt (constant time), AES-256-CBC with 32-byte PKCS#7, the
 *   receiveid must equal the tenant's corp id. A bad signature, key or corp id answers 403 with one log line and
 *   nothing is stored; an envelope that cannot be parsed at all answers 400. Every authentic message is stored once
 *   in `wecom_inbox` (dedupe key, unique) and acknowledged at once with "success" (anything else makes WeCom retry
 *   and, in the end, flag the URL). A handled event goes to the `wecom.inbox` job; anything else (a user's text
 *   message, `enter_agent`, an unknown or malformed event) is stored as `ignored` with the reason, for inspection,
 *   and processed by nothing. Duplicates are acknowledged and dropped.
 * - An add with a WelcomeCode also starts the welcome message at once (server/wecom/welcome.service.ts).
 */
import type { Services } from '../services';
import { withTenant } from '../tenancy/context';
import { findConnection } from './connection.repository';
import { openConnectionRow, tenantIdBySlug } from './connection.service';
import { verifyUrl, WecomCryptoError, type CallbackCryptoConfig } from './crypto';
import { openCallback, WecomCallbackParseError } from './events';
import { storeInboxEvent } from './inbox.repository';
import { startWelcome } from './welcome.service';

export interface CallbackRequest {
  slug: string;
  method: 'GET' | 'POST';
  query: Record<string, string | undefined>;
  body: string;
  ip?: string | null;
}

export interface CallbackResponse {
  status: number;
  body: string;
}

const q = (query: CallbackRequest['query'], k: string): string => query[k] ?? '';

export async function handleCallback(services: Services, req: CallbackRequest): Promise<CallbackResponse> {
  const { log } = services;
  const tenantId = await tenantIdBySlug(services, req.slug);
  const row = tenantId ? await withTenant(services.dbs, tenantId, (trx) => findConnection(trx, tenantId)) : null;
  if (!tenantId || !row) {
    log.warn('wecom callback refused: unknown tenant or no WeCom connection', { slug: req.slug, ip: req.ip ?? null });
    return { status: 404, body: 'not found' };
  }
  let cfg: CallbackCryptoConfig;
  try {
    const conn = openConnectionRow(services.config.APP_ENCRYPTION_KEY, row);
    cfg = { token: conn.callbackToken, encodingAesKey: conn.encodingAesKey, receiveId: conn.corpId };
  } catch (e) {
    log.error('wecom callback: connection secrets cannot be opened', { slug: req.slug, error: e });
    return { status: 500, body: 'error' };
  }

  if (req.method === 'GET') {
    try {
      const plain = verifyUrl(cfg, { msgSignature: q(req.query, 'msg_signature'), timestamp: q(req.query, 'timestamp'), nonce: q(req.query, 'nonce'), echostr: q(req.query, 'echostr') });
      log.info('wecom callback URL verified', { slug: req.slug });
      return { status: 200, body: plain };
    } catch (e) {
      return refuse(services, req, e);
    }
  }

  let opened: ReturnType<typeof openCallback>;
  try {
    opened = openCallback(cfg, { msg_signature: q(req.query, 'msg_signature'), timestamp: q(req.query, 'timestamp'), nonce: q(req.query, 'nonce') }, req.body);
  } catch (e) {
    return refuse(services, req, e);
  }
  const event = opened.event;
  const receivedAt = Date.now();
  const id = await withTenant(services.dbs, tenantId, (trx) => storeInboxEvent(trx, tenantId, event));
  // A WelcomeCode lives 20 s: the welcome message leaves from here, never behind the queue (welcome.service.ts).
  if (id !== null) startWelcome(services, tenantId, event, receivedAt);
  if (id !== null && services.queue.started) {
    try {
      await services.queue.send('wecom.inbox', { tenantId, inboxIds: [id] }, { retryLimit: 5, retryDelay: 5, retryBackoff: true });
    } catch (e) {
      // Stored and acknowledged: the watchdog picks pending events up.
      log.warn('wecom callback stored but not enqueued', { slug: req.slug, inboxId: id, error: e });
    }
  }
  log.debug('wecom callback stored', { slug: req.slug, event: event.event, changeType: 'changeType' in event ? event.changeType : undefined, duplicate: id === null });
  return { status: 200, body: 'success' };
}

function refuse(services: Services, req: CallbackRequest, e: unknown): CallbackResponse {
  if (e instanceof WecomCryptoError) {
    services.log.warn('wecom callback refused', { slug: req.slug, method: req.method, reason: e.code, libraryCode: e.libraryCode, ip: req.ip ?? null });
    return { status: 403, body: 'forbidden' };
  }
  if (e instanceof WecomCallbackParseError) {
    services.log.warn('wecom callback refused: unreadable body', { slug: req.slug, method: req.method, reason: e.message, ip: req.ip ?? null });
    return { status: 400, body: 'bad request' };
  }
  throw e;
}
