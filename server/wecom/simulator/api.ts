/**
 * The simulator's request handler: `handleRequest(sim, { method, path, query, body }) → { status, json }`.
 * Pure with respect to I/O (latency is applied by the transports: fetch.ts, standalone.ts, tests/mocks/wecom.ts).
 *
 * Implements the documented shapes, cursors and maxima of wecom-api.md: token issuing and token errors
 * (41001 / 40014 / 42001 / 40001 / 40013), 100 userids and 100 results per batch page, 1,000 chats per
 * groupchat/list page (81017 without owner_filter beyond 1,000 staff), 10,000 recipients per mass message, send
 * status 3 at the monthly receive cap, 3 reminders per 24 h, one-time 20-s welcome codes, plus configurable
 * 45009 rate limiting and injected -1 / HTTP 5xx / network faults.
 */
import { z } from 'zod';
import { WECOM_LIMITS } from '../types';
import type { FaultSpec, SimConfig } from './config';
import { multipartPart } from '../multipart';
import { daysInMonth, lowerBoundSeq, type SimMedia, type SimMoment, type SimContactWay, type SimCustomer, type SimFollow, type SimGroupChat, type SimMassRecipient, type SimMassTask, type SimState } from './state';

/**
 * What the handler needs of the simulator it answers for: the world, the clock and knobs, the logs it appends to,
 * and the few world operations an API call triggers. WecomSimulator (./simulator) implements it; declared here so
 * the handler does not import the simulator that imports it.
 */
export interface SimApiHost {
  readonly state: SimState;
  readonly config: SimConfig;
  readonly requestCount: Map<string, number>;
  readonly welcomeMessages: { userid: string; external_userid: string; text: string; attachments: unknown[] }[];
  readonly taskCreatedAt: Map<string, number>;
  readonly oauthCodes: Map<string, { userid: string; expiresAt: number; used: boolean }>;
  readonly jsapiTickets: Map<string, { ticket: string; expiresAt: number }>;
  readonly appMessages: { touser: string[]; agentid: number; content: string; at: number }[];
  now(): number;
  takeFault(api: string): FaultSpec | null;
  allowRate(api: string, nowMs: number): boolean;
  isDispatching(t: SimMassTask): boolean;
  deleteTagsQuietly(tagIds: string[], groupIds: string[]): void;
  settleTransfers(): { done: number; refused: number; limited: number };
  sendMassMessage(msgid: string, userid?: string): { sent: number; notFriend: number; capped: number };
  /** Simulated clerks (config.clerks): when each sender of a new task will confirm it, if ever. */
  scheduleClerks(t: SimMassTask): void;
}

export interface SimRequest {
  method: string;
  /** e.g. "/cgi-bin/externalcontact/get" (a leading "/cgi-bin/" is optional). */
  path: string;
  query?: Record<string, string | undefined> | URLSearchParams;
  /** Raw JSON text or an already-parsed object; the raw bytes for a multipart upload. */
  body?: unknown;
  /** Request headers (the content-type of a multipart upload). */
  headers?: Record<string, string | undefined>;
}

export interface SimResponse {
  status: number;
  json: unknown;
  /** Set when the transport should fail the request without an answer (injected network error). */
  fault?: 'network';
  /** The API name the request was routed to (for logs and tests). */
  api?: string;
}

type Json = Record<string, unknown>;
class ApiFailure extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(errmsg);
  }
}

const fail = (errcode: number, errmsg: string): never => {
  throw new ApiFailure(errcode, errmsg);
};

let hintCounter = 0;
function errmsgFor(code: number, msg: string, nowMs: number): string {
  hintCounter = (hintCounter + 1) % 1_000_000;
  return `${msg}, hint: [${Math.floor(nowMs / 1000)}_${hintCounter}_sim], more info at https://open.work.weixin.qq.com/devtool/query?e=${code}`;
}

// ---- cursors -----------------------------------------------------------------------------------------------------

const cursorSchema = z.object({ k: z.string(), a: z.number().int(), b: z.number().int() });
function encodeCursor(kind: string, a: number, b: number): string {
  return Buffer.from(JSON.stringify({ k: kind, a, b }), 'utf8').toString('base64url');
}
function decodeCursor(kind: string, cursor: string | undefined): { a: number; b: number } | null {
  if (!cursor) return null;
  try {
    const r = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (r.success && r.data.k === kind) return { a: r.data.a, b: r.data.b };
  } catch {
    // fall through
  }
  return fail(40058, 'invalid cursor');
}

/** A small stable hash of a userid list, so a cursor is only valid for the list it was issued for. */
function listHash(xs: readonly string[]): string {
  let h = 2166136261;
  for (const x of xs) {
    for (let i = 0; i < x.length; i++) h = Math.imul(h ^ x.charCodeAt(i), 16777619);
    h = Math.imul(h ^ 0x2c, 16777619);
  }
  return (h >>> 0).toString(36);
}

// ---- body parsing ------------------------------------------------------------------------------------------------

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    return fail(40058, `invalid parameter${i ? ` ${i.path.join('.')}: ${i.message}` : ''}`);
  }
  return r.data;
}

const str = z.string();
const strArr = z.array(z.string());
const num = z.coerce.number();

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const chars = (s: string) => [...s].length;

const attachmentsSchema = z.array(z.looseObject({ msgtype: z.string() })).optional();
function checkAttachments(att: { msgtype: string; [k: string]: unknown }[] | undefined, sim?: SimApiHost): void {
  if (!att) return;
  if (att.length > WECOM_LIMITS.massMessageAttachments) fail(41064, 'too many attachments');
  for (const a of att) {
    if (!['image', 'link', 'miniprogram', 'video', 'file'].includes(a.msgtype) || typeof a[a.msgtype] !== 'object' || a[a.msgtype] === null) {
      fail(41065, `invalid attachment type ${a.msgtype}`);
    }
    if (sim) checkAttachmentMedia(sim, a.msgtype, a[a.msgtype] as Record<string, unknown>);
  }
}

/** A media_id must be a live upload (3 days) of the matching type; an image pic_url must come from media/uploadimg. */
function checkAttachmentMedia(sim: SimApiHost, msgtype: string, o: Record<string, unknown>): void {
  const live = (id: unknown, type: SimMedia['type']) => {
    const m = typeof id === 'string' ? sim.state.media.get(id) : undefined;
    if (!m || m.type !== type || sim.now() - m.createdAt >= MEDIA_TTL_MS) fail(40007, 'invalid media_id');
  };
  if (msgtype === 'image') {
    if (o.media_id !== undefined) live(o.media_id, 'image');
    else if (typeof o.pic_url !== 'string' || !sim.state.imageUrls.has(o.pic_url)) fail(40058, 'image needs media_id or a pic_url from media/uploadimg');
  } else if (msgtype === 'miniprogram') live(o.pic_media_id, 'image');
  else if (msgtype === 'video' || msgtype === 'file') live(o.media_id, msgtype);
}

// ---- shapes ------------------------------------------------------------------------------------------------------

function contactJson(c: SimCustomer): Json {
  const o: Json = { external_userid: c.external_userid, name: c.name, type: c.type, avatar: c.avatar, gender: c.gender };
  if (c.unionid) o.unionid = c.unionid;
  if (c.type === 2) {
    o.position = c.position ?? '';
    o.corp_name = c.corp_name ?? '';
    o.corp_full_name = c.corp_full_name ?? '';
    o.external_profile = { external_attr: [] };
  }
  return o;
}

/** A fresh object per call, which callers extend in place (cheaper than `{ ...followCommon(f), more }`). */
function followCommon(f: SimFollow): Json {
  const o: Json = {
    userid: f.userid,
    remark: f.remark,
    description: f.description,
    createtime: f.createtime,
    remark_mobiles: f.remark_mobiles,
    oper_userid: f.oper_userid,
    add_way: f.add_way,
  };
  if (f.remark_corp_name !== undefined) o.remark_corp_name = f.remark_corp_name;
  if (f.state !== undefined) o.state = f.state;
  return o;
}

