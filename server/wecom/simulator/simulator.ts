/**
 * An in-memory WeCom for tests, the demo and benchmarks: the world (./state), the API handler (./api), fault and
 * rate-limit injection, a clock you can advance, and the "client-side" mutations a staff member or admin would make
 * in the WeCom app. Those mutations emit the same callback events WeCom sends (API-side changes emit none, as
 * documented); attach an EventSink (./sink) to deliver them encrypted to a callback URL.
 */
import { eventToXml, type EventInput, type ExternalChatUpdateDetail } from '../events';
import { handleRequest, receiveCapAt, type SimApiHost, type SimRequest, type SimResponse } from './api';
import { DEFAULT_SIM_CONFIG, type FaultSpec, type SimConfig } from './config';
import { generatePopulation, type PopulationOptions } from './population';
import { mulberry32, randomString, receivePeriodKey, SimState, type SimReceiveCapRule, type PopulationData, type SimCustomer, type SimFollow, type SimGroupChat, type SimGroupMember, type SimMassTask } from './state';

export interface SimulatorOptions {
  /** A prepared world; otherwise one is generated from `populationOptions` (default: 12 staff, 200 customers). */
  population?: PopulationData;
  populationOptions?: PopulationOptions;
  /** Use `population`'s customer records without copying them (do not reuse that population elsewhere). */
  adoptPopulation?: boolean;
  /** Seed for ids created at runtime and for random faults. Default 1. */
  seed?: number;
  /** Wall clock; default Date.now. `advance(ms)` adds to it. */
  now?: () => number;
  config?: Partial<SimConfig>;
}

export interface SimEmittedEvent {
  event: EventInput;
  xml: string;
}

export type SimEventListener = (e: SimEmittedEvent) => void;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event before the simulator stamps corp id, sender and time on it. */
export type EventDraft = DistributiveOmit<EventInput, 'toUserName' | 'fromUserName' | 'createTime'>;

export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';
}

export interface AddContactArgs {
  userid: string;
  /** An existing customer; otherwise a new one is created from `customer`. */
  externalUserid?: string;
  customer?: Partial<Omit<SimCustomer, 'external_userid'>>;
  state?: string;
  addWay?: number;
  /** add_half_external_contact (skip-verify, not yet a friend). */
  half?: boolean;
  remark?: string;
  description?: string;
  remarkMobiles?: string[];
  tagIds?: string[];
  /** Issue a WelcomeCode (default true). */
  welcomeCode?: boolean;
}

export class WecomSimulator implements SimApiHost {
  readonly state: SimState;
  readonly config: SimConfig;
  /** Emitted events (newest last, bounded by config.eventLogLimit). */
  readonly events: SimEmittedEvent[] = [];
  /** Requests per API name, as the simulator saw them. */
  readonly requestCount = new Map<string, number>();
  /** Welcome messages that send_welcome_msg accepted. */
  readonly welcomeMessages: { userid: string; external_userid: string; text: string; attachments: unknown[] }[] = [];
  /** msgid → creation time (ms), for the 41063 dispatch window. */
  readonly taskCreatedAt = new Map<string, number>();
  /** OAuth codes (wecom-api.md section 11): single use, valid 5 minutes. */
  readonly oauthCodes = new Map<string, { userid: string; expiresAt: number; used: boolean }>();
  /** JS-SDK tickets per app secret and kind ('corp' | 'agent'), valid 7,200 s. */
  readonly jsapiTickets = new Map<string, { ticket: string; expiresAt: number }>();
  /** App messages that message/send accepted. */
  readonly appMessages: { touser: string[]; agentid: number; content: string; at: number }[] = [];

  private readonly baseNow: () => number;
  private offsetMs = 0;
  private readonly faults: (FaultSpec & { left: number })[] = [];
  private readonly rate = new Map<string, { minute: number; count: number }>();
  private readonly listeners = new Set<SimEventListener>();
  private readonly rand: () => number;

