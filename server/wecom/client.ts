/**
 * The only module that calls WeCom. One instance per (corp, app secret).
 *
 * - Tokens: cached in a TokenStore, refreshed 5 min before expiry, one refresh in flight per (corp, app)
 *   (in-process single flight plus the store's lock across processes).
 * - 40001 / 40014 / 42001 on an API call: refresh the token and retry once (as wechatpy and WxJava do).
 * - -1, 6000, 45009, 45033, HTTP 5xx/429 and network errors: exponential backoff with jitter, at most
 *   `retry.maxRetries` retries (default 4); then a typed error.
 * - A client-side token-bucket limiter per (corp, API) keeps calls inside the documented limits.
 * - Every response is parsed with zod (./schemas) into typed results; every failure is a `WecomApiError`
 *   (or one of its subclasses for HTTP, network and shape failures).
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { silentLogger, type Logger } from '../lib/log';
import { multipartBody } from './multipart';
import { fetchTransport, nodeHttpTransport, type FetchLike, type Transport } from './http-transport';
import { TokenBucketRateLimiter, type RateLimiter } from './rate-limit';
import * as s from './schemas';
import type { TokenRecord, TokenStore } from './token-store';
import {
  TOKEN_ERRCODES,
  TRANSIENT_ERRCODES,
  WECOM_ERRCODES,
  WECOM_LIMITS,
  WecomApiError,
  WecomHttpError,
  WecomNetworkError,
  WecomResponseError,
  type AddContactWayRequest,
  type AddContactWayResponse,
  type AddCorpTagRequest,
  type AddCorpTagResponse,
  type AddMsgTemplateRequest,
  type AddMsgTemplateResponse,
  type BatchContactItem,
  type BatchGetByUserRequest,
  type BatchGetByUserResponse,
  type DelCorpTagRequest,
  type EditCorpTagRequest,
  type ExternalContactGetResponse,
  type GetCorpTagListRequest,
  type GetCorpTagListResponse,
  type GetGroupMsgListV2Request,
  type GetGroupMsgListV2Response,
  type GetGroupMsgSendResultRequest,
  type GetGroupMsgSendResultResponse,
  type GetGroupMsgTaskRequest,
  type GetGroupMsgTaskResponse,
  type GroupChat,
  type GroupChatListRequest,
  type GroupChatListResponse,
  type GroupMsg,
  type GroupMsgSendResult,
  type GroupMsgTask,
  type MarkTagRequest,
  type RemarkRequest,
  type SendWelcomeMsgRequest,
  type TransferCustomerRequest,
  type TransferCustomerResponse,
  type TransferResultResponse,
  type UnassignedListResponse,
  type AddMomentTaskRequest,
  type MomentTaskResultResponse,
  type MomentTaskResponse,
  type MomentCustomerListResponse,
  type MomentSendResultResponse,
  type MomentCommentsResponse,
  type UserListIdResponse,
  type WecomApiName,
  type WecomUser,
} from './types';

export type { TokenRecord, TokenStore } from './token-store';
export { MemoryTokenStore } from './token-store';
export type { RateLimiter } from './rate-limit';
export { TokenBucketRateLimiter } from './rate-limit';

export type { FetchLike, Transport } from './http-transport';

export interface RetryOptions {
  /** Retries after the first attempt for transient failures. Default 4. */
  maxRetries: number;
  /** First backoff step for -1/6000/5xx/network. Default 300 ms. */
  baseDelayMs: number;
  /** First backoff step for 45009/45033 (rate and concurrency limits). Default 2,000 ms. */
  rateLimitedBaseDelayMs: number;
  /** Cap of one backoff step. Default 30,000 ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 4, baseDelayMs: 300, rateLimitedBaseDelayMs: 2_000, maxDelayMs: 30_000 };

export interface WecomClientOptions {
  corpId: string;
  secret: string;
  /** Identifies the app in the token store; default: agent-less hash of the secret (never the secret itself). */
  appKey?: string;
  /** Default https://qyapi.weixin.qq.com */
  baseUrl?: string;
  /** A fetch to send requests through (the demo's in-process simulator, tests). Default: `transport`. */
  fetch?: FetchLike;
  /** How requests are sent when no fetch is given. Default: node:http(s) with keep-alive (./http-transport). */
  transport?: Transport;
  tokenStore: TokenStore;
  /** Default: a TokenBucketRateLimiter with the documented limits and this client's clock. `false` disables. */
  rateLimiter?: RateLimiter | false;
  retry?: Partial<RetryOptions>;
  /** Refresh a token this long before it expires. Default 5 min. */
  refreshMarginMs?: number;
  /** Per-request timeout (AbortSignal). Default 15 s; 0 disables. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** In [0, 1); drives the backoff jitter. */
  random?: () => number;
  logger?: Logger;
}

