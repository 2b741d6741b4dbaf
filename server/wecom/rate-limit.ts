/**
 * Client-side rate limiting so calls stay inside WeCom's documented limits (doc 90454, wecom-api.md §1):
 * per enterprise and API 10,000/min and 150,000/h; per IP and API 20,000/min and 600,000/h. No API in the notes
 * has a stricter documented limit, so every API uses the default row; add a row to WECOM_RATE_LIMITS when
 * Tencent documents one.
 *
 * Each window is a token bucket whose burst plus refill over the window never exceeds the limit:
 * capacity = limit × burstFraction and refill = limit × (1 − burstFraction) per window, so any window of that
 * length sees at most `limit` calls, whatever the alignment of WeCom's own windows.
 */
import type { WecomApiName } from './types';

export interface RateWindow {
  /** Calls allowed per window. */
  limit: number;
  windowMs: number;
}

export interface ApiRateLimit {
  /** Per enterprise (corp), per API. */
  perCorp: RateWindow[];
  /** Per source IP, per API: shared by every corp that this process serves. */
  perIp: RateWindow[];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

export const DEFAULT_RATE_LIMIT: ApiRateLimit = {
  perCorp: [
    { limit: 10_000, windowMs: MINUTE },
    { limit: 150_000, windowMs: HOUR },
  ],
  perIp: [
    { limit: 20_000, windowMs: MINUTE },
    { limit: 600_000, windowMs: HOUR },
  ],
};

/** The per-API table. Every API the client calls is listed; all use the documented default today. */
export const WECOM_RATE_LIMITS: Record<WecomApiName, ApiRateLimit> = {
  gettoken: DEFAULT_RATE_LIMIT,
  'user/list': DEFAULT_RATE_LIMIT,
  'user/list_id': DEFAULT_RATE_LIMIT,
  'externalcontact/get_follow_user_list': DEFAULT_RATE_LIMIT,
  'externalcontact/list': DEFAULT_RATE_LIMIT,
  'externalcontact/get': DEFAULT_RATE_LIMIT,
  'externalcontact/batch/get_by_user': DEFAULT_RATE_LIMIT,
  'externalcontact/remark': DEFAULT_RATE_LIMIT,
  'externalcontact/get_corp_tag_list': DEFAULT_RATE_LIMIT,
  'externalcontact/add_corp_tag': DEFAULT_RATE_LIMIT,
  'externalcontact/edit_corp_tag': DEFAULT_RATE_LIMIT,
  'externalcontact/del_corp_tag': DEFAULT_RATE_LIMIT,
  'externalcontact/mark_tag': DEFAULT_RATE_LIMIT,
  'externalcontact/groupchat/list': DEFAULT_RATE_LIMIT,
  'externalcontact/groupchat/get': DEFAULT_RATE_LIMIT,
  'externalcontact/add_contact_way': DEFAULT_RATE_LIMIT,
  'externalcontact/send_welcome_msg': DEFAULT_RATE_LIMIT,
  'externalcontact/add_msg_template': DEFAULT_RATE_LIMIT,
  'externalcontact/get_groupmsg_list_v2': DEFAULT_RATE_LIMIT,
  'externalcontact/get_groupmsg_task': DEFAULT_RATE_LIMIT,
  'externalcontact/get_groupmsg_send_result': DEFAULT_RATE_LIMIT,
  'externalcontact/remind_groupmsg_send': DEFAULT_RATE_LIMIT,
  'externalcontact/cancel_groupmsg_send': DEFAULT_RATE_LIMIT,
  'auth/getuserinfo': DEFAULT_RATE_LIMIT,
  // Ticket fetches are limited far lower (about 400 an hour per corp, 100 per app): the server caches them in the
  // database (server/wecom/jsapi.service.ts), so these calls happen about once per 2 hours.
  get_jsapi_ticket: DEFAULT_RATE_LIMIT,
  'ticket/get': DEFAULT_RATE_LIMIT,
  'message/send': DEFAULT_RATE_LIMIT,
  'externalcontact/transfer_customer': DEFAULT_RATE_LIMIT,
  'externalcontact/transfer_result': DEFAULT_RATE_LIMIT,
  'externalcontact/get_unassigned_list': DEFAULT_RATE_LIMIT,
  'externalcontact/resigned/transfer_customer': DEFAULT_RATE_LIMIT,
  'externalcontact/resigned/transfer_result': DEFAULT_RATE_LIMIT,
  'externalcontact/add_moment_task': DEFAULT_RATE_LIMIT,
  'externalcontact/get_moment_task_result': DEFAULT_RATE_LIMIT,
  'externalcontact/get_moment_task': DEFAULT_RATE_LIMIT,
  'externalcontact/get_moment_customer_list': DEFAULT_RATE_LIMIT,
  'externalcontact/get_moment_send_result': DEFAULT_RATE_LIMIT,
  'externalcontact/get_moment_comments': DEFAULT_RATE_LIMIT,
  'externalcontact/cancel_moment_task': DEFAULT_RATE_LIMIT,
  'media/upload': DEFAULT_RATE_LIMIT,
  'media/uploadimg': DEFAULT_RATE_LIMIT,
};

/** What the client needs from a limiter: wait until one call of `api` for `corpId` may start. */
export interface RateLimiter {
  acquire(corpId: string, api: string): Promise<void>;
}

export interface TokenBucketOptions {
  /** Per-API limits; APIs not listed use `defaultLimit`. */
  limits?: Partial<Record<string, ApiRateLimit>>;
  defaultLimit?: ApiRateLimit;
  /** Share of each limit available as an instant burst (0 < f < 1). Default 0.1. */
  burstFraction?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

class Bucket {
  tokens: number;
  last: number;
  readonly capacity: number;
  readonly ratePerMs: number;
  constructor(w: RateWindow, burstFraction: number, now: number) {
    this.capacity = Math.max(1, Math.floor(w.limit * burstFraction));
    this.ratePerMs = (w.limit - this.capacity) / w.windowMs;
    this.tokens = this.capacity;
    this.last = now;
  }
  refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.ratePerMs);
      this.last = now;
    }
  }
  /** ms until one token is available (0 when available now). */
  waitMs(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    return Math.ceil((1 - this.tokens) / this.ratePerMs);
  }
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Token-bucket limiter keyed per (corp, api) and per api (the IP-wide limit). Callers wait in FIFO order per
 * key; time is injectable so tests can drive it with a fake clock.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket[]>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly burstFraction: number;
  /** Total time callers were told to wait, for benchmarks. */
  waitedMs = 0;
  waits = 0;

  constructor(private readonly opts: TokenBucketOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.burstFraction = opts.burstFraction ?? 0.1;
    if (!(this.burstFraction > 0 && this.burstFraction < 1)) throw new RangeError('burstFraction must be in (0, 1)');
  }

  private limitFor(api: string): ApiRateLimit {
    return this.opts.limits?.[api] ?? (WECOM_RATE_LIMITS as Partial<Record<string, ApiRateLimit>>)[api] ?? this.opts.defaultLimit ?? DEFAULT_RATE_LIMIT;
  }

  private bucketsFor(key: string, windows: RateWindow[]): Bucket[] {
    let b = this.buckets.get(key);
    if (!b) {
      const now = this.now();
      b = windows.map((w) => new Bucket(w, this.burstFraction, now));
      this.buckets.set(key, b);
    }
    return b;
  }

  acquire(corpId: string, api: string): Promise<void> {
    const qkey = `${corpId}\u0000${api}`;
    const prev = this.queues.get(qkey) ?? Promise.resolve();
    const next = prev.then(() => this.take(corpId, api));
    // Keep the chain alive even if one waiter fails; drop it when idle.
    const tail = next.catch(() => undefined);
    this.queues.set(qkey, tail);
    void tail.then(() => {
      if (this.queues.get(qkey) === tail) this.queues.delete(qkey);
    });
    return next;
  }

  private async take(corpId: string, api: string): Promise<void> {
    const limit = this.limitFor(api);
    const all = [...this.bucketsFor(`c\u0000${corpId}\u0000${api}`, limit.perCorp), ...this.bucketsFor(`i\u0000${api}`, limit.perIp)];
    for (;;) {
      const now = this.now();
      const wait = Math.max(0, ...all.map((b) => b.waitMs(now)));
      if (wait === 0) {
        for (const b of all) b.tokens -= 1;
        return;
      }
      this.waits += 1;
      this.waitedMs += wait;
      await this.sleep(wait);
    }
  }
}
