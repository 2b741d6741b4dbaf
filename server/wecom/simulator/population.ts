/**
 * Deterministic synthetic enterprises for the simulator, demo and benchmarks: same options + seed → same data.
 * Scales to 100,000 customers in well under 2 s (one pass, no per-item allocation beyond the records).
 */
import { ALNUM, ALNUM_ID, mulberry32, randomString, type PopulationData, type SimCustomer, type SimFollow, type SimGroupChat, type SimGroupMember, type SimStaff, type SimTag, type SimTagGroup } from './state';

export interface StaffSeed {
  userid: string;
  name: string;
  department?: number[];
  position?: string;
}

export interface TagGroupSeed {
  name: string;
  tags: string[];
}

export interface PopulationOptions {
  seed: number;
  /** Staff with the customer-contact feature. Default: 12 generated clerks. */
  staff?: StaffSeed[];
  customers: number;
  corpId?: string;
  /** App secrets; default one generated secret. */
  secrets?: string[];
  /** Share of customers followed by 2–3 clerks. Default 0.15. */
  multiFollowShare?: number;
  /** Share of WeChat customers whose unionid is visible. Default 0.7. */
  unionidShare?: number;
  /** Share of relations with remark_mobiles. Default 0.25. */
  remarkMobileShare?: number;
  /** Group chats; default scales with customers (a few hundred for large populations). */
  groupChats?: number;
  tagGroups?: TagGroupSeed[];
  /** "Now" for createtime spreads, ms. Default 2025-11-01T00:00:00+08:00 so output does not depend on the clock. */
  now?: number;
  /** Relations are created over this many days before now. Default 730. */
  historyDays?: number;
}

export const DEFAULT_TAG_GROUPS: TagGroupSeed[] = [
  { name: '客户等级', tags: ['普通会员', '银卡会员', '金卡会员', '钻石会员'] },
  { name: '兴趣偏好', tags: ['护肤', '彩妆', '母婴', '零食', '生鲜', '数码', '服饰', '家居'] },
  { name: '生命周期', tags: ['新客', '活跃', '沉睡', '流失风险', '已流失'] },
  { name: '来源渠道', tags: ['门店扫码', '朋友圈广告', '小程序', '老客推荐', '直播间'] },
];

const DEFAULT_NOW = Date.UTC(2025, 9, 31, 16, 0, 0); // 2025-11-01 00:00 Asia/Shanghai

// Surnames roughly in frequency order; the picker favours the front of the list.
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁欣怡梓涵子轩一诺雨桐思彤浩然佳琪梦瑶晨曦若曦嘉怡欣妍雅静诗涵紫萱';
const NICKNAMES = ['小雨', '阳光', '快乐每一天', 'Lily', 'Coco', '🌸花花', '静待花开', '晴天', 'Momo', '岁月静好', '安然', 'Amy', '小鱼儿', '向日葵', 'Vivian', '知足常乐', '橙子', 'Grace', '糖糖', '木子'];
const COMPANIES = ['上海明远贸易有限公司', '杭州云帆科技有限公司', '广州悦达商贸有限公司', '成都锦程供应链有限公司', '北京华信咨询有限公司'];
const POSITIONS = ['采购经理', '店长', '运营主管', '销售总监', '行政'];
const REMARK_SUFFIX = ['', '-会员', '-老客', '-VIP', '(门店)', '-宝妈', '-团购'];
const DESCRIPTIONS = ['', '', '', '喜欢新品', '生日在月底', '周末到店', '价格敏感', '常买母婴', '偏好线上下单'];
const STAFF_GIVEN_PINYIN: [string, string][] = [
  ['伟', 'wei'], ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['强', 'qiang'], ['磊', 'lei'],
  ['军', 'jun'], ['洋', 'yang'], ['艳', 'yan'], ['杰', 'jie'], ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['霞', 'xia'],
];
const STAFF_SURNAME_PINYIN: [string, string][] = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'], ['赵', 'zhao'],
  ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'], ['朱', 'zhu'], ['胡', 'hu'], ['郭', 'guo'],
];

