/**
 * The simulator's world: one enterprise (corp) with its staff, customers, follow relations, tags, group chats,
 * mass-message tasks, contact ways, tokens and welcome codes, plus the indexes the API handler pages over.
 *
 * Plain data and small index helpers only; API semantics live in ./api.ts, state changes that emit callbacks in
 * ./mutations.ts.
 */

/** mulberry32: a tiny seeded PRNG, deterministic across platforms. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const ALNUM_ID = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const codeBufs = new Map<number, number[]>();
/** n characters drawn from alphabet (built in one allocation: this runs millions of times for big populations). */
export function randomString(rand: () => number, n: number, alphabet: string = ALNUM): string {
  let codeBuf = codeBufs.get(n);
  if (!codeBuf) codeBufs.set(n, (codeBuf = new Array<number>(n).fill(0)));
  const len = alphabet.length;
  for (let i = 0; i < n; i++) codeBuf[i] = alphabet.charCodeAt(Math.floor(rand() * len));
  return String.fromCharCode.apply(null, codeBuf);
}

export interface SimApp {
  secret: string;
  agentId?: number;
  name?: string;
}

export interface SimStaff {
  userid: string;
  name: string;
  department: number[];
  position?: string;
  /** 1 active, 2 disabled, 4 not activated, 5 resigned. */
  status: number;
  /** Has the customer-contact feature (get_follow_user_list). */
  customerContact: boolean;
}

export interface SimCustomer {
  external_userid: string;
  name: string;
  /** 1 WeChat user, 2 WeCom user. */
  type: 1 | 2;
  gender: 0 | 1 | 2;
  avatar: string;
  unionid?: string;
  position?: string;
  corp_name?: string;
  corp_full_name?: string;
}

export interface SimFollow {
  /** Monotonic insertion number: the cursor position of batch/get_by_user. */
  seq: number;
  userid: string;
  external_userid: string;
  remark: string;
  description: string;
  /** Seconds. */
  createtime: number;
  remark_corp_name?: string;
  remark_mobiles: string[];
  oper_userid: string;
  add_way: number;
  state?: string;
  tag_ids: string[];
  /** The customer deleted the staff member (one-way); the relationship stays visible to the API. */
  deletedByCustomer: boolean;
}

export interface SimTag {
  id: string;
  group_id: string;
  name: string;
  create_time: number;
  order: number;
  deleted: boolean;
}

export interface SimTagGroup {
  group_id: string;
  group_name: string;
  create_time: number;
  order: number;
  deleted: boolean;
  /** Tag ids in insertion order (including deleted ones). */
  tag_ids: string[];
  strategy_id?: number;
}

export interface SimGroupMember {
  userid: string;
  /** 1 staff, 2 external. */
  type: 1 | 2;
  unionid?: string;
  join_time: number;
  /** 1 direct invite, 2 invite link, 3 scanned the group QR. */
  join_scene: 1 | 2 | 3;
  invitor?: { userid: string };
  group_nickname: string;
  name: string;
  state?: string;
}

export interface SimGroupChat {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number;
  notice: string;
  members: SimGroupMember[];
  admin_list: string[];
  member_version: string;
  /** 0 normal, 1 owner resigned, 2 inheritance in progress, 3 inheritance done. */
  status: 0 | 1 | 2 | 3;
  dismissed: boolean;
}

export interface SimMassRecipient {
  external_userid?: string;
  chat_id?: string;
  userid: string;
  /** 0 not sent, 1 sent, 2 no longer a friend, 3 receive cap reached. */
  status: 0 | 1 | 2 | 3;
  send_time?: number;
}

export interface SimMassTask {
  msgid: string;
  chat_type: 'single' | 'group';
  creator?: string;
  /** 0 enterprise, 1 individual. */
  create_type: 0 | 1;
  /** Seconds. */
  create_time: number;
  text?: { content: string };
  attachments: unknown[];
  allow_select: boolean;
  /** Per sender: 0 not sent, 2 sent. */
  senders: Map<string, { status: 0 | 2; send_time?: number }>;
  recipients: SimMassRecipient[];
  /** Reminder times (ms). */
  reminds: number[];
  cancelled: boolean;
}

export interface SimContactWay {
  config_id: string;
  type: 1 | 2;
  scene: 1 | 2;
  style?: number;
  remark?: string;
  skip_verify: boolean;
  state?: string;
  user: string[];
  party: number[];
  is_temp: boolean;
  expires_in?: number;
  chat_expires_in?: number;
  unionid?: string;
  is_exclusive: boolean;
  qr_code?: string;
  create_time: number;
}

export interface SimToken {
  token: string;
  secret: string;
  /** ms. */
  expiresAt: number;
}