  constructor(opts: SimulatorOptions = {}) {
    const seed = opts.seed ?? 1;
    const pop = opts.population ?? generatePopulation(opts.populationOptions ?? { seed, customers: 200 });
    this.state = SimState.fromPopulation(pop, seed, opts.population === undefined || opts.adoptPopulation === true);
    this.config = { ...DEFAULT_SIM_CONFIG, ...opts.config };
    this.baseNow = opts.now ?? Date.now;
    this.rand = mulberry32(seed ^ 0xfa017);
  }

  get corpId(): string {
    return this.state.corpId;
  }

  /** The first app's secret. */
  get secret(): string {
    return this.state.apps[0]!.secret;
  }

  /**
   * What WeCom's OAuth page does for a signed-in member: issues a one-time code (5 minutes) for `userid`. The demo
   * and the test harness call it where the real client would redirect through open.weixin.qq.com.
   */
  issueOauthCode(userid: string): string {
    if (!this.state.staff.has(userid)) throw new SimulatorError(`unknown userid ${userid}`);
    const code = this.state.newId('', 32, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
    this.oauthCodes.set(code, { userid, expiresAt: this.now() + 5 * 60_000, used: false });
    return code;
  }

  /** The JS-SDK ticket currently valid for an app secret and kind (null when none was issued or it expired). */
  currentJsapiTicket(secret: string, kind: 'corp' | 'agent'): string | null {
    const t = this.jsapiTickets.get(`${kind}:${secret}`);
    return t && t.expiresAt > this.now() ? t.ticket : null;
  }

  now(): number {
    return this.baseNow() + this.offsetMs;
  }

  /** Moves the simulator's clock forward (token expiry, welcome codes, rate windows, reminders). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Answers one API request (see ./api.ts). Simulated clerks whose confirmation time has come confirm first. */
  handle(req: SimRequest): SimResponse {
    this.settleClerks();
    return handleRequest(this, req);
  }

  /** Pending confirmations of simulated clerks, ordered by time. */
  private readonly confirmations: { at: number; msgid: string; userid: string }[] = [];

  /** @internal a new mass message: each sender draws when (or whether) they confirm it. */
  scheduleClerks(t: SimMassTask): void {
    const c = this.config.clerks;
    if (!c) return;
    for (const userid of t.senders.keys()) {
      if (this.rand() >= c.confirmShare) continue;
      // Log-normal delay (sigma 1): most within hours, a tail over days.
      const u1 = Math.max(this.rand(), 1e-9);
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * this.rand());
      const delay = Math.min(c.maxDelayMs, c.medianDelayMs * Math.exp(z));
      this.confirmations.push({ at: this.now() + delay, msgid: t.msgid, userid });
    }
    this.confirmations.sort((a, b) => a.at - b.at);
  }

  /** Confirms every simulated clerk's mass message whose time has come. Returns how many confirmed. */
  settleClerks(): number {
    const now = this.now();
    let n = 0;
    while (this.confirmations.length > 0 && this.confirmations[0]!.at <= now) {
      const c = this.confirmations.shift()!;
      this.sendMassMessage(c.msgid, c.userid);
      n++;
    }
    return n;
  }

  // ---- faults and limits -------------------------------------------------------------------------------------