// ---- the handler -------------------------------------------------------------------------------------------------

type Handler = (sim: SimApiHost, q: Record<string, string | undefined>, body: unknown) => Json;
interface Route {
  method: 'GET' | 'POST';
  auth: boolean;
  fn: Handler;
  /** A multipart upload: the handler gets `{ contentType, bytes }` instead of a parsed JSON body. */
  multipart?: boolean;
}

function authorize(sim: SimApiHost, q: Record<string, string | undefined>): void {
  const token = q.access_token;
  if (!token) fail(41001, 'access_token missing');
  const t = sim.state.tokens.get(token!);
  if (!t) fail(40014, 'invalid access_token');
  if (t!.expiresAt <= sim.now()) fail(42001, 'access_token expired');
}

const routes: Record<string, Route> = {
  gettoken: {
    method: 'GET',
    auth: false,
    fn: (sim, q) => {
      const st = sim.state;
      if (!q.corpid || q.corpid !== st.corpId) fail(40013, 'invalid corpid');
      const app = st.apps.find((a) => a.secret === q.corpsecret);
      if (!q.corpsecret || !app) fail(40001, 'invalid credential');
      const secret = q.corpsecret!;
      const now = sim.now();
      const ttl = sim.config.tokenTtlSeconds * 1000;
      const curId = st.tokenBySecret.get(secret);
      const cur = curId ? st.tokens.get(curId) : undefined;
      if (cur && cur.expiresAt > now) {
        if (sim.config.renewTokenOnRefetch) cur.expiresAt = now + ttl;
        return { access_token: cur.token, expires_in: Math.max(1, Math.floor((cur.expiresAt - now) / 1000)) };
      }
      const token = st.newId('', 96, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
      st.tokens.set(token, { token, secret, expiresAt: now + ttl });
      st.tokenBySecret.set(secret, token);
      return { access_token: token, expires_in: sim.config.tokenTtlSeconds };
    },
  },

  'user/list': {
    method: 'GET',
    auth: true,
    fn: (sim, q) => {
      const dept = Number(q.department_id ?? '');
      if (!Number.isInteger(dept) || dept < 1) fail(40058, 'invalid department_id');
      const fetchChild = q.fetch_child === '1';
      const userlist = [...sim.state.staff.values()]
        .filter((u) => u.department.includes(dept) || (dept === 1 && fetchChild))
        .map((u) => ({ userid: u.userid, name: u.name, department: u.department, position: u.position ?? '', status: u.status }));
      return { userlist };
    },
  },

  'user/list_id': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ cursor: str.optional(), limit: num.int().optional() }), body);
      const limit = b.limit ?? WECOM_LIMITS.userListIdPageSize;
      if (limit < 1 || limit > WECOM_LIMITS.userListIdPageSize) fail(40058, 'limit must be in [1, 10000]');
      const pairs: { userid: string; department: number }[] = [];
      for (const u of sim.state.staff.values()) for (const d of u.department) pairs.push({ userid: u.userid, department: d });
      const start = decodeCursor('list_id', b.cursor)?.a ?? 0;
      const page = pairs.slice(start, start + limit);
      const end = start + page.length;
      return { next_cursor: end < pairs.length ? encodeCursor('list_id', end, 0) : '', dept_user: page };
    },
  },

  'externalcontact/get_follow_user_list': {
    method: 'GET',
    auth: true,
    fn: (sim) => ({ follow_user: [...sim.state.staff.values()].filter((u) => u.customerContact && u.status === 1).map((u) => u.userid) }),
  },

  'externalcontact/list': {
    method: 'GET',
    auth: true,
    fn: (sim, q) => {
      const userid = q.userid ?? '';
      if (!sim.state.staff.has(userid)) fail(40003, 'invalid userid');
      const rels = sim.state.followsByUser.get(userid) ?? [];
      if (rels.length === 0) fail(84061, 'not external contact');
      return { external_userid: rels.map((f) => f.external_userid) };
    },
  },

  'externalcontact/get': {
    method: 'GET',
    auth: true,
    fn: (sim, q) => {
      const c = sim.state.customers.get(q.external_userid ?? '');
      if (!c) fail(40096, 'invalid external userid');
      const rels = sim.state.followsByCustomer.get(c!.external_userid) ?? [];
      if (rels.length === 0) fail(84061, 'not external contact');
      const start = decodeCursor('get', q.cursor)?.a ?? 0;
      const page = rels.slice(start, start + WECOM_LIMITS.followUserPage);
      const end = start + page.length;
      const follow_user = page.map((f) => {
        const o = followCommon(f);
        o.tags = f.tag_ids.flatMap((id) => {
          const t = sim.state.tags.get(id);
          const g = t ? sim.state.tagGroups.get(t.group_id) : undefined;
          return t && g && !t.deleted ? [{ group_name: g.group_name, tag_name: t.name, tag_id: t.id, type: 1 }] : [];
        });
        return o;
      });
      const out: Json = { external_contact: contactJson(c!), follow_user };
      if (end < rels.length) out.next_cursor = encodeCursor('get', end, 0);
      return out;
    },
  },

  'externalcontact/batch/get_by_user': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ userid_list: strArr, cursor: str.optional(), limit: num.int().optional() }), body);
      if (b.userid_list.length === 0) fail(40058, 'userid_list is empty');
      if (b.userid_list.length > WECOM_LIMITS.batchUseridList) fail(40058, `field userid_list exceed max length ${WECOM_LIMITS.batchUseridList}`);
      const limit = b.limit === undefined || b.limit <= 0 ? WECOM_LIMITS.batchDefaultPageSize : Math.min(WECOM_LIMITS.batchPageSize, b.limit);
      const users = b.userid_list;
      const h = listHash(users);
      let ui = 0;
      let afterSeq = 0;
      if (b.cursor) {
        const [hh, rest] = [b.cursor.split('.')[0], b.cursor.split('.')[1]];
        if (hh !== h || !rest) fail(40058, 'invalid cursor');
        const c = decodeCursor('batch', rest);
        ui = c!.a;
        afterSeq = c!.b;
      }
      const items: Json[] = [];
      let next = '';
      outer: for (; ui < users.length; ui++) {
        const rels = sim.state.followsByUser.get(users[ui]!) ?? [];
        for (let i = lowerBoundSeq(rels, afterSeq + 1); i < rels.length; i++) {
          const f = rels[i]!;
          if (items.length === limit) {
            next = `${h}.${encodeCursor('batch', ui, afterSeq)}`;
            break outer;
          }
          const c = sim.state.customers.get(f.external_userid);
          if (!c) continue;
          // No object spread here: V8's generic spread path cost more than the rest of the page (see followCommon).
          const info = followCommon(f);
          info.tag_id = f.tag_ids.filter((id) => sim.state.tags.get(id)?.deleted === false);
          items.push({ external_contact: contactJson(c), follow_info: info });
          afterSeq = f.seq;
        }
        afterSeq = 0;
      }
      return { external_contact_list: items, next_cursor: next };
    },
  },

  'externalcontact/remark': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(
        z.object({
          userid: str,
          external_userid: str,
          remark: str.optional(),
          description: str.optional(),
          remark_company: str.optional(),
          remark_mobiles: strArr.optional(),
          remark_pic_mediaid: str.optional(),
        }),
        body,
      );
      const f = requireRelation(sim, b.userid, b.external_userid);
      if (b.remark !== undefined && chars(b.remark) > WECOM_LIMITS.remarkChars) fail(40058, 'remark exceeds 20 characters');
      if (b.description !== undefined && chars(b.description) > WECOM_LIMITS.descriptionChars) fail(40058, 'description exceeds 150 characters');
      if (b.remark_company !== undefined && chars(b.remark_company) > 20) fail(40058, 'remark_company exceeds 20 characters');
      if (b.remark !== undefined) f.remark = b.remark;
      if (b.description !== undefined) f.description = b.description;
      if (b.remark_company !== undefined) f.remark_corp_name = b.remark_company;
      if (b.remark_mobiles !== undefined) f.remark_mobiles = [...b.remark_mobiles];
      return {};
    },
  },

  'externalcontact/get_corp_tag_list': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ tag_id: strArr.optional(), group_id: strArr.optional() }), body);
      const st = sim.state;
      const byOrder = <T extends { order: number; create_time: number }>(xs: T[]) => xs.sort((x, y) => y.order - x.order || x.create_time - y.create_time);
      const tagJson = (id: string, withDeleted: boolean): Json | null => {
        const t = st.tags.get(id);
        if (!t || (!withDeleted && t.deleted)) return null;
        const o: Json = { id: t.id, name: t.name, create_time: t.create_time, order: t.order };
        if (withDeleted) o.deleted = t.deleted;
        return o;
      };
      const groupJson = (gid: string, tagIds: string[] | null, withDeleted: boolean): Json | null => {
        const g = st.tagGroups.get(gid);
        if (!g || (!withDeleted && g.deleted)) return null;
        const ids = tagIds ?? g.tag_ids;
        const tags = byOrder(ids.map((id) => st.tags.get(id)!).filter((t) => t !== undefined))
          .map((t) => tagJson(t.id, withDeleted))
          .filter((t): t is Json => t !== null);
        const o: Json = { group_id: g.group_id, group_name: g.group_name, create_time: g.create_time, order: g.order, tag: tags };
        if (withDeleted) o.deleted = g.deleted;
        return o;
      };
      let groups: Json[];
      if (b.group_id && b.group_id.length > 0) {
        groups = byOrder(b.group_id.map((id) => st.tagGroups.get(id)).filter((g) => g !== undefined)).map((g) => groupJson(g.group_id, null, true)!);
      } else if (b.tag_id && b.tag_id.length > 0) {
        const wanted = new Map<string, string[]>();
        for (const id of b.tag_id) {
          const t = st.tags.get(id);
          if (!t) continue;
          const l = wanted.get(t.group_id) ?? [];
          l.push(id);
          wanted.set(t.group_id, l);
        }
        groups = byOrder([...wanted.keys()].map((gid) => st.tagGroups.get(gid)!)).map((g) => groupJson(g.group_id, wanted.get(g.group_id)!, true)!);
      } else {
        groups = byOrder([...st.tagGroups.values()].filter((g) => !g.deleted))
          .map((g) => groupJson(g.group_id, null, false))
          .filter((g): g is Json => g !== null);
      }
      return { tag_group: groups };
    },
  },

  'externalcontact/add_corp_tag': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(
        z.object({ group_id: str.optional(), group_name: str.optional(), order: num.optional(), tag: z.array(z.object({ name: str, order: num.optional() })), agentid: num.optional() }),
        body,
      );
      const st = sim.state;
      if (b.tag.length === 0) fail(40058, 'empty tag group is not allowed');
      const seen = new Set<string>();
      const names = b.tag.filter((t) => (seen.has(t.name) ? false : (seen.add(t.name), true)));
      for (const t of names) if (t.name.length === 0 || chars(t.name) > WECOM_LIMITS.tagNameChars) fail(40058, 'tag name must be 1..30 characters');
      if (st.liveTagCount() + names.length > WECOM_LIMITS.corpTags) fail(40058, 'corp tag count exceeds 3000');
      const nowS = Math.floor(sim.now() / 1000);
      let group;
      if (b.group_id) {
        group = st.tagGroups.get(b.group_id);
        if (!group || group.deleted) fail(40068, 'invalid tag group id');
      } else {
        if (!b.group_name || chars(b.group_name) > WECOM_LIMITS.tagNameChars) fail(40058, 'group_name must be 1..30 characters');
        group = [...st.tagGroups.values()].find((g) => !g.deleted && g.group_name === b.group_name);
        if (!group) {
          group = { group_id: st.newId('et', 22), group_name: b.group_name!, create_time: nowS, order: b.order ?? 0, deleted: false, tag_ids: [] };
          st.tagGroups.set(group.group_id, group);
        }
      }
      const g = group!;
      for (const t of names) {
        if (g.tag_ids.some((id) => st.tags.get(id)?.deleted === false && st.tags.get(id)?.name === t.name)) fail(40071, `tag name ${t.name} already exists in the group`);
      }
      const created = names.map((t) => {
        const tag = { id: st.newId('et', 22), group_id: g.group_id, name: t.name, create_time: nowS, order: t.order ?? 0, deleted: false };
        st.tags.set(tag.id, tag);
        g.tag_ids.push(tag.id);
        return { id: tag.id, name: tag.name, create_time: tag.create_time, order: tag.order };
      });
      return { tag_group: { group_id: g.group_id, group_name: g.group_name, create_time: g.create_time, order: g.order, tag: created } };
    },
  },

  'externalcontact/edit_corp_tag': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ id: str, name: str.optional(), order: num.optional(), agentid: num.optional() }), body);
      const st = sim.state;
      if (b.name !== undefined && (b.name.length === 0 || chars(b.name) > WECOM_LIMITS.tagNameChars)) fail(40058, 'name must be 1..30 characters');
      const tag = st.tags.get(b.id);
      const group = st.tagGroups.get(b.id);
      if (tag && !tag.deleted) {
        const g = st.tagGroups.get(tag.group_id)!;
        if (b.name !== undefined && g.tag_ids.some((id) => id !== tag.id && st.tags.get(id)?.deleted === false && st.tags.get(id)?.name === b.name)) fail(40071, 'tag name already exists in the group');
        if (b.name !== undefined) tag.name = b.name;
        if (b.order !== undefined) tag.order = b.order;
      } else if (group && !group.deleted) {
        if (b.name !== undefined && [...st.tagGroups.values()].some((g) => g !== group && !g.deleted && g.group_name === b.name)) fail(40071, 'group name already exists');
        if (b.name !== undefined) group.group_name = b.name;
        if (b.order !== undefined) group.order = b.order;
      } else fail(40068, 'invalid tag id');
      return {};
    },
  },

  'externalcontact/del_corp_tag': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ tag_id: strArr.optional(), group_id: strArr.optional(), agentid: num.optional() }), body);
      if ((b.tag_id?.length ?? 0) === 0 && (b.group_id?.length ?? 0) === 0) fail(40058, 'tag_id and group_id are both empty');
      const st = sim.state;
      for (const id of b.tag_id ?? []) if (st.tags.get(id)?.deleted !== false) fail(40068, `invalid tag id ${id}`);
      for (const id of b.group_id ?? []) if (st.tagGroups.get(id)?.deleted !== false) fail(40068, `invalid group id ${id}`);
      sim.deleteTagsQuietly(b.tag_id ?? [], b.group_id ?? []);
      return {};
    },
  },

  'externalcontact/mark_tag': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ userid: str, external_userid: str, add_tag: strArr.optional(), remove_tag: strArr.optional() }), body);
      const add = b.add_tag ?? [];
      const remove = b.remove_tag ?? [];
      if (add.length === 0 && remove.length === 0) fail(40058, 'add_tag and remove_tag are both empty');
      const f = requireRelation(sim, b.userid, b.external_userid);
      for (const id of [...add, ...remove]) if (sim.state.tags.get(id)?.deleted !== false) fail(40068, `invalid tag id ${id}`);
      const next = f.tag_ids.filter((id) => !remove.includes(id));
      for (const id of add) if (!next.includes(id)) next.push(id);
      if (next.length > WECOM_LIMITS.corpTags) fail(40058, 'too many tags on one customer');
      f.tag_ids = next;
      return {};
    },
  },

  'externalcontact/groupchat/list': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(
        z.object({ status_filter: num.int().optional(), owner_filter: z.object({ userid_list: strArr.optional() }).optional(), cursor: str.optional(), limit: num.int().optional() }),
        body,
      );
      if (b.limit === undefined || b.limit < 1 || b.limit > WECOM_LIMITS.groupChatPageSize) fail(40058, 'limit must be in [1, 1000]');
      const owners = b.owner_filter?.userid_list;
      if (owners && owners.length > WECOM_LIMITS.groupChatOwnerFilter) fail(40058, `owner_filter.userid_list exceed max length ${WECOM_LIMITS.groupChatOwnerFilter}`);
      if (!owners || owners.length === 0) {
        if (sim.state.staff.size > sim.config.maxVisibleStaffWithoutOwnerFilter) fail(81017, 'too many staff visible: use owner_filter');
      }
      const ownerSet = owners && owners.length > 0 ? new Set(owners) : null;
      const sf = b.status_filter ?? 0;
      const all: SimGroupChat[] = [];
      for (const g of sim.state.groupChats.values()) {
        if (g.dismissed) continue;
        if (ownerSet && !ownerSet.has(g.owner)) continue;
        if (sf !== 0 && g.status !== sf) continue;
        all.push(g);
      }
      const start = decodeCursor('chats', b.cursor)?.a ?? 0;
      const page = all.slice(start, start + b.limit!);
      const end = start + page.length;
      return { group_chat_list: page.map((g) => ({ chat_id: g.chat_id, status: g.status })), next_cursor: end < all.length ? encodeCursor('chats', end, 0) : '' };
    },
  },

  'externalcontact/groupchat/get': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ chat_id: str, need_name: num.int().optional() }), body);
      const g = sim.state.groupChats.get(b.chat_id);
      if (!g || g.dismissed) fail(40050, 'invalid chatid');
      const needName = b.need_name === 1;
      const member_list = g!.members.map((m) => {
        const o: Json = { userid: m.userid, type: m.type, join_time: m.join_time, join_scene: m.join_scene, group_nickname: m.group_nickname };
        if (m.unionid) o.unionid = m.unionid;
        if (m.invitor) o.invitor = m.invitor;
        if (needName) o.name = m.name;
        if (m.state) o.state = m.state;
        return o;
      });
      return {
        group_chat: {
          chat_id: g!.chat_id,
          name: g!.name,
          owner: g!.owner,
          create_time: g!.create_time,
          notice: g!.notice,
          member_list,
          admin_list: g!.admin_list.map((userid) => ({ userid })),
          member_version: g!.member_version,
        },
      };
    },
  },

  'externalcontact/add_contact_way': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(
        z.object({
          type: num.int(),
          scene: num.int(),
          style: num.int().optional(),
          remark: str.optional(),
          skip_verify: z.boolean().optional(),
          state: str.optional(),
          user: strArr.optional(),
          party: z.array(num.int()).optional(),
          is_temp: z.boolean().optional(),
          expires_in: num.int().optional(),
          chat_expires_in: num.int().optional(),
          unionid: str.optional(),
          is_exclusive: z.boolean().optional(),
        }),
        body,
      );
      const st = sim.state;
      if (b.type !== 1 && b.type !== 2) fail(40058, 'type must be 1 or 2');
      if (b.scene !== 1 && b.scene !== 2) fail(40058, 'scene must be 1 or 2');
      const users = b.user ?? [];
      const party = b.party ?? [];
      if (b.type === 1 && (users.length !== 1 || party.length > 0)) fail(40058, 'type 1 requires exactly one user');
      if (b.type === 2 && users.length === 0 && party.length === 0) fail(40058, 'user and party are both empty');
      if (b.state !== undefined && chars(b.state) > WECOM_LIMITS.contactWayStateChars) fail(40058, 'state exceeds 30 characters');
      if (b.remark !== undefined && chars(b.remark) > WECOM_LIMITS.contactWayRemarkChars) fail(40058, 'remark exceeds 30 characters');
      const fromParty = [...st.staff.values()].filter((u) => u.department.some((d) => party.includes(d))).map((u) => u.userid);
      const everyone = new Set([...users, ...fromParty]);
      if (everyone.size > WECOM_LIMITS.contactWayUsers) fail(40058, 'at most 100 users per contact way');
      for (const u of users) {
        const s = st.staff.get(u);
        if (!s) fail(40003, `invalid userid ${u}`);
        if (!s!.customerContact) fail(84074, 'no external contact permission');
      }
      if (b.is_temp && b.type !== 1) fail(40058, 'temporary sessions are single-person only');
      if (st.contactWays.size >= 500_000) fail(40058, 'contact way count exceeds 500000');
      const config_id = st.newId('', 32, '0123456789abcdef');
      const way: SimContactWay = {
        config_id,
        type: b.type as 1 | 2,
        scene: b.scene as 1 | 2,
        skip_verify: b.skip_verify ?? true,
        user: users,
        party,
        is_temp: b.is_temp ?? false,
        is_exclusive: b.is_exclusive ?? false,
        create_time: Math.floor(sim.now() / 1000),
      };
      if (b.style !== undefined) way.style = b.style;
      if (b.remark !== undefined) way.remark = b.remark;
      if (b.state !== undefined) way.state = b.state;
      if (b.expires_in !== undefined) way.expires_in = b.expires_in;
      if (b.chat_expires_in !== undefined) way.chat_expires_in = b.chat_expires_in;
      if (b.unionid !== undefined) way.unionid = b.unionid;
      if (way.scene === 2) way.qr_code = `https://wework.qpic.cn/wwpic/${st.newId('', 24)}/0`;
      st.contactWays.set(config_id, way);
      const out: Json = { config_id };
      if (way.qr_code) out.qr_code = way.qr_code;
      return out;
    },
  },

  'externalcontact/send_welcome_msg': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ welcome_code: str, text: z.object({ content: str }).optional(), attachments: attachmentsSchema }), body);
      if (!b.text && !(b.attachments && b.attachments.length > 0)) fail(40058, 'text and attachments are both empty');
      if (b.text && utf8Bytes(b.text.content) > WECOM_LIMITS.massMessageTextBytes) fail(40058, 'text.content exceeds 4000 bytes');
      checkAttachments(b.attachments);
      const code = sim.state.welcomeCodes.get(b.welcome_code);
      if (!code) fail(40058, 'invalid welcome_code');
      if (code!.used || code!.expiresAt <= sim.now()) fail(41051, 'externaluser has started chatting');
      code!.used = true;
      sim.welcomeMessages.push({ userid: code!.userid, external_userid: code!.external_userid, text: b.text?.content ?? '', attachments: b.attachments ?? [] });
      return {};
    },
  },

  'externalcontact/add_msg_template': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(
        z.object({
          chat_type: z.enum(['single', 'group']).optional(),
          external_userid: strArr.optional(),
          chat_id_list: strArr.optional(),
          tag_filter: z.object({ group_list: z.array(z.object({ tag_list: strArr })) }).optional(),
          sender: str.optional(),
          allow_select: z.boolean().optional(),
          text: z.object({ content: str }).optional(),
          attachments: attachmentsSchema,
        }),
        body,
      );
      return addMsgTemplate(sim, b);
    },
  },

  'externalcontact/get_groupmsg_list_v2': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(
        z.object({
          chat_type: z.enum(['single', 'group']),
          start_time: num.int(),
          end_time: num.int(),
          creator: str.optional(),
          filter_type: num.int().optional(),
          limit: num.int().optional(),
          cursor: str.optional(),
        }),
        body,
      );
      if (b.end_time < b.start_time) fail(40058, 'end_time before start_time');
      if (b.end_time - b.start_time > 31 * 86_400) fail(40058, 'time range exceeds one month');
      const limit = b.limit === undefined || b.limit <= 0 || b.limit > WECOM_LIMITS.groupMsgListPageSize ? WECOM_LIMITS.groupMsgListDefaultPageSize : b.limit;
      const ft = b.filter_type ?? 2;
      const all = [...sim.state.massTasks.values()].filter(
        (t) =>
          t.chat_type === b.chat_type &&
          t.create_time >= b.start_time &&
          t.create_time <= b.end_time &&
          (ft === 2 || t.create_type === ft) &&
          (b.creator === undefined || t.creator === b.creator),
      );
      if (all.some((t) => sim.isDispatching(t))) fail(41063, 'mass message is still being dispatched');
      const start = decodeCursor('msglist', b.cursor)?.a ?? 0;
      const page = all.slice(start, start + limit);
      const end = start + page.length;
      return {
        group_msg_list: page.map((t) => {
          const o: Json = { msgid: t.msgid, create_time: String(t.create_time), create_type: t.create_type, attachments: t.attachments };
          if (t.creator) o.creator = t.creator;
          if (t.text) o.text = t.text;
          return o;
        }),
        next_cursor: end < all.length ? encodeCursor('msglist', end, 0) : '',
      };
    },
  },

  'externalcontact/get_groupmsg_task': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ msgid: str, limit: num.int().optional(), cursor: str.optional() }), body);
      const t = requireTask(sim, b.msgid);
      const limit = clampTaskLimit(b.limit);
      const all = [...t.senders.entries()];
      const start = decodeCursor('task', b.cursor)?.a ?? 0;
      const page = all.slice(start, start + limit);
      const end = start + page.length;
      return {
        task_list: page.map(([userid, s]) => (s.send_time !== undefined ? { userid, status: s.status, send_time: s.send_time } : { userid, status: s.status })),
        next_cursor: end < all.length ? encodeCursor('task', end, 0) : '',
      };
    },
  },

  'externalcontact/get_groupmsg_send_result': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ msgid: str, userid: str, limit: num.int().optional(), cursor: str.optional() }), body);
      const t = requireTask(sim, b.msgid);
      const limit = clampTaskLimit(b.limit);
      const all = t.recipients.filter((r) => r.userid === b.userid);
      const start = decodeCursor('sendres', b.cursor)?.a ?? 0;
      const page = all.slice(start, start + limit);
      const end = start + page.length;
      return { send_list: page.map(recipientJson), next_cursor: end < all.length ? encodeCursor('sendres', end, 0) : '' };
    },
  },

  'externalcontact/remind_groupmsg_send': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ msgid: str }), body);
      const t = requireTask(sim, b.msgid);
      if (t.cancelled) fail(40058, 'mass message was cancelled');
      const now = sim.now();
      const recent = t.reminds.filter((at) => now - at < 86_400_000);
      if (recent.length >= WECOM_LIMITS.remindPerDay) fail(40058, 'at most 3 reminders per message in 24 hours');
      t.reminds = [...recent, now];
      return {};
    },
  },

  'externalcontact/cancel_groupmsg_send': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ msgid: str }), body);
      const t = requireTask(sim, b.msgid);
      t.cancelled = true;
      return {};
    },
  },
};