export interface SimWelcomeCode {
  code: string;
  userid: string;
  external_userid: string;
  /** ms. */
  expiresAt: number;
  used: boolean;
}

export interface SimTransfer {
  kind: 'on_job' | 'resigned';
  handover_userid: string;
  takeover_userid: string;
  external_userid: string;
  /** 1 done, 2 waiting, 3 customer refused, 4 takeover member hit the customer limit. */
  status: 1 | 2 | 3 | 4;
  /** Seconds: when the takeover happens (waiting) or happened. */
  takeover_time: number;
  /** ms. */
  created_at: number;
}

export interface SimMomentJob {
  jobid: string;
  /** ms. */
  created_at: number;
  moment_id: string;
  invalid_senders: string[];
  invalid_tags: string[];
}

export interface SimMoment {
  moment_id: string;
  /** Seconds. */
  create_time: number;
  text?: { content: string };
  attachments: unknown[];
  tag_ids: string[];
  /** Per sender: publish status and the customers in range. */
  senders: Map<string, { publish_status: 0 | 1; customers: string[]; shown: string[] }>;
  interactions: { userid: string; external_userid: string; kind: 'like' | 'comment'; create_time: number }[];
  cancelled: boolean;
}

/** The serializable seed of a world, as produced by generatePopulation. */
export interface PopulationData {
  corpId: string;
  apps: SimApp[];
  staff: SimStaff[];
  customers: SimCustomer[];
  follows: Omit<SimFollow, 'seq'>[];
  tagGroups: SimTagGroup[];
  tags: SimTag[];
  groupChats: SimGroupChat[];
}

/** The mutable world plus indexes. */
export class SimState {
  corpId: string;
  apps: SimApp[];
  readonly staff = new Map<string, SimStaff>();
  readonly customers = new Map<string, SimCustomer>();
  /** userid → relations, ascending seq. */
  readonly followsByUser = new Map<string, SimFollow[]>();
  /** external_userid → relations, ascending seq. */
  readonly followsByCustomer = new Map<string, SimFollow[]>();
  readonly tagGroups = new Map<string, SimTagGroup>();
  readonly tags = new Map<string, SimTag>();
  readonly groupChats = new Map<string, SimGroupChat>();
  readonly massTasks = new Map<string, SimMassTask>();
  readonly contactWays = new Map<string, SimContactWay>();
  readonly tokens = new Map<string, SimToken>();
  /** secret → current token. */
  readonly tokenBySecret = new Map<string, string>();
  readonly welcomeCodes = new Map<string, SimWelcomeCode>();
  /** Customer transfers (在职继承 / 离职继承), oldest first. */
  readonly transfers: SimTransfer[] = [];
  /** Resigned staff → dimission time (seconds), for get_unassigned_list. */
  readonly dimission = new Map<string, number>();
  readonly momentJobs = new Map<string, SimMomentJob>();
  readonly moments = new Map<string, SimMoment>();
  /** Customers who will refuse a transfer when it falls due. */
  readonly refusingCustomers = new Set<string>();
  /** recipient (external_userid or chat_id) → month key "YYYY-MM" → messages received. */
  readonly received = new Map<string, Map<string, number>>();
  private seq = 0;
  private idRand: () => number;

  constructor(corpId: string, apps: SimApp[], seed = 1) {
    this.corpId = corpId;
    this.apps = apps;
    this.idRand = mulberry32(seed ^ 0x5eed);
  }

  /**
   * Builds the world from population data. With `adopt`, customer records are used as they are instead of copied
   * (faster for 100k customers; the caller must not reuse the population for another world).
   */
  static fromPopulation(p: PopulationData, seed = 1, adopt = false): SimState {
    const st = new SimState(p.corpId, p.apps.map((a) => ({ ...a })), seed);
    for (const u of p.staff) st.staff.set(u.userid, { ...u });
    for (const c of p.customers) st.customers.set(c.external_userid, adopt ? c : { ...c });
    for (const f of p.follows) st.addFollow(f);
    for (const g of p.tagGroups) st.tagGroups.set(g.group_id, { ...g, tag_ids: [...g.tag_ids] });
    for (const t of p.tags) st.tags.set(t.id, { ...t });
    for (const g of p.groupChats) st.groupChats.set(g.chat_id, { ...g, members: g.members.map((m) => ({ ...m })), admin_list: [...g.admin_list] });
    return st;
  }