/** add_way codes with weights (QR scans dominate in retail). */
const ADD_WAYS: [number, number][] = [
  [1, 55], [2, 9], [3, 8], [4, 7], [5, 4], [6, 5], [16, 3], [201, 5], [202, 4],
];
const ADD_WAY_TOTAL = ADD_WAYS.reduce((a, [, w]) => a + w, 0);

/** Deterministic staff list: pinyin userids (zhangwei, zhangwei2, …) with matching Chinese names. */
export function generateStaff(count: number, seed = 1): StaffSeed[] {
  const rand = mulberry32(seed ^ 0x57aff);
  const used = new Map<string, number>();
  const out: StaffSeed[] = [];
  for (let i = 0; i < count; i++) {
    const [sc, sp] = STAFF_SURNAME_PINYIN[Math.floor(rand() * STAFF_SURNAME_PINYIN.length)]!;
    const [gc, gp] = STAFF_GIVEN_PINYIN[Math.floor(rand() * STAFF_GIVEN_PINYIN.length)]!;
    const base = sp + gp;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    out.push({ userid: n === 1 ? base : `${base}${n}`, name: sc + gc, department: [2 + (i % 8)], position: i % 10 === 0 ? '店长' : '导购' });
  }
  return out;
}

/** Draws from one seeded generator: `rand()` in [0, 1) and a uniform `pick` from a list (one draw). */
export interface Draw {
  rand: () => number;
  pick: <T>(xs: readonly T[]) => T;
}

/** A {@link Draw} over `rand`. */
export function drawFrom(rand: () => number): Draw {
  return { rand, pick: <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]! };
}

/** A code from a `[code, weight]` table whose weights sum to `total` (one draw; the first code if none is hit). */
export function weightedCode(rand: () => number, table: readonly [number, number][], total: number): number {
  let r = rand() * total;
  for (const [code, w] of table) {
    if ((r -= w) < 0) return code;
  }
  return table[0]![0];
}