// ---- media (temporary material and images for messages) -----------------------------------------------------------

/** A media_id lives 3 days. */
export const MEDIA_TTL_MS = 3 * 86_400_000;

/**
 * Upload limits (上传临时素材 / 上传图片): every file over 5 bytes; image JPG/PNG ≤ 10 MB, voice AMR ≤ 2 MB, video
 * MP4 ≤ 10 MB, file ≤ 20 MB; uploadimg JPG/PNG ≤ 2 MB. Errors: 40005 bad type, 40004 bad file format, 40009 image
 * too large, 40011 video too large, 40006 other size, 44001 empty file.
 */
export const MEDIA_LIMITS = {
  minBytes: 6,
  image: { maxBytes: 10 * 1024 * 1024, ext: ['jpg', 'jpeg', 'png'], sizeErr: 40009 },
  voice: { maxBytes: 2 * 1024 * 1024, ext: ['amr'], sizeErr: 40006 },
  video: { maxBytes: 10 * 1024 * 1024, ext: ['mp4'], sizeErr: 40011 },
  file: { maxBytes: 20 * 1024 * 1024, ext: null, sizeErr: 40006 },
  uploadimg: { maxBytes: 2 * 1024 * 1024, ext: ['jpg', 'jpeg', 'png'], sizeErr: 40009 },
} as const;