export interface WecomClientStats {
  /** HTTP requests per API (each attempt counts, gettoken included). */
  calls: Record<string, number>;
  totalCalls: number;
  /** Backoff retries (transient failures). */
  retries: number;
  /** gettoken calls that produced a token. */
  refreshes: number;
  /** API calls retried once after a token error. */
  tokenRetries: number;
  /** Time spent waiting on the client-side rate limiter (by the injected clock). */
  rateLimitWaitMs: number;
  /** Time spent in backoff sleeps. */
  backoffMs: number;
}

export interface BatchPage {
  /** The ≤100 userids this page was requested for. */
  userids: string[];
  cursor: string;
  nextCursor: string;
  items: BatchContactItem[];
}

export interface GroupChatPage {
  cursor: string;
  nextCursor: string;
  chats: { chat_id: string; status: number }[];
}

type Query = Record<string, string | number | undefined>;
interface RequestSpec {
  method: 'GET' | 'POST';
  query?: Query;
  body?: unknown;
  /** false for gettoken. */
  auth?: boolean;
  /** Extra errcodes that are transient for this API (e.g. 41063 right after add_msg_template). */
  transient?: readonly number[];
  /** A media upload: sent as multipart/form-data (field `media`) instead of a JSON body. */
  upload?: MediaFile;
}