/** Skewed clerk weights (some clerks own many more customers than others) and a picker of a clerk's index by them. */
function staffPicker(rand: () => number, staffCount: number): () => number {
  const weights = Array.from({ length: staffCount }, () => 0.3 + rand() * rand() * 3);
  const cum: number[] = [];
  let acc = 0;
  for (const w of weights) cum.push((acc += w));
  return (): number => {
    const x = rand() * acc;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Corp tag groups and their tags, created before the history starts; `idsByGroup` lists each group's tag ids. */
function generateTags(rand: () => number, groupSeeds: TagGroupSeed[], nowS: number, historyS: number): { tagGroups: SimTagGroup[]; tags: SimTag[]; idsByGroup: string[][] } {
  const tagGroups: SimTagGroup[] = [];
  const tags: SimTag[] = [];
  const tagIdsByGroup: string[][] = [];
  groupSeeds.forEach((g, gi) => {
    const create = nowS - historyS - 86_400 * (groupSeeds.length - gi);
    const group: SimTagGroup = { group_id: 'et' + randomString(rand, 22, ALNUM_ID), group_name: g.name, create_time: create, order: (groupSeeds.length - gi) * 10, deleted: false, tag_ids: [] };
    const ids: string[] = [];
    g.tags.forEach((name, ti) => {
      const t: SimTag = { id: 'et' + randomString(rand, 22, ALNUM_ID), group_id: group.group_id, name, create_time: create + ti, order: (g.tags.length - ti) * 10, deleted: false };
      tags.push(t);
      group.tag_ids.push(t.id);
      ids.push(t.id);
    });
    tagGroups.push(group);
    tagIdsByGroup.push(ids);
  });
  return { tagGroups, tags, idsByGroup: tagIdsByGroup };
}

/** What the customers' generation needs besides the generator: options, clerks, tags and the time frame. */
interface PopulationFrame {
  staff: SimStaff[];
  pickStaffIdx: () => number;
  nowS: number;
  historyS: number;
  multiShare: number;
  unionShare: number;
  mobileShare: number;
  stores: number;
  levelTags: string[];
  interestTags: string[];
  lifecycleTags: string[];
  sourceTags: string[];
}

/** One contact (WeChat or WeCom-corp), with an external_userid not used before; `realName` feeds the remarks. */
function generateCustomer({ rand, pick }: Draw, seenIds: Set<string>, unionShare: number): { c: SimCustomer; realName: string } {
  const type: 1 | 2 = rand() < 0.97 ? 1 : 2;
  let external_userid: string;
  do external_userid = (type === 1 ? 'wm' : 'wo') + randomString(rand, 30, ALNUM_ID);
  while (seenIds.has(external_userid));
  seenIds.add(external_userid);
  const gender: 0 | 1 | 2 = rand() < 0.08 ? 0 : rand() < 0.68 ? 2 : 1;
  const realName = SURNAMES[Math.min(SURNAMES.length - 1, Math.floor(rand() * rand() * SURNAMES.length))]! + GIVEN[Math.floor(rand() * GIVEN.length)]! + (rand() < 0.6 ? GIVEN[Math.floor(rand() * GIVEN.length)]! : '');
  const name = type === 1 && rand() < 0.35 ? pick(NICKNAMES) : realName;
  const c: SimCustomer = {
    external_userid,
    name,
    type,
    gender,
    avatar: `https://wx.qlogo.cn/mmhead/${external_userid.slice(2)}/0`,
  };
  if (type === 1 && rand() < unionShare) c.unionid = 'o' + randomString(rand, 5, ALNUM) + randomString(rand, 22, ALNUM_ID);
  if (type === 2) {
    c.corp_name = pick(COMPANIES).slice(2, 6);
    c.corp_full_name = pick(COMPANIES);
    c.position = pick(POSITIONS);
  }
  return { c, realName };
}

/** A customer's tags on one relation: maybe a level, up to two interests, maybe a lifecycle and a source tag. */
function followTags({ rand, pick }: Draw, fr: PopulationFrame): string[] {
  const { levelTags, interestTags, lifecycleTags, sourceTags } = fr;
  const tag_ids: string[] = [];
  if (levelTags.length && rand() < 0.7) tag_ids.push(levelTags[Math.min(levelTags.length - 1, Math.floor(rand() * rand() * levelTags.length))]!);
  const interests = Math.floor(rand() * 3);
  for (let j = 0; j < interests && interestTags.length; j++) {
    const t = pick(interestTags);
    if (!tag_ids.includes(t)) tag_ids.push(t);
  }
  if (lifecycleTags.length && rand() < 0.6) tag_ids.push(pick(lifecycleTags));
  if (sourceTags.length && rand() < 0.3) tag_ids.push(pick(sourceTags));
  return tag_ids;
}

/** The relation of the customer with its k-th clerk (`first` = when the first clerk added them). */
function generateFollow(draw: Draw, fr: PopulationFrame, c: SimCustomer, realName: string, userid: string, k: number, first: number): Omit<SimFollow, 'seq'> {
  const { rand, pick } = draw;
  const { external_userid, type } = c;
  const add_way = weightedCode(rand, ADD_WAYS, ADD_WAY_TOTAL);
  const customerInitiated = add_way === 1 || add_way === 4 || add_way === 16;
  const oper_userid = add_way === 201 || add_way === 202 ? fr.staff[fr.pickStaffIdx()]!.userid : customerInitiated ? external_userid : userid;
  const tag_ids = followTags(draw, fr);
  const remark_mobiles = rand() < fr.mobileShare ? ['1' + pick(['3', '5', '7', '8', '9']) + String(Math.floor(rand() * 1e9)).padStart(9, '0')] : [];
  const f: Omit<SimFollow, 'seq'> = {
    userid,
    external_userid,
    remark: rand() < 0.45 ? realName + pick(REMARK_SUFFIX) : '',
    description: pick(DESCRIPTIONS),
    createtime: Math.min(fr.nowS, first + k * Math.floor(rand() * 30 * 86_400)),
    remark_mobiles,
    oper_userid,
    add_way,
    tag_ids,
    deletedByCustomer: rand() < 0.02,
  };
  if (add_way === 1) f.state = rand() < 0.8 ? `store_${String(1 + Math.floor(rand() * fr.stores)).padStart(4, '0')}` : pick(['poster_618', 'double11_2024', 'member_day']);
  if (type === 2) f.remark_corp_name = c.corp_name ?? '';
  return f;
}

/** `n` customers, each followed by one clerk (2–3 for a share of them); `byStaff` lists each clerk's customers. */
function generateCustomers(draw: Draw, fr: PopulationFrame, n: number): { customers: SimCustomer[]; follows: Omit<SimFollow, 'seq'>[]; byStaff: number[][] } {
  const { rand } = draw;
  const { staff } = fr;
  const customers: SimCustomer[] = new Array<SimCustomer>(n);
  const follows: Omit<SimFollow, 'seq'>[] = [];
  const customersByStaff: number[][] = staff.map(() => []);
  const seenIds = new Set<string>();
  for (let i = 0; i < n; i++) {
    const { c, realName } = generateCustomer(draw, seenIds, fr.unionShare);
    customers[i] = c;

    const clerkCount = staff.length > 1 && rand() < fr.multiShare ? Math.min(staff.length, rand() < 0.7 ? 2 : 3) : 1;
    const clerks: number[] = [];
    while (clerks.length < clerkCount) {
      const s = fr.pickStaffIdx();
      if (!clerks.includes(s)) clerks.push(s);
    }
    const first = fr.nowS - Math.floor(rand() * fr.historyS);
    for (let k = 0; k < clerks.length; k++) {
      const si = clerks[k]!;
      follows.push(generateFollow(draw, fr, c, realName, staff[si]!.userid, k, first));
      customersByStaff[si]!.push(i);
    }
  }
  return { customers, follows, byStaff: customersByStaff };
}

/** Group chats owned by clerks, their members mostly the owner's own customers (sometimes a second clerk). */
function generateGroupChats(draw: Draw, fr: PopulationFrame, customers: SimCustomer[], customersByStaff: number[][], chatCount: number): SimGroupChat[] {
  const { rand, pick } = draw;
  const { staff, pickStaffIdx, nowS, historyS } = fr;
  const n = customers.length;
  const groupChats: SimGroupChat[] = [];
  const groupNames = ['会员福利群', '新品尝鲜群', '宝妈交流群', '门店VIP群', '周末秒杀群', '老客回馈群'];
  for (let g = 0; g < chatCount && staff.length > 0; g++) {
    const oi = pickStaffIdx();
    const owner = staff[oi]!;
    const create_time = nowS - Math.floor(rand() * historyS);
    const members: SimGroupMember[] = [{ userid: owner.userid, type: 1, join_time: create_time, join_scene: 1, group_nickname: '', name: owner.name }];
    if (staff.length > 1 && rand() < 0.5) {
      const other = staff[pickStaffIdx()]!;
      if (other.userid !== owner.userid) members.push({ userid: other.userid, type: 1, join_time: create_time + 60, join_scene: 1, invitor: { userid: owner.userid }, group_nickname: '', name: other.name });
    }
    const pool = customersByStaff[oi]!.length > 0 ? customersByStaff[oi]! : null;
    const size = Math.min(n, 10 + Math.floor(rand() * rand() * 190));
    const inGroup = new Set<number>();
    for (let k = 0; k < size * 2 && inGroup.size < size; k++) inGroup.add(pool && rand() < 0.85 ? pool[Math.floor(rand() * pool.length)]! : Math.floor(rand() * n));
    for (const ci of inGroup) {
      const c = customers[ci]!;
      members.push(customerMember(rand, c, owner.userid, create_time, nowS - create_time, () => (rand() < 0.1 ? c.name : '')));
    }
    groupChats.push(ownedGroupChat(rand, 'wr' + randomString(rand, 30, ALNUM_ID), `${owner.name}的${pick(groupNames)}${g + 1}`, owner.userid, create_time, members));
  }
  return groupChats;
}

/**
 * A customer in `owner`'s group chat: the scene (1 invited by the owner, 2 by link, 3 by QR code), then the join time
 * within `spanS` seconds of the chat's creation, then the nickname, drawn from `rand` in that order.
 */
export function customerMember(rand: () => number, c: SimCustomer, owner: string, create_time: number, spanS: number, nickname: () => string): SimGroupMember {
  const scene = (rand() < 0.5 ? 1 : rand() < 0.5 ? 2 : 3) as 1 | 2 | 3;
  const m: SimGroupMember = { userid: c.external_userid, type: 2, join_time: create_time + Math.floor(rand() * spanS), join_scene: scene, group_nickname: nickname(), name: c.name };
  if (c.unionid) m.unionid = c.unionid;
  if (scene === 1) m.invitor = { userid: owner };
  return m;
}

/** A group chat of `owner` with its members; draws the notice, then the member version, from `rand`. */
export function ownedGroupChat(rand: () => number, chat_id: string, name: string, owner: string, create_time: number, members: SimGroupMember[]): SimGroupChat {
  return {
    chat_id,
    name,
    owner,
    create_time,
    notice: rand() < 0.5 ? '欢迎加入！每周三会员日，群内专享优惠。' : '',
    members,
    admin_list: [],
    member_version: randomString(rand, 32, '0123456789abcdef'),
    status: 0,
    dismissed: false,
  };
}

/** A whole enterprise: app(s), staff, corp tags, customers with their relations, and group chats (see the module comment). */
export function generatePopulation(opts: PopulationOptions): PopulationData {
  const rand = mulberry32(opts.seed);
  const draw = drawFrom(rand);
  const now = opts.now ?? DEFAULT_NOW;
  const nowS = Math.floor(now / 1000);
  const historyS = (opts.historyDays ?? 730) * 86_400;

  const corpId = opts.corpId ?? 'ww' + randomString(rand, 16, '0123456789abcdef');
  const secrets = opts.secrets ?? [randomString(rand, 43, ALNUM_ID)];
  const apps = secrets.map((secret, i) => ({ secret, agentId: 1000002 + i, name: i === 0 ? '回客' : `回客-${i + 1}` }));

  const staffSeeds = opts.staff && opts.staff.length > 0 ? opts.staff : generateStaff(12, opts.seed);
  const staff: SimStaff[] = staffSeeds.map((s) => {
    const u: SimStaff = { userid: s.userid, name: s.name, department: s.department ?? [1], status: 1, customerContact: true };
    if (s.position !== undefined) u.position = s.position;
    return u;
  });
  const pickStaffIdx = staffPicker(rand, staff.length);
  const { tagGroups, tags, idsByGroup } = generateTags(rand, opts.tagGroups ?? DEFAULT_TAG_GROUPS, nowS, historyS);
  const frame: PopulationFrame = {
    staff,
    pickStaffIdx,
    nowS,
    historyS,
    multiShare: opts.multiFollowShare ?? 0.15,
    unionShare: opts.unionidShare ?? 0.7,
    mobileShare: opts.remarkMobileShare ?? 0.25,
    stores: Math.max(1, Math.ceil(staff.length / 4)),
    levelTags: idsByGroup[0] ?? [],
    interestTags: idsByGroup[1] ?? [],
    lifecycleTags: idsByGroup[2] ?? [],
    sourceTags: idsByGroup[3] ?? [],
  };

  const n = Math.max(0, Math.floor(opts.customers));
  const { customers, follows, byStaff } = generateCustomers(draw, frame, n);
  const chatCount = opts.groupChats ?? (n === 0 ? 0 : n >= 1000 ? Math.min(400, Math.max(50, Math.round(n / 250))) : Math.max(1, Math.round(n / 50)));
  const groupChats = generateGroupChats(draw, frame, customers, byStaff, chatCount);

  return { corpId, apps, staff, customers, follows, tagGroups, tags, groupChats };
}