function uploadedFile(body: unknown, limits: { maxBytes: number; ext: readonly string[] | null; sizeErr: number }) {
  const b = body as { contentType?: string; bytes: Uint8Array };
  const part = multipartPart(b.contentType, b.bytes, 'media');
  if (!part || part.bytes.byteLength === 0) return fail(44001, 'empty media data');
  if (part.bytes.byteLength < MEDIA_LIMITS.minBytes) fail(40006, 'invalid file size');
  const ext = part.filename.toLowerCase().split('.').pop() ?? '';
  if (limits.ext && !limits.ext.includes(ext)) fail(40004, 'invalid media file type');
  if (part.bytes.byteLength > limits.maxBytes) fail(limits.sizeErr, limits.sizeErr === 40006 ? 'invalid file size' : 'invalid media size');
  return part;
}

Object.assign(routes, {
  'media/upload': {
    method: 'POST',
    auth: true,
    multipart: true,
    fn: (sim, q, body) => {
      const type = q.type;
      if (type !== 'image' && type !== 'voice' && type !== 'video' && type !== 'file') return fail(40005, 'invalid type');
      const part = uploadedFile(body, MEDIA_LIMITS[type]);
      const media_id = sim.state.newId('3a', 62, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
      const createdAt = sim.now();
      sim.state.media.set(media_id, { type, filename: part.filename, bytes: part.bytes.byteLength, createdAt });
      return { type, media_id, created_at: String(Math.floor(createdAt / 1000)) };
    },
  },
  'media/uploadimg': {
    method: 'POST',
    auth: true,
    multipart: true,
    fn: (sim, _q, body) => {
      uploadedFile(body, MEDIA_LIMITS.uploadimg);
      const url = `https://wework.qpic.cn/wwpic/${sim.state.newId('', 24, 'abcdefghijklmnopqrstuvwxyz0123456789')}/0`;
      sim.state.imageUrls.add(url);
      return { url };
    },
  },
} satisfies Record<string, Route>);

// ---- the clerk's side (wecom-api.md section 11) -------------------------------------------------------------------

/** The app (secret) behind the request's access token. */
function secretOf(sim: SimApiHost, q: Record<string, string | undefined>): string {
  return sim.state.tokens.get(q.access_token ?? '')!.secret;
}

function jsapiTicket(sim: SimApiHost, q: Record<string, string | undefined>, kind: 'corp' | 'agent'): Json {
  const secret = secretOf(sim, q);
  const key = `${kind}:${secret}`;
  const now = sim.now();
  const cur = sim.jsapiTickets.get(key);
  if (cur && cur.expiresAt > now) return { ticket: cur.ticket, expires_in: Math.floor((cur.expiresAt - now) / 1000) };
  const ticket = sim.state.newId(kind === 'corp' ? 'sM4AOVdWfPE4DxkXGEs8V' : 'bxLdikRXVbTPdHSM05e5u', 64, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
  sim.jsapiTickets.set(key, { ticket, expiresAt: now + WECOM_LIMITS.tokenExpiresInSeconds * 1000 });
  return { ticket, expires_in: WECOM_LIMITS.tokenExpiresInSeconds };
}

Object.assign(routes, {
  'auth/getuserinfo': {
    method: 'GET',
    auth: true,
    fn: (sim, q) => {
      const c = q.code ? sim.oauthCodes.get(q.code) : undefined;
      if (!c || c.used) fail(40029, 'invalid code');
      if (c!.expiresAt <= sim.now()) fail(42003, 'code expired');
      c!.used = true;
      return { userid: c!.userid };
    },
  },
  get_jsapi_ticket: { method: 'GET', auth: true, fn: (sim, q) => jsapiTicket(sim, q, 'corp') },
  'ticket/get': {
    method: 'GET',
    auth: true,
    fn: (sim, q) => {
      if (q.type !== 'agent_config') fail(40058, 'invalid type');
      return jsapiTicket(sim, q, 'agent');
    },
  },
  'message/send': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ touser: str, msgtype: z.literal('text'), agentid: num.int(), text: z.object({ content: str.min(1) }) }), body);
      const app = sim.state.apps.find((a) => a.agentId === b.agentid);
      if (!app) fail(40056, 'invalid agentid');
      const users = b.touser.split('|').filter(Boolean);
      const invalid = users.filter((u) => !sim.state.staff.has(u));
      const valid = users.filter((u) => sim.state.staff.has(u));
      if (valid.length === 0) fail(81013, 'all touser invalid');
      sim.appMessages.push({ touser: valid, agentid: b.agentid, content: b.text.content, at: sim.now() });
      return { invaliduser: invalid.join('|'), msgid: sim.state.newId('', 24) };
    },
  },
} satisfies Record<string, Route>);