/** A file to upload as temporary material or a message image. */
export interface MediaFile {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

type Attempt =
  | { type: 'network'; error: unknown }
  | { type: 'http'; status: number }
  | { type: 'json'; status: number; body: unknown }
  | { type: 'bad_json'; status: number };

const TOKEN_SAFETY_MS = 10_000;
const SAME_TOKEN_GRACE_MS = 60_000;
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Splits xs into chunks of at most n. */
export function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export class WecomClient {
  readonly corpId: string;
  readonly appKey: string;
  readonly stats: WecomClientStats = { calls: {}, totalCalls: 0, retries: 0, refreshes: 0, tokenRetries: 0, rateLimitWaitMs: 0, backoffMs: 0 };

  private readonly secret: string;
  private readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly store: TokenStore;
  private readonly limiter: RateLimiter | null;
  private readonly retry: RetryOptions;
  private readonly margin: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: Logger;
  private inflight: Promise<string> | null = null;
  private lastFetched: { token: string; at: number } | null = null;

  constructor(opts: WecomClientOptions) {
    this.corpId = opts.corpId;
    this.secret = opts.secret;
    this.appKey = opts.appKey ?? 'sk_' + createHash('sha256').update(opts.secret).digest('hex').slice(0, 16);
    this.baseUrl = (opts.baseUrl ?? 'https://qyapi.weixin.qq.com').replace(/\/+$/, '');
    this.transport = opts.transport ?? (opts.fetch ? fetchTransport(opts.fetch) : nodeHttpTransport);
    this.store = opts.tokenStore;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    this.limiter = opts.rateLimiter === false ? null : (opts.rateLimiter ?? new TokenBucketRateLimiter({ now: this.now, sleep: this.sleep }));
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.margin = opts.refreshMarginMs ?? 5 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.log = opts.logger ?? silentLogger;
  }

  // ---- tokens ------------------------------------------------------------------------------------------------

  private usable(rec: TokenRecord): boolean {
    const now = this.now();
    if (now >= rec.expiresAt - TOKEN_SAFETY_MS) return false;
    if (now < rec.expiresAt - this.margin) return true;
    // Inside the early-refresh margin. WeCom hands out the same token until it expires, so a token we fetched
    // moments ago stays usable instead of triggering a gettoken per call.
    return this.lastFetched?.token === rec.token && now - this.lastFetched.at < SAME_TOKEN_GRACE_MS;
  }

  /** A valid access token, refreshed early and at most once at a time. */
  async getAccessToken(): Promise<string> {
    const rec = await this.store.get(this.corpId, this.appKey);
    if (rec && this.usable(rec)) return rec.token;
    return this.refreshToken(rec?.token ?? null);
  }

  /**
   * Replaces `staleToken` (null: none stored). Callers that arrive while a refresh is in flight share it; inside
   * the store's lock the store is re-read, so a token another process just fetched is reused.
   */
  async refreshToken(staleToken: string | null): Promise<string> {
    if (this.inflight) {
      const t = await this.inflight;
      if (t !== staleToken) return t;
    }
    if (!this.inflight) {
      this.inflight = this.store
        .withRefreshLock(this.corpId, this.appKey, async () => {
          const cur = await this.store.get(this.corpId, this.appKey);
          if (cur && cur.token !== staleToken && this.usable(cur)) return cur.token;
          const r = await this.send('gettoken', s.getTokenResponseSchema, {
            method: 'GET',
            auth: false,
            query: { corpid: this.corpId, corpsecret: this.secret },
          });
          const at = this.now();
          await this.store.set(this.corpId, this.appKey, { token: r.access_token, expiresAt: at + r.expires_in * 1000 });
          this.lastFetched = { token: r.access_token, at };
          this.stats.refreshes += 1;
          this.log.debug('wecom token refreshed', { corpId: this.corpId, expiresIn: r.expires_in });
          return r.access_token;
        })
        .finally(() => {
          this.inflight = null;
        });
    }
    return this.inflight;
  }

  // ---- transport ---------------------------------------------------------------------------------------------

  private count(api: string): void {
    this.stats.calls[api] = (this.stats.calls[api] ?? 0) + 1;
    this.stats.totalCalls += 1;
  }

  private url(api: string, query: Query, token?: string): string {
    const qs = new URLSearchParams();
    if (token !== undefined) qs.set('access_token', token);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const q = qs.toString();
    return `${this.baseUrl}/cgi-bin/${api}${q ? '?' + q : ''}`;
  }

  private async attempt(api: string, spec: RequestSpec, token?: string): Promise<Attempt> {
    if (this.limiter) {
      const t0 = this.now();
      await this.limiter.acquire(this.corpId, api);
      this.stats.rateLimitWaitMs += Math.max(0, this.now() - t0);
    }
    this.count(api);
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | Uint8Array | undefined;
    if (spec.upload) {
      const m = multipartBody('media', spec.upload);
      body = m.body;
      headers['content-type'] = m.contentType;
    } else if (spec.method === 'POST') {
      body = JSON.stringify(spec.body ?? {});
      headers['content-type'] = 'application/json';
    }
    let res: { status: number; body: string | null };
    try {
      res = await this.transport(this.url(api, spec.query ?? {}, token), { method: spec.method, headers, ...(body !== undefined ? { body } : {}), timeoutMs: this.timeoutMs });
    } catch (error) {
      return { type: 'network', error };
    }
    if (res.status < 200 || res.status >= 300 || res.body === null) return { type: 'http', status: res.status };
    try {
      return { type: 'json', status: res.status, body: JSON.parse(res.body) as unknown };
    } catch {
      return { type: 'bad_json', status: res.status };
    }
  }

  private backoff(retryIndex: number, rateLimited: boolean): number {
    const base = rateLimited ? this.retry.rateLimitedBaseDelayMs : this.retry.baseDelayMs;
    const exp = Math.min(this.retry.maxDelayMs, base * 2 ** retryIndex);
    // "Equal jitter": half fixed, half random, so a retry never fires immediately.
    return Math.round(exp / 2 + this.random() * (exp / 2));
  }

  /** One logical call: rate limit, token, retries, zod. */
  private async send<S extends z.ZodType>(api: WecomApiName, schema: S, spec: RequestSpec): Promise<z.output<S>> {
    const auth = spec.auth !== false;
    let retries = 0;
    let attempts = 0;
    let tokenRetried = false;
    let token = auth ? await this.getAccessToken() : undefined;
    for (;;) {
      attempts += 1;
      const a = await this.attempt(api, spec, token);
      let failure: WecomApiError;
      let rateLimited = false;
      if (a.type === 'network') {
        failure = new WecomNetworkError(api, attempts, a.error);
      } else if (a.type === 'http') {
        failure = new WecomHttpError(a.status, api, attempts);
        if (!(a.status >= 500 || a.status === 429)) throw failure;
        rateLimited = a.status === 429;
      } else if (a.type === 'bad_json') {
        throw new WecomResponseError(api, 'body is not JSON');
      } else {
        const env = s.errorEnvelopeSchema.safeParse(a.body);
        if (!env.success) throw new WecomResponseError(api, env.error.issues);
        const { errcode, errmsg } = env.data;
        if (errcode === 0) {
          const parsed = schema.safeParse(a.body);
          if (!parsed.success) throw new WecomResponseError(api, parsed.error.issues);
          return parsed.data;
        }
        failure = new WecomApiError(errcode, errmsg, api, attempts);
        if (auth && token !== undefined && TOKEN_ERRCODES.has(errcode)) {
          if (tokenRetried) throw failure;
          tokenRetried = true;
          this.stats.tokenRetries += 1;
          this.log.info('wecom token rejected, refreshing', { api, errcode });
          token = await this.refreshToken(token);
          continue;
        }
        if (!(TRANSIENT_ERRCODES.has(errcode) || spec.transient?.includes(errcode))) throw failure;
        rateLimited = errcode === WECOM_ERRCODES.rateLimited || errcode === WECOM_ERRCODES.concurrencyLimited;
      }
      if (retries >= this.retry.maxRetries) throw failure;
      const delay = this.backoff(retries, rateLimited);
      retries += 1;
      this.stats.retries += 1;
      this.stats.backoffMs += delay;
      this.log.debug('wecom transient failure, backing off', { api, errcode: failure.errcode, delay, retry: retries });
      await this.sleep(delay);
      if (auth) token = await this.getAccessToken();
    }
  }

  // ---- staff -------------------------------------------------------------------------------------------------

  /** GET user/list (department members with details). Newer apps may only get ids: prefer listUserIds. */
  async listUsers(departmentId = 1, fetchChild = true): Promise<WecomUser[]> {
    const r = await this.send('user/list', s.userListResponseSchema, { method: 'GET', query: { department_id: departmentId, fetch_child: fetchChild ? 1 : 0 } });
    return r.userlist;
  }

  /** POST user/list_id: one cursor page of (userid, department) pairs. limit 1..10,000. */
  listUserIds(req: { cursor?: string; limit?: number } = {}): Promise<UserListIdResponse> {
    return this.send('user/list_id', s.userListIdResponseSchema, { method: 'POST', body: { cursor: req.cursor ?? '', limit: req.limit ?? WECOM_LIMITS.userListIdPageSize } });
  }

  /** Every distinct userid from user/list_id. */
  async allUserIds(limit: number = WECOM_LIMITS.userListIdPageSize): Promise<string[]> {
    const seen = new Set<string>();
    let cursor = '';
    do {
      const r = await this.listUserIds({ cursor, limit });
      for (const d of r.dept_user) seen.add(d.userid);
      cursor = r.next_cursor;
    } while (cursor);
    return [...seen];
  }

  /** GET externalcontact/get_follow_user_list: staff with the customer-contact feature. */
  async listFollowUsers(): Promise<string[]> {
    const r = await this.send('externalcontact/get_follow_user_list', s.followUserListResponseSchema, { method: 'GET' });
    return r.follow_user;
  }

  // ---- customers ---------------------------------------------------------------------------------------------

  /** GET externalcontact/list: one staff member's customers. A staff member without customers (84061) gives []. */
  async listExternalContacts(userid: string): Promise<string[]> {
    try {
      const r = await this.send('externalcontact/list', s.externalContactListResponseSchema, { method: 'GET', query: { userid } });
      return r.external_userid;
    } catch (e) {
      if (e instanceof WecomApiError && e.kind === 'api' && e.errcode === 84061) return [];
      throw e;
    }
  }

  /** GET externalcontact/get: one page (follow_user pages only beyond 500 followers). */
  getExternalContact(externalUserid: string, cursor?: string): Promise<ExternalContactGetResponse> {
    return this.send('externalcontact/get', s.externalContactGetResponseSchema, { method: 'GET', query: { external_userid: externalUserid, cursor: cursor || undefined } });
  }

  /** externalcontact/get with every follow_user page merged. */
  async getExternalContactFull(externalUserid: string): Promise<ExternalContactGetResponse> {
    const first = await this.getExternalContact(externalUserid);
    const follow = [...first.follow_user];
    let cursor = first.next_cursor;
    while (cursor) {
      const r = await this.getExternalContact(externalUserid, cursor);
      follow.push(...r.follow_user);
      cursor = r.next_cursor;
    }
    return { ...first, follow_user: follow, next_cursor: '' };
  }

  /** POST externalcontact/batch/get_by_user: one page (≤100 userids, limit ≤100). */
  batchGetByUser(req: BatchGetByUserRequest): Promise<BatchGetByUserResponse> {
    if (req.userid_list.length === 0 || req.userid_list.length > WECOM_LIMITS.batchUseridList) {
      throw new RangeError(`batch/get_by_user takes 1..${WECOM_LIMITS.batchUseridList} userids, got ${req.userid_list.length}`);
    }
    return this.send('externalcontact/batch/get_by_user', s.batchGetByUserResponseSchema, {
      method: 'POST',
      body: { userid_list: req.userid_list, cursor: req.cursor ?? '', limit: req.limit ?? WECOM_LIMITS.batchPageSize },
    });
  }

  /**
   * Every (customer, follower) pair of the given staff: userids in chunks of 100, each chunk paged by cursor until
   * next_cursor is empty. Yields one page at a time (with its cursor, for checkpointing).
   */
  async *iterateByUser(userids: readonly string[], pageSize: number = WECOM_LIMITS.batchPageSize, startCursor?: { chunk: number; cursor: string }): AsyncGenerator<BatchPage> {
    const limit = Math.max(1, Math.min(WECOM_LIMITS.batchPageSize, Math.floor(pageSize)));
    const chunks = chunk([...new Set(userids)], WECOM_LIMITS.batchUseridList);
    for (let i = startCursor?.chunk ?? 0; i < chunks.length; i++) {
      const ids = chunks[i]!;
      let cursor = i === startCursor?.chunk ? startCursor.cursor : '';
      do {
        const r = await this.batchGetByUser({ userid_list: ids, cursor, limit });
        yield { userids: ids, cursor, nextCursor: r.next_cursor, items: r.external_contact_list };
        cursor = r.next_cursor;
      } while (cursor);
    }
  }

  /** POST externalcontact/remark. */
  async updateRemark(req: RemarkRequest): Promise<void> {
    await this.send('externalcontact/remark', s.emptyResponseSchema, { method: 'POST', body: req });
  }

  // ---- tags --------------------------------------------------------------------------------------------------

  /** POST externalcontact/get_corp_tag_list (empty request = every tag). */
  getCorpTagList(req: GetCorpTagListRequest = {}): Promise<GetCorpTagListResponse> {
    return this.send('externalcontact/get_corp_tag_list', s.getCorpTagListResponseSchema, { method: 'POST', body: req });
  }

  addCorpTag(req: AddCorpTagRequest): Promise<AddCorpTagResponse> {
    return this.send('externalcontact/add_corp_tag', s.addCorpTagResponseSchema, { method: 'POST', body: req });
  }

  async editCorpTag(req: EditCorpTagRequest): Promise<void> {
    await this.send('externalcontact/edit_corp_tag', s.emptyResponseSchema, { method: 'POST', body: req });
  }

  async delCorpTag(req: DelCorpTagRequest): Promise<void> {
    await this.send('externalcontact/del_corp_tag', s.emptyResponseSchema, { method: 'POST', body: req });
  }

  /** POST externalcontact/mark_tag. API-side tag changes produce no callback. */
  async markTag(req: MarkTagRequest): Promise<void> {
    await this.send('externalcontact/mark_tag', s.emptyResponseSchema, { method: 'POST', body: req });
  }

  // ---- group chats -------------------------------------------------------------------------------------------

  listGroupChats(req: GroupChatListRequest): Promise<GroupChatListResponse> {
    return this.send('externalcontact/groupchat/list', s.groupChatListResponseSchema, { method: 'POST', body: { status_filter: 0, cursor: '', ...req } });
  }

  /**
   * Every group chat, page by page. With `ownerUserids` the owners are sent in chunks of 100 (required when more
   * than 1,000 staff are visible, else WeCom answers 81017).
   */
  async *iterateGroupChats(opts: { ownerUserids?: readonly string[]; statusFilter?: 0 | 1 | 2 | 3; limit?: number } = {}): AsyncGenerator<GroupChatPage> {
    const limit = Math.max(1, Math.min(WECOM_LIMITS.groupChatPageSize, opts.limit ?? WECOM_LIMITS.groupChatPageSize));
    const owners = opts.ownerUserids ? chunk([...new Set(opts.ownerUserids)], WECOM_LIMITS.groupChatOwnerFilter) : [null];
    for (const o of owners) {
      let cursor = '';
      do {
        const req: GroupChatListRequest = { status_filter: opts.statusFilter ?? 0, cursor, limit };
        if (o) req.owner_filter = { userid_list: o };
        const r = await this.listGroupChats(req);
        yield { cursor, nextCursor: r.next_cursor, chats: r.group_chat_list };
        cursor = r.next_cursor;
      } while (cursor);
    }
  }

  async getGroupChat(chatId: string, needName = true): Promise<GroupChat> {
    const r = await this.send('externalcontact/groupchat/get', s.groupChatGetResponseSchema, { method: 'POST', body: { chat_id: chatId, need_name: needName ? 1 : 0 } });
    return r.group_chat;
  }

  // ---- channel codes, welcome and mass messages ----------------------------------------------------------------

  addContactWay(req: AddContactWayRequest): Promise<AddContactWayResponse> {
    return this.send('externalcontact/add_contact_way', s.addContactWayResponseSchema, { method: 'POST', body: req });
  }

  /** POST externalcontact/send_welcome_msg. A code is valid 20 s and usable once (41051 afterwards). */
  async sendWelcomeMsg(req: SendWelcomeMsgRequest): Promise<void> {
    await this.send('externalcontact/send_welcome_msg', s.emptyResponseSchema, { method: 'POST', body: req });
  }

  /** POST externalcontact/add_msg_template. ≤10,000 external_userid and ≤2,000 chat ids per call. */
  addMsgTemplate(req: AddMsgTemplateRequest): Promise<AddMsgTemplateResponse> {
    if ((req.external_userid?.length ?? 0) > WECOM_LIMITS.massMessageRecipients) {
      throw new RangeError(`add_msg_template takes at most ${WECOM_LIMITS.massMessageRecipients} external_userid; split the audience`);
    }
    if ((req.chat_id_list?.length ?? 0) > WECOM_LIMITS.massMessageChats) {
      throw new RangeError(`add_msg_template takes at most ${WECOM_LIMITS.massMessageChats} chat ids; split the audience`);
    }
    return this.send('externalcontact/add_msg_template', s.addMsgTemplateResponseSchema, { method: 'POST', body: req });
  }

  getGroupMsgListV2(req: GetGroupMsgListV2Request): Promise<GetGroupMsgListV2Response> {
    return this.send('externalcontact/get_groupmsg_list_v2', s.getGroupMsgListV2ResponseSchema, { method: 'POST', body: req, transient: [WECOM_ERRCODES.groupMsgDispatching] });
  }

  getGroupMsgTask(req: GetGroupMsgTaskRequest): Promise<GetGroupMsgTaskResponse> {
    return this.send('externalcontact/get_groupmsg_task', s.getGroupMsgTaskResponseSchema, { method: 'POST', body: req, transient: [WECOM_ERRCODES.groupMsgDispatching] });
  }

  getGroupMsgSendResult(req: GetGroupMsgSendResultRequest): Promise<GetGroupMsgSendResultResponse> {
    return this.send('externalcontact/get_groupmsg_send_result', s.getGroupMsgSendResultResponseSchema, { method: 'POST', body: req, transient: [WECOM_ERRCODES.groupMsgDispatching] });
  }

  async *iterateGroupMsgList(req: Omit<GetGroupMsgListV2Request, 'cursor'>): AsyncGenerator<GroupMsg> {
    let cursor = '';
    do {
      const r = await this.getGroupMsgListV2({ ...req, cursor });
      yield* r.group_msg_list;
      cursor = r.next_cursor;
    } while (cursor);
  }

  async *iterateGroupMsgTasks(msgid: string, limit: number = WECOM_LIMITS.groupMsgTaskPageSize): AsyncGenerator<GroupMsgTask> {
    let cursor = '';
    do {
      const r = await this.getGroupMsgTask({ msgid, limit, cursor });
      yield* r.task_list;
      cursor = r.next_cursor;
    } while (cursor);
  }

  async *iterateGroupMsgSendResults(msgid: string, userid: string, limit: number = WECOM_LIMITS.groupMsgTaskPageSize): AsyncGenerator<GroupMsgSendResult> {
    let cursor = '';
    do {
      const r = await this.getGroupMsgSendResult({ msgid, userid, limit, cursor });
      yield* r.send_list;
      cursor = r.next_cursor;
    } while (cursor);
  }

  /** POST externalcontact/remind_groupmsg_send: at most 3 reminders per message in 24 h. */
  /** POST media/upload: temporary material (image, voice, video, file); its media_id is valid for 3 days. */
  uploadMedia(type: 'image' | 'voice' | 'video' | 'file', file: MediaFile): Promise<{ media_id: string; created_at: number }> {
    return this.send('media/upload', s.mediaUploadResponseSchema, { method: 'POST', query: { type }, upload: file });
  }

  /** POST media/uploadimg: a permanent image URL for messages (JPG/PNG, at most 2 MB). */
  async uploadImage(file: MediaFile): Promise<string> {
    return (await this.send('media/uploadimg', s.mediaUploadImgResponseSchema, { method: 'POST', upload: file })).url;
  }

  async remindGroupMsgSend(msgid: string): Promise<void> {
    await this.send('externalcontact/remind_groupmsg_send', s.emptyResponseSchema, { method: 'POST', body: { msgid } });
  }

  /** POST externalcontact/cancel_groupmsg_send: stops the unsent part of an enterprise mass send. */
  async cancelGroupMsgSend(msgid: string): Promise<void> {
    await this.send('externalcontact/cancel_groupmsg_send', s.emptyResponseSchema, { method: 'POST', body: { msgid } });
  }

  // ---- the clerk's side: OAuth, JS-SDK tickets, app messages (wecom-api.md section 11) -------------------------

  /** GET auth/getuserinfo: the member behind a one-time OAuth code (single use, 5 minutes). */
  async getUserInfo(code: string): Promise<{ userid: string | null; openid: string | null }> {
    const r = await this.send('auth/getuserinfo', s.getUserInfoResponseSchema, { method: 'GET', query: { code } });
    return { userid: r.userid ?? null, openid: r.openid ?? null };
  }

  /** GET get_jsapi_ticket: the corp ticket (wx.config). Cache it: fetches are limited. */
  getCorpJsapiTicket(): Promise<{ ticket: string; expires_in: number }> {
    return this.send('get_jsapi_ticket', s.jsapiTicketResponseSchema, { method: 'GET' });
  }

  /** GET ticket/get?type=agent_config: the app ticket (wx.agentConfig). Cache it: fetches are limited. */
  getAgentJsapiTicket(): Promise<{ ticket: string; expires_in: number }> {
    return this.send('ticket/get', s.jsapiTicketResponseSchema, { method: 'GET', query: { type: 'agent_config' } });
  }

  /** POST message/send: a text app message to staff (touser "a|b"). */
  async sendAppText(req: { touser: string[]; agentid: number; content: string }): Promise<{ invalid: string[] }> {
    const r = await this.send('message/send', s.messageSendResponseSchema, { method: 'POST', body: { touser: req.touser.join('|'), msgtype: 'text', agentid: req.agentid, text: { content: req.content } } });
    return { invalid: r.invaliduser ? r.invaliduser.split('|').filter(Boolean) : [] };
  }

  // ---- customer transfer (在职继承 / 离职继承) --------------------------------------------------------------------

  /**
   * POST externalcontact/transfer_customer (on-job) or resigned/transfer_customer: ≤100 customers per call. A
   * per-customer errcode 0 only means the transfer started; the takeover happens 24 h later (transfer_result).
   */
  transferCustomers(kind: 'on_job' | 'resigned', req: TransferCustomerRequest): Promise<TransferCustomerResponse> {
    if (req.external_userid.length === 0 || req.external_userid.length > WECOM_LIMITS.transferBatch) {
      throw new RangeError(`transfer_customer takes 1..${WECOM_LIMITS.transferBatch} customers, got ${req.external_userid.length}`);
    }
    const body = kind === 'on_job' ? req : { handover_userid: req.handover_userid, takeover_userid: req.takeover_userid, external_userid: req.external_userid };
    const api = kind === 'on_job' ? 'externalcontact/transfer_customer' : 'externalcontact/resigned/transfer_customer';
    return this.send(api, s.transferCustomerResponseSchema, { method: 'POST', body });
  }

  /** POST externalcontact/transfer_result (or resigned/transfer_result): one page (≤1000). */
  transferResult(kind: 'on_job' | 'resigned', req: { handover_userid: string; takeover_userid: string; cursor?: string }): Promise<TransferResultResponse> {
    const api = kind === 'on_job' ? 'externalcontact/transfer_result' : 'externalcontact/resigned/transfer_result';
    return this.send(api, s.transferResultResponseSchema, { method: 'POST', body: { ...req, cursor: req.cursor ?? '' } });
  }

  /** POST externalcontact/get_unassigned_list: one cursor page of resigned staff's customers (≤1000). */
  getUnassignedList(req: { cursor?: string; page_size?: number } = {}): Promise<UnassignedListResponse> {
    return this.send('externalcontact/get_unassigned_list', s.unassignedListResponseSchema, { method: 'POST', body: { cursor: req.cursor ?? '', page_size: req.page_size ?? WECOM_LIMITS.unassignedPageSize } });
  }

  // ---- moments (客户朋友圈) ------------------------------------------------------------------------------------------

  /** POST externalcontact/add_moment_task → jobid (valid 24 h). */
  async addMomentTask(req: AddMomentTaskRequest): Promise<string> {
    return (await this.send('externalcontact/add_moment_task', s.addMomentTaskResponseSchema, { method: 'POST', body: req })).jobid;
  }

  getMomentTaskResult(jobid: string): Promise<MomentTaskResultResponse> {
    return this.send('externalcontact/get_moment_task_result', s.momentTaskResultResponseSchema, { method: 'GET', query: { jobid } });
  }

  getMomentTask(req: { moment_id: string; cursor?: string; limit?: number }): Promise<MomentTaskResponse> {
    return this.send('externalcontact/get_moment_task', s.momentTaskResponseSchema, { method: 'POST', body: { moment_id: req.moment_id, cursor: req.cursor ?? '', limit: req.limit ?? WECOM_LIMITS.momentTaskPageSize } });
  }

  getMomentCustomerList(req: { moment_id: string; userid: string; cursor?: string; limit?: number }): Promise<MomentCustomerListResponse> {
    return this.send('externalcontact/get_moment_customer_list', s.momentCustomerListResponseSchema, { method: 'POST', body: { ...req, cursor: req.cursor ?? '', limit: req.limit ?? WECOM_LIMITS.momentCustomerPageSize } });
  }

  getMomentSendResult(req: { moment_id: string; userid: string; cursor?: string; limit?: number }): Promise<MomentSendResultResponse> {
    return this.send('externalcontact/get_moment_send_result', s.momentSendResultResponseSchema, { method: 'POST', body: { ...req, cursor: req.cursor ?? '', limit: req.limit ?? WECOM_LIMITS.momentSendResultPageSize } });
  }

  getMomentComments(req: { moment_id: string; userid: string }): Promise<MomentCommentsResponse> {
    return this.send('externalcontact/get_moment_comments', s.momentCommentsResponseSchema, { method: 'POST', body: req });
  }

  async cancelMomentTask(momentId: string): Promise<void> {
    await this.send('externalcontact/cancel_moment_task', s.emptyResponseSchema, { method: 'POST', body: { moment_id: momentId } });
  }
}