  /** A fresh id with a prefix, e.g. newId('et', 22). Deterministic per world seed. */
  newId(prefix: string, len: number, alphabet: string = ALNUM): string {
    return prefix + randomString(this.idRand, len, alphabet);
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Adds a relation (copied into a fixed-shape object; arrays are copied too). */
  addFollow(f: Omit<SimFollow, 'seq'>): SimFollow {
    const rel: SimFollow = {
      seq: this.nextSeq(),
      userid: f.userid,
      external_userid: f.external_userid,
      remark: f.remark,
      description: f.description,
      createtime: f.createtime,
      remark_mobiles: f.remark_mobiles.slice(),
      oper_userid: f.oper_userid,
      add_way: f.add_way,
      tag_ids: f.tag_ids.slice(),
      deletedByCustomer: f.deletedByCustomer,
    };
    if (f.remark_corp_name !== undefined) rel.remark_corp_name = f.remark_corp_name;
    if (f.state !== undefined) rel.state = f.state;
    let byU = this.followsByUser.get(rel.userid);
    if (!byU) this.followsByUser.set(rel.userid, (byU = []));
    byU.push(rel);
    let byC = this.followsByCustomer.get(rel.external_userid);
    if (!byC) this.followsByCustomer.set(rel.external_userid, (byC = []));
    byC.push(rel);
    return rel;
  }

  getFollow(userid: string, externalUserid: string): SimFollow | undefined {
    return this.followsByCustomer.get(externalUserid)?.find((f) => f.userid === userid);
  }

  removeFollow(userid: string, externalUserid: string): SimFollow | undefined {
    const byC = this.followsByCustomer.get(externalUserid);
    const rel = byC?.find((f) => f.userid === userid);
    if (!rel || !byC) return undefined;
    byC.splice(byC.indexOf(rel), 1);
    if (byC.length === 0) this.followsByCustomer.delete(externalUserid);
    const byU = this.followsByUser.get(userid);
    if (byU) {
      const i = lowerBoundSeq(byU, rel.seq);
      if (byU[i] === rel) byU.splice(i, 1);
    }
    return rel;
  }

  /** Number of live (customer, follower) pairs. */
  followCount(): number {
    let n = 0;
    for (const v of this.followsByUser.values()) n += v.length;
    return n;
  }

  liveTagCount(): number {
    let n = 0;
    for (const t of this.tags.values()) if (!t.deleted) n++;
    return n;
  }

  /** Mass messages a recipient received in the month of `timeMs` (Asia/Shanghai). */
  receivedThisMonth(recipient: string, timeMs: number): number {
    return this.received.get(recipient)?.get(monthKey(timeMs)) ?? 0;
  }

  /** Mass messages a recipient received in a period (a key of `receivePeriodKey`). */
  receivedIn(recipient: string, periodKey: string): number {
    return this.received.get(recipient)?.get(periodKey) ?? 0;
  }

  /** Counts one received mass message for a recipient in the month, ISO week and day of `timeMs`. */
  countReceived(recipient: string, timeMs: number): void {
    let m = this.received.get(recipient);
    if (!m) this.received.set(recipient, (m = new Map()));
    for (const k of [monthKey(timeMs), receivePeriodKey('week_7', timeMs), receivePeriodKey('day_1', timeMs)]) m.set(k, (m.get(k) ?? 0) + 1);
  }

  /** Uploaded temporary media by media_id (valid 3 days) and permanent image URLs from media/uploadimg. */
  readonly media = new Map<string, SimMedia>();
  readonly imageUrls = new Set<string>();
}

/** First index whose seq is ≥ seq (arrays are sorted by seq). */
export function lowerBoundSeq(xs: readonly { seq: number }[], seq: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** "YYYY-MM" of a time in Asia/Shanghai (UTC+8, no DST). */
export function monthKey(timeMs: number): string {
  const d = new Date(timeMs + SHANGHAI_OFFSET_MS);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The receive-cap rule an admin sets in 群发助手 (doc 92135): days of the month per month, 7 a week, 1 a day. */
export type SimReceiveCapRule = 'month_days' | 'week_7' | 'day_1';

/** The Asia/Shanghai period of `timeMs` a rule counts in: "YYYY-MM", "W" + its Monday, or "D" + the day. */
export function receivePeriodKey(rule: SimReceiveCapRule, timeMs: number): string {
  if (rule === 'month_days') return monthKey(timeMs);
  const d = new Date(timeMs + SHANGHAI_OFFSET_MS);
  if (rule === 'week_7') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return (rule === 'week_7' ? 'W' : 'D') + d.toISOString().slice(0, 10);
}

export interface SimMedia {
  type: 'image' | 'voice' | 'video' | 'file';
  filename: string;
  bytes: number;
  /** Upload time (ms); the media_id expires 3 days later. */
  createdAt: number;
}

/** Days in the Asia/Shanghai month of timeMs: the default monthly receive cap (doc 92135, 2025-11-17). */
export function daysInMonth(timeMs: number): number {
  const d = new Date(timeMs + SHANGHAI_OFFSET_MS);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}