// ---- customer transfer (在职继承 / 离职继承, wecom-api.md 7) ------------------------------------------------------------
// Choices where the docs are silent: a customer inside the 90-day protection period or already assigned twice
// (on-job) → per-customer 40128; a customer whose transfer is still waiting → 40129; no relation with the handover
// member → 84061; a takeover member not activated or without customer contact → 40098 for the whole call.

const DAY_S = 86_400;

function transferCustomer(sim: SimApiHost, body: unknown, kind: 'on_job' | 'resigned'): Json {
  const st = sim.state;
  const b = parseBody(
    z.object({ handover_userid: str, takeover_userid: str, external_userid: strArr, transfer_success_msg: str.optional() }),
    body,
  );
  if (b.external_userid.length === 0 || b.external_userid.length > WECOM_LIMITS.transferBatch) fail(40058, `external_userid must hold 1..${WECOM_LIMITS.transferBatch} ids`);
  if (b.transfer_success_msg !== undefined && chars(b.transfer_success_msg) > WECOM_LIMITS.transferMessageChars) fail(40058, 'transfer_success_msg exceeds 200 characters');
  const from = st.staff.get(b.handover_userid);
  const to = st.staff.get(b.takeover_userid);
  if (!from) fail(40003, 'invalid handover_userid');
  if (!to) fail(40003, 'invalid takeover_userid');
  if (b.handover_userid === b.takeover_userid) fail(40058, 'handover and takeover are the same member');
  if (kind === 'resigned' && from!.status !== 5) fail(40058, 'handover member has not resigned');
  if (kind === 'on_job' && from!.status === 5) fail(40058, 'handover member has resigned: use resigned/transfer_customer');
  if (to!.status !== 1 || !to!.customerContact) fail(40098, 'takeover member is not activated, verified or enabled for customer contact');
  const nowMs = sim.now();
  const nowS = Math.floor(nowMs / 1000);
  const customer = b.external_userid.map((euid) => {
    const errcode = transferCheck(sim, kind, b.handover_userid, euid, nowS);
    if (errcode === 0) {
      st.transfers.push({ kind, handover_userid: b.handover_userid, takeover_userid: b.takeover_userid, external_userid: euid, status: 2, takeover_time: nowS + WECOM_LIMITS.transferTakeoverHours * 3600, created_at: nowMs });
    }
    return { external_userid: euid, errcode };
  });
  return { customer };
}