  /** Queues faults; each applies to the next `times` matching requests, in order. */
  injectFaults(...faults: FaultSpec[]): void {
    for (const f of faults) this.faults.push({ ...f, left: f.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** @internal used by the handler. */
  takeFault(api: string): FaultSpec | null {
    const i = this.faults.findIndex((f) => f.api === undefined || f.api === api);
    if (i >= 0) {
      const f = this.faults[i]!;
      f.left -= 1;
      if (f.left <= 0) this.faults.splice(i, 1);
      return f;
    }
    const { busyRate, http5xxRate, networkRate } = this.config;
    if (busyRate + http5xxRate + networkRate > 0) {
      const x = this.rand();
      if (x < networkRate) return { kind: 'network' };
      if (x < networkRate + http5xxRate) return { kind: 'http', status: 503 };
      if (x < networkRate + http5xxRate + busyRate) return { kind: 'errcode', errcode: -1 };
    }
    return null;
  }

  /** @internal fixed one-minute windows per (corp, API) by the simulator clock. */
  allowRate(api: string, nowMs: number): boolean {
    const limit = this.config.rateLimitPerMinute;
    if (limit === null) return true;
    const minute = Math.floor(nowMs / 60_000);
    const r = this.rate.get(api);
    if (!r || r.minute !== minute) {
      this.rate.set(api, { minute, count: 1 });
      return true;
    }
    r.count += 1;
    return r.count <= limit;
  }

  /** @internal */
  isDispatching(t: SimMassTask): boolean {
    const at = this.taskCreatedAt.get(t.msgid);
    return at !== undefined && this.now() - at < this.config.dispatchDelayMs;
  }

  // ---- tokens ------------------------------------------------------------------------------------------------

  /** Expires every token now: the next call with one answers 42001. */
  expireTokens(): void {
    const now = this.now();
    for (const t of this.state.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
  }

  /** Forgets every token (Tencent invalidated them early): the next call answers 40014. */
  invalidateTokens(): void {
    this.state.tokens.clear();
    this.state.tokenBySecret.clear();
  }

  // ---- events ------------------------------------------------------------------------------------------------

  onEvent(listener: SimEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: EventDraft): void {
    const event = { toUserName: this.corpId, fromUserName: 'sys', createTime: Math.floor(this.now() / 1000), ...e } as EventInput;
    const emitted: SimEmittedEvent = { event, xml: eventToXml(event) };
    this.events.push(emitted);
    if (this.events.length > this.config.eventLogLimit) this.events.splice(0, this.events.length - this.config.eventLogLimit);
    for (const l of this.listeners) l(emitted);
  }

  // ---- customers (things staff and customers do in the WeCom app) ---------------------------------------------

  private requireStaff(userid: string): void {
    if (!this.state.staff.has(userid)) throw new SimulatorError(`unknown staff ${userid}`);
  }

  /** A customer adds a staff member (or the reverse); emits add_external_contact / add_half_external_contact. */
  addContact(args: AddContactArgs): { externalUserid: string; welcomeCode?: string; relation: SimFollow } {
    const st = this.state;
    this.requireStaff(args.userid);
    let customer: SimCustomer | undefined;
    if (args.externalUserid) {
      customer = st.customers.get(args.externalUserid);
      if (!customer) throw new SimulatorError(`unknown customer ${args.externalUserid}`);
      if (st.getFollow(args.userid, args.externalUserid)) throw new SimulatorError('relationship already exists');
    } else {
      const type = args.customer?.type ?? 1;
      customer = {
        external_userid: st.newId(type === 1 ? 'wm' : 'wo', 30, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
        name: args.customer?.name ?? '新客户',
        type,
        gender: args.customer?.gender ?? 0,
        avatar: args.customer?.avatar ?? `https://wx.qlogo.cn/mmhead/${st.newId('', 40)}/0`,
      };
      if (args.customer?.unionid) customer.unionid = args.customer.unionid;
      if (args.customer?.corp_name) customer.corp_name = args.customer.corp_name;
      if (args.customer?.corp_full_name) customer.corp_full_name = args.customer.corp_full_name;
      if (args.customer?.position) customer.position = args.customer.position;
      st.customers.set(customer.external_userid, customer);
    }
    const addWay = args.addWay ?? (args.state ? 1 : 0);
    const rel = st.addFollow({
      userid: args.userid,
      external_userid: customer.external_userid,
      remark: args.remark ?? '',
      description: args.description ?? '',
      createtime: Math.floor(this.now() / 1000),
      remark_mobiles: args.remarkMobiles ?? [],
      oper_userid: addWay === 1 || addWay === 16 ? customer.external_userid : args.userid,
      add_way: addWay,
      tag_ids: args.tagIds ?? [],
      deletedByCustomer: false,
      ...(args.state !== undefined ? { state: args.state } : {}),
    });
    let welcomeCode: string | undefined;
    if (args.welcomeCode !== false) {
      welcomeCode = st.newId('', 43);
      st.welcomeCodes.set(welcomeCode, { code: welcomeCode, userid: args.userid, external_userid: customer.external_userid, expiresAt: this.now() + this.config.welcomeCodeTtlMs, used: false });
    }
    this.emit({
      event: 'change_external_contact',
      changeType: args.half ? 'add_half_external_contact' : 'add_external_contact',
      userId: args.userid,
      externalUserId: customer.external_userid,
      ...(args.state !== undefined ? { state: args.state } : {}),
      ...(welcomeCode !== undefined ? { welcomeCode } : {}),
    });
    return welcomeCode !== undefined ? { externalUserid: customer.external_userid, welcomeCode, relation: rel } : { externalUserid: customer.external_userid, relation: rel };
  }

  /** A customer scans a contact way's QR code: the relation carries the way's state. */
  addContactViaContactWay(configId: string, args: Omit<AddContactArgs, 'userid' | 'state' | 'addWay'> = {}): ReturnType<WecomSimulator['addContact']> {
    const way = this.state.contactWays.get(configId);
    if (!way) throw new SimulatorError(`unknown contact way ${configId}`);
    const candidates = [...way.user, ...[...this.state.staff.values()].filter((u) => u.department.some((d) => way.party.includes(d))).map((u) => u.userid)];
    if (candidates.length === 0) throw new SimulatorError('contact way has no staff');
    const userid = candidates[Math.floor(this.rand() * candidates.length)]!;
    return this.addContact({ ...args, userid, addWay: 1, ...(way.state !== undefined ? { state: way.state } : {}) });
  }

  /** Staff edits remark/description/phones/tags in the app: edit_external_contact. */
  editContact(userid: string, externalUserid: string, patch: { remark?: string; description?: string; remarkMobiles?: string[]; addTags?: string[]; removeTags?: string[] }): void {
    const f = this.state.getFollow(userid, externalUserid);
    if (!f) throw new SimulatorError('no such relationship');
    if (patch.remark !== undefined) f.remark = patch.remark;
    if (patch.description !== undefined) f.description = patch.description;
    if (patch.remarkMobiles !== undefined) f.remark_mobiles = [...patch.remarkMobiles];
    if (patch.removeTags) f.tag_ids = f.tag_ids.filter((t) => !patch.removeTags!.includes(t));
    for (const t of patch.addTags ?? []) if (!f.tag_ids.includes(t)) f.tag_ids.push(t);
    this.emit({ event: 'change_external_contact', changeType: 'edit_external_contact', userId: userid, externalUserId: externalUserid, ...(f.state !== undefined ? { state: f.state } : {}) });
  }

  /** The staff member deletes the customer: the relation disappears; del_external_contact. */
  deleteContact(userid: string, externalUserid: string, opts: { source?: string } = {}): void {
    if (!this.state.removeFollow(userid, externalUserid)) throw new SimulatorError('no such relationship');
    this.emit({ event: 'change_external_contact', changeType: 'del_external_contact', userId: userid, externalUserId: externalUserid, ...(opts.source !== undefined ? { source: opts.source } : {}) });
  }

  /** The customer deletes the staff member (one-way; the API still sees the relation): del_follow_user. */
  deleteFollowUser(userid: string, externalUserid: string): void {
    const f = this.state.getFollow(userid, externalUserid);
    if (!f) throw new SimulatorError('no such relationship');
    f.deletedByCustomer = true;
    this.emit({ event: 'change_external_contact', changeType: 'del_follow_user', userId: userid, externalUserId: externalUserid });
  }

  /** An on-job transfer failed: transfer_fail. */
  transferFail(userid: string, externalUserid: string, reason: 'customer_refused' | 'customer_limit_exceed'): void {
    this.emit({ event: 'change_external_contact', changeType: 'transfer_fail', userId: userid, externalUserId: externalUserid, failReason: reason });
  }

  // ---- customer transfer (在职继承 / 离职继承) ----------------------------------------------------------------------

  /** An admin marks a staff member as resigned: their customers appear in get_unassigned_list. */
  resignStaff(userid: string): void {
    const u = this.state.staff.get(userid);
    if (!u) throw new SimulatorError(`unknown staff ${userid}`);
    u.status = 5;
    this.state.dimission.set(userid, Math.floor(this.now() / 1000));
  }

  /** The customer will refuse their next transfer (they tap "refuse" in WeChat). */
  refuseTransfer(externalUserid: string): void {
    this.state.refusingCustomers.add(externalUserid);
  }

  /**
   * Completes every waiting transfer whose 24 h have passed: refused (status 3, transfer_fail customer_refused),
   * takeover member at the customer limit (status 4, transfer_fail customer_limit_exceed), or done (status 1: the
   * relation moves to the takeover member with its remark and tags; an on-job handover's old relation ends with
   * del_external_contact Source DELETE_BY_TRANSFER). transfer_result settles before answering, too.
   */
  settleTransfers(): { done: number; refused: number; limited: number } {
    const st = this.state;
    const nowS = Math.floor(this.now() / 1000);
    const out = { done: 0, refused: 0, limited: 0 };
    for (const t of st.transfers) {
      if (t.status !== 2 || t.takeover_time > nowS) continue;
      const old = st.getFollow(t.handover_userid, t.external_userid);
      if (st.refusingCustomers.has(t.external_userid) || !old) {
        st.refusingCustomers.delete(t.external_userid);
        t.status = 3;
        out.refused++;
        this.emit({ event: 'change_external_contact', changeType: 'transfer_fail', userId: t.takeover_userid, externalUserId: t.external_userid, failReason: 'customer_refused' });
        continue;
      }
      if ((st.followsByUser.get(t.takeover_userid)?.length ?? 0) >= this.config.staffCustomerLimit) {
        t.status = 4;
        out.limited++;
        this.emit({ event: 'change_external_contact', changeType: 'transfer_fail', userId: t.takeover_userid, externalUserId: t.external_userid, failReason: 'customer_limit_exceed' });
        continue;
      }
      st.removeFollow(t.handover_userid, t.external_userid);
      if (!st.getFollow(t.takeover_userid, t.external_userid)) {
        st.addFollow({ ...old, userid: t.takeover_userid, createtime: nowS, oper_userid: t.takeover_userid, add_way: 202, deletedByCustomer: false });
      }
      t.status = 1;
      t.takeover_time = nowS;
      out.done++;
      if (t.kind === 'on_job') this.emit({ event: 'change_external_contact', changeType: 'del_external_contact', userId: t.handover_userid, externalUserId: t.external_userid, source: 'DELETE_BY_TRANSFER' });
    }
    return out;
  }

  // ---- moments (客户朋友圈) ---------------------------------------------------------------------------------------

  /** A clerk publishes an enterprise moment in the app: it is shown to a share of their customers in range. */
  postMoment(momentId: string, userid: string): number {
    const m = this.state.moments.get(momentId);
    if (!m) throw new SimulatorError(`unknown moment ${momentId}`);
    const s = m.senders.get(userid);
    if (!s) throw new SimulatorError(`${userid} is not a sender of ${momentId}`);
    if (m.cancelled || s.publish_status === 1) return 0;
    s.publish_status = 1;
    const share = this.config.momentShownShare;
    s.shown = s.customers.filter((eid) => hashUnit(`${momentId}|${eid}`) < share);
    return s.shown.length;
  }

  /** A customer who was shown the post likes or comments on it. */
  interactMoment(momentId: string, userid: string, externalUserid: string, kind: 'like' | 'comment'): void {
    const s = this.state.moments.get(momentId)?.senders.get(userid);
    if (!s || !s.shown.includes(externalUserid)) throw new SimulatorError('the customer was not shown this post');
    this.state.moments.get(momentId)!.interactions.push({ userid, external_userid: externalUserid, kind, create_time: Math.floor(this.now() / 1000) });
  }

  // ---- tags (admin console) ----------------------------------------------------------------------------------

  /** Creates a tag group with tags: change_external_tag create (tag_group). */
  createTagGroup(name: string, tagNames: string[], order = 0): { groupId: string; tagIds: string[] } {
    const st = this.state;
    const nowS = Math.floor(this.now() / 1000);
    const group = { group_id: st.newId('et', 22), group_name: name, create_time: nowS, order, deleted: false, tag_ids: [] as string[] };
    st.tagGroups.set(group.group_id, group);
    for (const n of tagNames) {
      const t = { id: st.newId('et', 22), group_id: group.group_id, name: n, create_time: nowS, order: 0, deleted: false };
      st.tags.set(t.id, t);
      group.tag_ids.push(t.id);
    }
    this.emit({ event: 'change_external_tag', changeType: 'create', id: group.group_id, tagType: 'tag_group' });
    return { groupId: group.group_id, tagIds: [...group.tag_ids] };
  }

  /** Adds one tag to a group: change_external_tag create (tag). */
  createTag(groupId: string, name: string, order = 0): string {
    const st = this.state;
    const g = st.tagGroups.get(groupId);
    if (!g || g.deleted) throw new SimulatorError('unknown tag group');
    const t = { id: st.newId('et', 22), group_id: groupId, name, create_time: Math.floor(this.now() / 1000), order, deleted: false };
    st.tags.set(t.id, t);
    g.tag_ids.push(t.id);
    this.emit({ event: 'change_external_tag', changeType: 'create', id: t.id, tagType: 'tag' });
    return t.id;
  }

  /** Renames a tag or group: change_external_tag update. */
  renameTag(id: string, name: string): void {
    const t = this.state.tags.get(id);
    const g = this.state.tagGroups.get(id);
    if (t && !t.deleted) t.name = name;
    else if (g && !g.deleted) g.group_name = name;
    else throw new SimulatorError('unknown tag');
    this.emit({ event: 'change_external_tag', changeType: 'update', id, tagType: t ? 'tag' : 'tag_group' });
  }

  /** Deletes a tag or group in the console: change_external_tag delete. */
  deleteTag(id: string): void {
    const isTag = this.state.tags.get(id)?.deleted === false;
    const isGroup = this.state.tagGroups.get(id)?.deleted === false;
    if (!isTag && !isGroup) throw new SimulatorError('unknown tag');
    this.deleteTagsQuietly(isTag ? [id] : [], isGroup ? [id] : []);
    this.emit({ event: 'change_external_tag', changeType: 'delete', id, tagType: isTag ? 'tag' : 'tag_group' });
  }

  /** Re-orders the tags of a group (or all groups when omitted): change_external_tag shuffle. */
  shuffleTags(groupId?: string): void {
    const groups = groupId ? [this.state.tagGroups.get(groupId)].filter((g) => g !== undefined) : [...this.state.tagGroups.values()];
    for (const g of groups) {
      const ids = [...g.tag_ids].reverse();
      ids.forEach((id, i) => {
        const t = this.state.tags.get(id);
        if (t) t.order = (ids.length - i) * 10;
      });
    }
    this.emit({ event: 'change_external_tag', changeType: 'shuffle', id: groupId ?? '', tagType: 'tag_group' });
  }

  /** @internal deletion shared by del_corp_tag (no event) and deleteTag (event). */
  deleteTagsQuietly(tagIds: string[], groupIds: string[]): void {
    const st = this.state;
    const removed = new Set<string>();
    for (const gid of groupIds) {
      const g = st.tagGroups.get(gid);
      if (!g) continue;
      g.deleted = true;
      for (const id of g.tag_ids) {
        const t = st.tags.get(id);
        if (t && !t.deleted) {
          t.deleted = true;
          removed.add(id);
        }
      }
    }
    for (const id of tagIds) {
      const t = st.tags.get(id);
      if (!t || t.deleted) continue;
      t.deleted = true;
      removed.add(id);
      const g = st.tagGroups.get(t.group_id);
      if (g && g.tag_ids.every((x) => st.tags.get(x)?.deleted !== false)) g.deleted = true;
    }
    if (removed.size === 0) return;
    for (const rels of st.followsByUser.values()) {
      for (const f of rels) if (f.tag_ids.some((x) => removed.has(x))) f.tag_ids = f.tag_ids.filter((x) => !removed.has(x));
    }
  }

  // ---- group chats -------------------------------------------------------------------------------------------

  private memberVersion(): string {
    return randomString(this.rand, 32, '0123456789abcdef');
  }

  private memberFor(id: string, joinScene: 1 | 2 | 3, invitor?: string): SimGroupMember {
    const nowS = Math.floor(this.now() / 1000);
    const staff = this.state.staff.get(id);
    if (staff) return { userid: id, type: 1, join_time: nowS, join_scene: joinScene, group_nickname: '', name: staff.name, ...(invitor ? { invitor: { userid: invitor } } : {}) };
    const c = this.state.customers.get(id);
    if (!c) throw new SimulatorError(`unknown member ${id}`);
    return { userid: id, type: 2, join_time: nowS, join_scene: joinScene, group_nickname: '', name: c.name, ...(c.unionid ? { unionid: c.unionid } : {}), ...(invitor ? { invitor: { userid: invitor } } : {}) };
  }

  private requireChat(chatId: string): SimGroupChat {
    const g = this.state.groupChats.get(chatId);
    if (!g || g.dismissed) throw new SimulatorError(`unknown group chat ${chatId}`);
    return g;
  }

  createGroupChat(args: { owner: string; name: string; members?: string[]; notice?: string }): string {
    this.requireStaff(args.owner);
    const nowS = Math.floor(this.now() / 1000);
    const chat: SimGroupChat = {
      chat_id: this.state.newId('wr', 30, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
      name: args.name,
      owner: args.owner,
      create_time: nowS,
      notice: args.notice ?? '',
      members: [this.memberFor(args.owner, 1), ...(args.members ?? []).filter((m) => m !== args.owner).map((m) => this.memberFor(m, 1, args.owner))],
      admin_list: [],
      member_version: this.memberVersion(),
      status: 0,
      dismissed: false,
    };
    this.state.groupChats.set(chat.chat_id, chat);
    this.emit({ event: 'change_external_chat', changeType: 'create', chatId: chat.chat_id });
    return chat.chat_id;
  }

  private chatUpdate(g: SimGroupChat, detail: ExternalChatUpdateDetail, extra: { joinScene?: number; quitScene?: number; changed?: string[] } = {}): void {
    const last = g.member_version;
    if (extra.changed) g.member_version = this.memberVersion();
    this.emit({
      event: 'change_external_chat',
      changeType: 'update',
      chatId: g.chat_id,
      updateDetail: detail,
      ...(extra.joinScene !== undefined ? { joinScene: extra.joinScene } : {}),
      ...(extra.quitScene !== undefined ? { quitScene: extra.quitScene } : {}),
      ...(extra.changed ? { memChangeCnt: extra.changed.length, memChangeList: extra.changed, lastMemVer: last, curMemVer: g.member_version } : {}),
    });
  }

  /** joinScene as in the event: 0 invited by a member (incl. link), 3 scanned the group QR. */
  addGroupMembers(chatId: string, memberIds: string[], joinScene: 0 | 3 = 0): void {
    const g = this.requireChat(chatId);
    const fresh = memberIds.filter((id) => !g.members.some((m) => m.userid === id));
    for (const id of fresh) g.members.push(this.memberFor(id, joinScene === 3 ? 3 : 1, joinScene === 0 ? g.owner : undefined));
    this.chatUpdate(g, 'add_member', { joinScene, changed: fresh });
  }

  /** quitScene: 0 left by themselves, 1 removed by the owner or an admin. */
  removeGroupMembers(chatId: string, memberIds: string[], quitScene: 0 | 1 = 0): void {
    const g = this.requireChat(chatId);
    const gone = memberIds.filter((id) => g.members.some((m) => m.userid === id));
    g.members = g.members.filter((m) => !gone.includes(m.userid));
    this.chatUpdate(g, 'del_member', { quitScene, changed: gone });
  }

  renameGroupChat(chatId: string, name: string): void {
    const g = this.requireChat(chatId);
    g.name = name;
    this.chatUpdate(g, 'change_name');
  }

  changeGroupNotice(chatId: string, notice: string): void {
    const g = this.requireChat(chatId);
    g.notice = notice;
    this.chatUpdate(g, 'change_notice');
  }

  changeGroupOwner(chatId: string, newOwner: string): void {
    const g = this.requireChat(chatId);
    this.requireStaff(newOwner);
    g.owner = newOwner;
    if (!g.members.some((m) => m.userid === newOwner)) g.members.push(this.memberFor(newOwner, 1));
    this.chatUpdate(g, 'change_owner');
  }

  dismissGroupChat(chatId: string): void {
    const g = this.requireChat(chatId);
    g.dismissed = true;
    this.emit({ event: 'change_external_chat', changeType: 'dismiss', chatId });
  }

  // ---- mass messages -----------------------------------------------------------------------------------------

  /**
   * The sender(s) confirm a mass message in the app (all senders when userid is omitted). Each recipient ends in
   * status 1 (sent), 2 (no longer a friend) or 3 (receive cap reached under the corp's rule).
   */
  sendMassMessage(msgid: string, userid?: string): { sent: number; notFriend: number; capped: number } {
    const t = this.state.massTasks.get(msgid);
    if (!t) throw new SimulatorError(`unknown msgid ${msgid}`);
    const out = { sent: 0, notFriend: 0, capped: 0 };
    if (t.cancelled) return out;
    const now = this.now();
    const nowS = Math.floor(now / 1000);
    const rule = this.config.receiveCapRule;
    const cap = rule === 'month_days' ? receiveCapAt(this, now) : rule === 'week_7' ? 7 : 1;
    const period = receivePeriodKey(rule, now);
    for (const [sender, s] of t.senders) {
      if (userid !== undefined && sender !== userid) continue;
      if (s.status === 2) continue;
      for (const r of t.recipients) {
        if (r.userid !== sender || r.status !== 0) continue;
        const key = r.external_userid ?? r.chat_id!;
        if (r.external_userid !== undefined) {
          const f = this.state.getFollow(sender, r.external_userid);
          if (!f || f.deletedByCustomer) {
            r.status = 2;
            out.notFriend++;
            continue;
          }
        } else if (this.state.groupChats.get(r.chat_id!)?.dismissed !== false) {
          r.status = 2;
          out.notFriend++;
          continue;
        }
        if (this.state.receivedIn(key, period) >= cap) {
          r.status = 3;
          out.capped++;
          continue;
        }
        this.state.countReceived(key, now);
        r.status = 1;
        r.send_time = nowS;
        out.sent++;
      }
      s.status = 2;
      s.send_time = nowS;
    }
    return out;
  }

  // ---- summary -----------------------------------------------------------------------------------------------

  summary(): { corpId: string; staff: number; customers: number; relations: number; tags: number; groupChats: number; massTasks: number } {
    return {
      corpId: this.corpId,
      staff: this.state.staff.size,
      customers: this.state.customers.size,
      relations: this.state.followCount(),
      tags: this.state.liveTagCount(),
      groupChats: [...this.state.groupChats.values()].filter((g) => !g.dismissed).length,
      massTasks: this.state.massTasks.size,
    };
  }
}

/** A stable number in [0, 1) from a string (FNV-1a). */
function hashUnit(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

export function createSimulator(opts: SimulatorOptions = {}): WecomSimulator {
  return new WecomSimulator(opts);
}