function transferCheck(sim: SimApiHost, kind: 'on_job' | 'resigned', handover: string, euid: string, nowS: number): number {
  const st = sim.state;
  if (!st.customers.has(euid)) return 40096;
  if (!st.getFollow(handover, euid)) return 84061;
  const mine = st.transfers.filter((t) => t.external_userid === euid);
  if (mine.some((t) => t.status === 2)) return 40129;
  const done = mine.filter((t) => t.status === 1);
  if (done.some((t) => nowS - t.takeover_time < WECOM_LIMITS.transferProtectionDays * DAY_S)) return 40128;
  if (kind === 'on_job' && done.filter((t) => t.kind === 'on_job').length >= WECOM_LIMITS.onJobTransfersPerCustomer) return 40128;
  return 0;
}

function transferResult(sim: SimApiHost, body: unknown, kind: 'on_job' | 'resigned'): Json {
  const b = parseBody(z.object({ handover_userid: str, takeover_userid: str, cursor: str.optional() }), body);
  sim.settleTransfers();
  // The latest transfer per customer for this pair.
  const latest = new Map<string, (typeof sim.state.transfers)[number]>();
  for (const t of sim.state.transfers) if (t.kind === kind && t.handover_userid === b.handover_userid && t.takeover_userid === b.takeover_userid) latest.set(t.external_userid, t);
  const all = [...latest.values()];
  const start = decodeCursor('transfer', b.cursor)?.a ?? 0;
  const page = all.slice(start, start + WECOM_LIMITS.transferResultPageSize);
  const end = start + page.length;
  return {
    customer: page.map((t) => ({ external_userid: t.external_userid, status: t.status, takeover_time: t.takeover_time })),
    next_cursor: end < all.length ? encodeCursor('transfer', end, 0) : '',
  };
}

function unassignedList(sim: SimApiHost, body: unknown): Json {
  const b = parseBody(z.object({ page_id: num.int().optional(), cursor: str.optional(), page_size: num.int().optional() }), body);
  const size = b.page_size === undefined || b.page_size <= 0 || b.page_size > WECOM_LIMITS.unassignedPageSize ? WECOM_LIMITS.unassignedPageSize : b.page_size;
  const st = sim.state;
  const assigned = new Set(st.transfers.filter((t) => t.kind === 'resigned' && (t.status === 1 || t.status === 2)).map((t) => `${t.handover_userid}|${t.external_userid}`));
  const all: Json[] = [];
  for (const [userid, at] of st.dimission) {
    for (const f of st.followsByUser.get(userid) ?? []) {
      if (!assigned.has(`${userid}|${f.external_userid}`)) all.push({ handover_userid: userid, external_userid: f.external_userid, dimission_time: at });
    }
  }
  const start = b.cursor ? (decodeCursor('unassigned', b.cursor)?.a ?? 0) : (b.page_id ?? 0) * size;
  const page = all.slice(start, start + size);
  const end = start + page.length;
  const out: Json = { info: page, is_last: end >= all.length };
  if (b.page_id === undefined) out.next_cursor = end < all.length ? encodeCursor('unassigned', end, 0) : '';
  return out;
}

Object.assign(routes, {
  'externalcontact/transfer_customer': { method: 'POST', auth: true, fn: (sim, _q, body) => transferCustomer(sim, body, 'on_job') },
  'externalcontact/resigned/transfer_customer': { method: 'POST', auth: true, fn: (sim, _q, body) => transferCustomer(sim, body, 'resigned') },
  'externalcontact/transfer_result': { method: 'POST', auth: true, fn: (sim, _q, body) => transferResult(sim, body, 'on_job') },
  'externalcontact/resigned/transfer_result': { method: 'POST', auth: true, fn: (sim, _q, body) => transferResult(sim, body, 'resigned') },
  'externalcontact/get_unassigned_list': { method: 'POST', auth: true, fn: (sim, _q, body) => unassignedList(sim, body) },
} satisfies Record<string, Route>);

// ---- moments (客户朋友圈, wecom-api.md 12) ------------------------------------------------------------------------------
// Choices where the docs are silent: mixed attachment kinds, 2+ videos or links → 41065; more than 9 images → 41064;
// an unknown jobid or moment_id → 40058. Invalid senders (unknown, not activated, or without customer contact) and
// unknown tags do not fail the job: they are listed in its result, as documented.

const momentAttachment = z.looseObject({ msgtype: z.enum(['image', 'video', 'link']) });

function addMomentTask(sim: SimApiHost, body: unknown): Json {
  const st = sim.state;
  const b = parseBody(
    z.object({
      text: z.object({ content: str }).optional(),
      attachments: z.array(z.looseObject({ msgtype: str })).optional(),
      visible_range: z
        .object({
          sender_list: z.object({ user_list: strArr.optional(), department_list: z.array(num.int()).optional() }).optional(),
          external_contact_list: z.object({ tag_list: strArr.optional() }).optional(),
        })
        .optional(),
    }),
    body,
  );
  const att = b.attachments ?? [];
  if (!b.text?.content && att.length === 0) fail(40058, 'text and attachments are both empty');
  if (b.text && chars(b.text.content) > WECOM_LIMITS.momentTextChars) fail(40058, 'text.content exceeds 2000 characters');
  for (const a of att) if (!momentAttachment.safeParse(a).success || typeof a[a.msgtype] !== 'object') fail(41065, `invalid attachment type ${a.msgtype}`);
  const kinds = new Set(att.map((a) => a.msgtype));
  if (kinds.size > 1) fail(41065, 'attachments must be images, one video or one link');
  if (kinds.has('image') && att.length > WECOM_LIMITS.momentImages) fail(41064, 'at most 9 images');
  if ((kinds.has('video') || kinds.has('link')) && att.length > 1) fail(41065, 'only one video or one link');
  const users = b.visible_range?.sender_list?.user_list ?? [];
  const depts = b.visible_range?.sender_list?.department_list ?? [];
  if (users.length > WECOM_LIMITS.momentSenders) fail(40058, 'user_list exceeds 100000');
  const tags = [...new Set(b.visible_range?.external_contact_list?.tag_list ?? [])];
  const validTags = tags.filter((t) => st.tags.get(t)?.deleted === false);
  const invalidTags = tags.filter((t) => !validTags.includes(t));
  const usable = (u: string) => {
    const s = st.staff.get(u);
    return s !== undefined && s.status === 1 && s.customerContact;
  };
  const named = [...new Set([...users, ...[...st.staff.values()].filter((u) => u.department.some((d) => depts.includes(d))).map((u) => u.userid)])];
  const inRange = (f: SimFollow) => !f.deletedByCustomer && (validTags.length === 0 || f.tag_ids.some((t) => validTags.includes(t)));
  let senders: string[];
  if (named.length > 0) senders = named.filter(usable);
  else if (tags.length > 0) senders = [...new Set(validTags.length ? [...st.followsByUser.values()].flat().filter(inRange).map((f) => f.userid) : [])].filter(usable);
  else senders = [...st.staff.values()].filter((u) => usable(u.userid)).map((u) => u.userid);
  const nowMs = sim.now();
  const m: SimMoment = {
    moment_id: st.newId('mom', 28),
    create_time: Math.floor(nowMs / 1000),
    attachments: att,
    tag_ids: validTags,
    senders: new Map(senders.map((u) => [u, { publish_status: 0 as const, customers: (st.followsByUser.get(u) ?? []).filter(inRange).map((f) => f.external_userid), shown: [] as string[] }])),
    interactions: [],
    cancelled: false,
  };
  if (b.text) m.text = { content: b.text.content };
  st.moments.set(m.moment_id, m);
  const jobid = st.newId('job', 28);
  st.momentJobs.set(jobid, { jobid, created_at: nowMs, moment_id: m.moment_id, invalid_senders: named.filter((u) => !usable(u)), invalid_tags: invalidTags });
  return { jobid };
}

function requireMoment(sim: SimApiHost, id: string): SimMoment {
  const m = sim.state.moments.get(id);
  if (!m) fail(40058, 'invalid moment_id');
  return m!;
}

function page<T>(kind: string, all: T[], cursor: string | undefined, limit: number | undefined, max: number): { items: T[]; next_cursor: string } {
  const size = limit === undefined || limit <= 0 || limit > max ? max : limit;
  const start = decodeCursor(kind, cursor)?.a ?? 0;
  const items = all.slice(start, start + size);
  const end = start + items.length;
  return { items, next_cursor: end < all.length ? encodeCursor(kind, end, 0) : '' };
}

const momentPageBody = z.object({ moment_id: str, userid: str.optional(), cursor: str.optional(), limit: num.int().optional() });

Object.assign(routes, {
  'externalcontact/add_moment_task': { method: 'POST', auth: true, fn: (sim, _q, body) => addMomentTask(sim, body) },
  'externalcontact/get_moment_task_result': {
    method: 'GET',
    auth: true,
    fn: (sim, q) => {
      const job = sim.state.momentJobs.get(q.jobid ?? '');
      if (!job) fail(40058, 'invalid jobid');
      if (sim.now() - job!.created_at < sim.config.momentJobMs) return { status: 2, type: 'add_moment_task' };
      return {
        status: 3,
        type: 'add_moment_task',
        result: { errcode: 0, errmsg: 'ok', moment_id: job!.moment_id, invalid_sender_list: { user_list: job!.invalid_senders, department_list: [] }, invalid_external_contact_list: { tag_list: job!.invalid_tags } },
      };
    },
  },
  'externalcontact/get_moment_task': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(momentPageBody, body);
      const m = requireMoment(sim, b.moment_id);
      const p = page('momtask', [...m.senders.entries()], b.cursor, b.limit, WECOM_LIMITS.momentTaskPageSize);
      return { task_list: p.items.map(([userid, s]) => ({ userid, publish_status: s.publish_status })), next_cursor: p.next_cursor };
    },
  },
  'externalcontact/get_moment_customer_list': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(momentPageBody.extend({ userid: str }), body);
      const s = requireMoment(sim, b.moment_id).senders.get(b.userid);
      const p = page('momcust', s?.customers ?? [], b.cursor, b.limit, WECOM_LIMITS.momentCustomerPageSize);
      return { customer_list: p.items.map((eid) => ({ userid: b.userid, external_userid: eid })), next_cursor: p.next_cursor };
    },
  },
  'externalcontact/get_moment_send_result': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(momentPageBody.extend({ userid: str }), body);
      const s = requireMoment(sim, b.moment_id).senders.get(b.userid);
      const p = page('momsent', s?.shown ?? [], b.cursor, b.limit, WECOM_LIMITS.momentSendResultPageSize);
      return { customer_list: p.items.map((eid) => ({ external_userid: eid })), next_cursor: p.next_cursor };
    },
  },
  'externalcontact/get_moment_comments': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ moment_id: str, userid: str }), body);
      const all = requireMoment(sim, b.moment_id).interactions.filter((i) => i.userid === b.userid);
      const j = (i: (typeof all)[number]) => ({ external_userid: i.external_userid, create_time: i.create_time });
      return { comment_list: all.filter((i) => i.kind === 'comment').map(j), like_list: all.filter((i) => i.kind === 'like').map(j) };
    },
  },
  'externalcontact/cancel_moment_task': {
    method: 'POST',
    auth: true,
    fn: (sim, _q, body) => {
      const b = parseBody(z.object({ moment_id: str }), body);
      requireMoment(sim, b.moment_id).cancelled = true;
      return {};
    },
  },
} satisfies Record<string, Route>);

/** API names the simulator implements (paths under /cgi-bin/). */
export const SIMULATED_APIS: readonly string[] = Object.keys(routes);

function requireRelation(sim: SimApiHost, userid: string, externalUserid: string): SimFollow {
  if (!sim.state.staff.has(userid)) fail(40003, 'invalid userid');
  if (!sim.state.customers.has(externalUserid)) fail(40096, 'invalid external userid');
  const f = sim.state.getFollow(userid, externalUserid);
  if (!f) fail(84061, 'not external contact');
  return f!;
}

function requireTask(sim: SimApiHost, msgid: string): SimMassTask {
  const t = sim.state.massTasks.get(msgid);
  if (!t) fail(40058, 'invalid msgid');
  if (sim.isDispatching(t!)) fail(41063, 'mass message is still being dispatched');
  return t!;
}

function clampTaskLimit(limit: number | undefined): number {
  if (limit === undefined || limit <= 0) return WECOM_LIMITS.groupMsgTaskDefaultPageSize;
  return Math.min(WECOM_LIMITS.groupMsgTaskPageSize, limit);
}

function recipientJson(r: SimMassRecipient): Json {
  const o: Json = { userid: r.userid, status: r.status };
  if (r.external_userid !== undefined) o.external_userid = r.external_userid;
  if (r.chat_id !== undefined) o.chat_id = r.chat_id;
  if (r.status === 1 && r.send_time !== undefined) o.send_time = r.send_time;
  return o;
}

interface AddMsgTemplateBody {
  chat_type?: 'single' | 'group' | undefined;
  external_userid?: string[] | undefined;
  chat_id_list?: string[] | undefined;
  tag_filter?: { group_list: { tag_list: string[] }[] } | undefined;
  sender?: string | undefined;
  allow_select?: boolean | undefined;
  text?: { content: string } | undefined;
  attachments?: { msgtype: string; [k: string]: unknown }[] | undefined;
}

function addMsgTemplate(sim: SimApiHost, b: AddMsgTemplateBody): Json {
  const st = sim.state;
  const chatType = b.chat_type ?? 'single';
  if (!b.text && !(b.attachments && b.attachments.length > 0)) fail(40058, 'text and attachments are both empty');
  if (b.text && utf8Bytes(b.text.content) > WECOM_LIMITS.massMessageTextBytes) fail(40058, 'text.content exceeds 4000 bytes');
  checkAttachments(b.attachments, sim);
  if (b.sender !== undefined && !st.staff.has(b.sender)) fail(40003, 'invalid sender');
  const groups = b.tag_filter?.group_list ?? [];
  for (const g of groups) if (g.tag_list.length > 100) fail(40058, 'at most 100 tags per tag_filter entry');

  const fail_list: string[] = [];
  const recipients: SimMassRecipient[] = [];
  if (chatType === 'single') {
    const ids = b.external_userid ?? [];
    if (ids.length > WECOM_LIMITS.massMessageRecipients) fail(40058, `external_userid exceed max length ${WECOM_LIMITS.massMessageRecipients}`);
    if (ids.length === 0 && !b.sender) fail(40058, 'external_userid and sender are both empty');
    if ((b.chat_id_list?.length ?? 0) > 0) fail(40058, 'chat_id_list is only for chat_type group');
    const candidates = ids.length > 0 ? [...new Set(ids)] : (st.followsByUser.get(b.sender!) ?? []).map((f) => f.external_userid);
    const matchesTags = (f: SimFollow) => groups.every((g) => g.tag_list.some((t) => f.tag_ids.includes(t)));
    for (const euid of candidates) {
      const rels = st.followsByCustomer.get(euid) ?? [];
      const f = b.sender ? rels.find((r) => r.userid === b.sender) : (rels.find((r) => !r.deletedByCustomer) ?? rels[0]);
      if (!f) {
        fail_list.push(euid);
        continue;
      }
      if (!matchesTags(f)) continue;
      recipients.push({ external_userid: euid, userid: f.userid, status: 0 });
    }
  } else {
    if (!b.sender) fail(40058, 'sender is required for chat_type group');
    const chatIds = b.chat_id_list ?? [];
    if (chatIds.length > WECOM_LIMITS.massMessageChats) fail(40058, `chat_id_list exceed max length ${WECOM_LIMITS.massMessageChats}`);
    if (chatIds.length > 0) {
      for (const id of new Set(chatIds)) {
        const g = st.groupChats.get(id);
        if (!g || g.dismissed || g.owner !== b.sender) fail_list.push(id);
        else recipients.push({ chat_id: id, userid: g.owner, status: 0 });
      }
    } else {
      for (const g of st.groupChats.values()) if (!g.dismissed && g.owner === b.sender) recipients.push({ chat_id: g.chat_id, userid: g.owner, status: 0 });
    }
  }
  const task: SimMassTask = {
    msgid: st.newId('msg', 28),
    chat_type: chatType,
    create_type: 0,
    create_time: Math.floor(sim.now() / 1000),
    attachments: b.attachments ?? [],
    allow_select: b.allow_select ?? false,
    senders: new Map(),
    recipients,
    reminds: [],
    cancelled: false,
  };
  if (b.text) task.text = { content: b.text.content };
  for (const r of recipients) if (!task.senders.has(r.userid)) task.senders.set(r.userid, { status: 0 });
  st.massTasks.set(task.msgid, task);
  sim.taskCreatedAt.set(task.msgid, sim.now());
  if (sim.config.autoSendMassMessages) sim.sendMassMessage(task.msgid);
  else sim.scheduleClerks(task);
  return { fail_list, msgid: task.msgid };
}

/** The receive cap that applies at `timeMs` (days in the month unless configured). */
export function receiveCapAt(sim: SimApiHost, timeMs: number): number {
  const c = sim.config.monthlyReceiveCap;
  return c === undefined ? daysInMonth(timeMs) : typeof c === 'number' ? c : c(timeMs);
}

function normalizeQuery(q: SimRequest['query']): Record<string, string | undefined> {
  if (!q) return {};
  if (q instanceof URLSearchParams) return Object.fromEntries(q.entries());
  return q;
}

function normalizeApi(path: string): string {
  const p = path.split('?')[0]!.replace(/^\/+/, '');
  return p.startsWith('cgi-bin/') ? p.slice('cgi-bin/'.length) : p;
}

/** Handles one request against the simulator. Never throws. */
export function handleRequest(sim: SimApiHost, req: SimRequest): SimResponse {
  const api = normalizeApi(req.path);
  const now = sim.now();
  sim.requestCount.set(api, (sim.requestCount.get(api) ?? 0) + 1);
  const route = routes[api];
  const answer = (errcode: number, errmsg: string): SimResponse => ({ status: 200, json: { errcode, errmsg: errmsgFor(errcode, errmsg, now) }, api });
  if (!route) return { status: 404, json: { errcode: 404, errmsg: 'not found' }, api };

  // Injected faults first: they model the network and WeCom's front end.
  const fault = sim.takeFault(api);
  if (fault) {
    if (fault.kind === 'network') return { status: 0, json: null, fault: 'network', api };
    if (fault.kind === 'http') return { status: fault.status ?? 503, json: { message: 'Service Unavailable' }, api };
    return answer(fault.errcode ?? -1, fault.errcode === undefined || fault.errcode === -1 ? 'system busy' : 'injected error');
  }
  if (!sim.allowRate(api, now)) return answer(45009, 'api freq out of limit');

  const method = req.method.toUpperCase();
  if (route.method === 'POST' && method !== 'POST') return answer(43002, 'require POST method');
  if (route.method === 'GET' && method !== 'GET') return answer(43001, 'require GET method');

  const q = normalizeQuery(req.query);
  let body: unknown = undefined;
  if (route.multipart) {
    const raw = req.body;
    body = { contentType: req.headers?.['content-type'], bytes: raw instanceof Uint8Array ? raw : typeof raw === 'string' ? Buffer.from(raw, 'utf8') : new Uint8Array() };
  } else if (route.method === 'POST') {
    if (typeof req.body === 'string') {
      if (req.body.trim() === '') body = {};
      else {
        try {
          body = JSON.parse(req.body) as unknown;
        } catch {
          return answer(47001, 'data format error');
        }
      }
    } else body = req.body ?? {};
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return answer(47001, 'data format error');
  }
  try {
    if (route.auth) {
      if (!q.access_token && body && typeof body === 'object' && 'access_token' in body) fail(41001, 'access_token missing (it must be in the URL)');
      authorize(sim, q);
    }
    const data = route.fn(sim, q, body);
    return { status: 200, json: { errcode: 0, errmsg: 'ok', ...data }, api };
  } catch (e) {
    if (e instanceof ApiFailure) return answer(e.errcode, e.errmsg);
    return { status: 500, json: { errcode: -1, errmsg: e instanceof Error ? e.message : 'internal error' }, api };
  }
}
