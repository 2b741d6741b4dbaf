/**
 * The WeCom world of a simulator-mode tenant (the demo), built deterministically from its `sim_config`:
 * - staff = the demo chain's clerks (same userids as `staff.wecom_userid`), so synced relations land on the
 *   seeded clerks;
 * - customers = the WeCom contacts of the demo customer universe (server/demo/customers.ts): the same people, with
 *   the same external_userid and unionid, that the orders step created — so the sync links instead of
 *   duplicating, and their orders belong to WeCom contacts; each is followed by the clerks the universe says;
 * - corp tags from the simulator's default tag groups, relation details (add way, remark, remark mobile, state),
 *   QR-code adds carrying the channel state of the clerk's store (`store_S001` …, see server/demo/wecom.ts), and
 *   customer groups owned by clerks.
 * Without a chain in the config (a plain simulator tenant) the simulator's own generator is used.
 */
import type { WecomSimConfig } from '../../db/schema/wecom';
import { customerMember, drawFrom, generatePopulation, generateStaff, ownedGroupChat, weightedCode, type Draw, type StaffSeed } from '../wecom/simulator/population';
import { mulberry32, randomString, type PopulationData, type SimCustomer, type SimFollow, type SimGroupChat, type SimGroupMember } from '../wecom/simulator/state';
import { generateChain, type DemoChain } from './chain';
import { iterateDemoCustomers, type DemoCustomer } from './customers';

export const DEMO_ANCHOR_MS = Date.UTC(2026, 10, 1, 16, 0, 0);

const ADD_WAYS: [number, number][] = [
  [1, 60],
  [2, 8],
  [3, 8],
  [4, 6],
  [5, 4],
  [6, 5],
  [16, 3],
  [201, 3],
  [202, 3],
];
const ADD_WAY_TOTAL = ADD_WAYS.reduce((a, [, w]) => a + w, 0);
const CAMPAIGN_STATES = ['poster_618', 'double11_2024', 'member_day'];
const DESCRIPTIONS = ['', '', '', '喜欢新品', '生日在月底', '周末到店', '价格敏感', '常买母婴', '偏好线上下单'];
const REMARK_SUFFIX = ['', '-会员', '-老客', '-VIP', '(门店)', '-宝妈'];
const GROUP_NAMES = ['会员福利群', '新品尝鲜群', '宝妈交流群', '门店VIP群', '周末秒杀群', '老客回馈群'];

/** What the demo's contacts and chats are drawn from: the generator, the chain's clerks and the time frame. */
interface DemoFrame {
  draw: Draw;
  chain: DemoChain;
  storeOf: Map<string, string>;
  tagsByGroup: string[][];
  nowS: number;
  historyDays: number;
}

/** The relation of a demo customer with its k-th clerk (QR-code adds carry the clerk's store as the state). */
function demoFollow(fr: DemoFrame, c: DemoCustomer, eid: string, userid: string, k: number, first: number): Omit<SimFollow, 'seq'> {
  const { rand, pick } = fr.draw;
  const add_way = weightedCode(rand, ADD_WAYS, ADD_WAY_TOTAL);
  const tag_ids: string[] = [];
  for (const [gi, ids] of fr.tagsByGroup.entries()) if (ids.length && rand() < (gi === 0 ? 0.7 : 0.45)) tag_ids.push(pick(ids));
  const f: Omit<SimFollow, 'seq'> = {
    userid,
    external_userid: eid,
    remark: rand() < 0.45 ? c.name + pick(REMARK_SUFFIX) : '',
    description: pick(DESCRIPTIONS),
    createtime: Math.min(fr.nowS, first + k * Math.floor(rand() * 60 * 86_400)),
    remark_mobiles: c.identities.mobile && rand() < 0.5 ? [c.identities.mobile] : [],
    oper_userid: add_way === 1 || add_way === 16 ? eid : userid,
    add_way,
    tag_ids,
    deletedByCustomer: rand() < 0.02,
  };
  if (add_way === 1) f.state = rand() < 0.85 ? `store_${fr.storeOf.get(userid) ?? c.homeStoreCode}` : pick(CAMPAIGN_STATES);
  return f;
}

/** The WeCom contacts of the demo universe with their relations; `byClerk` lists each clerk's contacts. */
function demoContacts(fr: DemoFrame, seed: number, count: number): { customers: SimCustomer[]; follows: Omit<SimFollow, 'seq'>[]; byClerk: Map<string, number[]> } {
  const { rand, pick } = fr.draw;
  const customers: SimCustomer[] = [];
  const follows: Omit<SimFollow, 'seq'>[] = [];
  const byClerk = new Map<string, number[]>();
  for (const c of iterateDemoCustomers(seed, fr.chain, count, 0, fr.historyDays)) {
    const eid = c.identities.externalUserid;
    if (!eid || c.clerkUserids.length === 0) continue;
    const sc: SimCustomer = { external_userid: eid, name: rand() < 0.3 ? pick(['小雨', '阳光', 'Lily', 'Coco', '静待花开', '晴天', 'Momo', '橙子']) : c.name, type: 1, gender: c.gender, avatar: `https://wx.qlogo.cn/mmhead/${eid.slice(2, 22)}/0` };
    if (c.identities.unionid) sc.unionid = c.identities.unionid;
    const ci = customers.push(sc) - 1;
    const firstDaysAgo = c.behaviour.firstPurchaseDaysAgo ?? Math.floor(rand() * fr.historyDays);
    const first = fr.nowS - firstDaysAgo * 86_400 - Math.floor(rand() * 86_400);
    c.clerkUserids.forEach((userid, k) => {
      follows.push(demoFollow(fr, c, eid, userid, k, first));
      const list = byClerk.get(userid) ?? [];
      list.push(ci);
      byClerk.set(userid, list);
    });
  }
  return { customers, follows, byClerk };
}

/** Customer groups owned by clerks, their members drawn from the owner's own contacts. */
function demoGroupChats(fr: DemoFrame, customers: SimCustomer[], byClerk: Map<string, number[]>): SimGroupChat[] {
  const { rand, pick } = fr.draw;
  const { nowS, historyDays } = fr;
  const groupChats: SimGroupChat[] = [];
  const owners = [...byClerk.keys()];
  const chatCount = Math.min(300, Math.max(3, Math.round(customers.length / 40)));
  for (let g = 0; g < chatCount && owners.length > 0; g++) {
    const owner = pick(owners);
    const ownerName = fr.chain.clerks.find((x) => x.userid === owner)?.name ?? owner;
    const create_time = nowS - Math.floor(rand() * historyDays * 86_400);
    const members: SimGroupMember[] = [{ userid: owner, type: 1, join_time: create_time, join_scene: 1, group_nickname: '', name: ownerName }];
    const pool = byClerk.get(owner)!;
    const size = Math.min(pool.length, 5 + Math.floor(rand() * 40));
    const chosen = new Set<number>();
    for (let k = 0; k < size * 2 && chosen.size < size; k++) chosen.add(pick(pool));
    for (const idx of chosen) members.push(customerMember(rand, customers[idx]!, owner, create_time, Math.max(1, nowS - create_time), () => ''));
    groupChats.push(ownedGroupChat(rand, 'wr' + randomString(rand, 30), `${ownerName}的${pick(GROUP_NAMES)}${g + 1}`, owner, create_time, members));
  }
  return groupChats;
}

/** The WeCom world of a simulator-mode tenant from its `sim_config` (see the module comment). */
export function demoWecomPopulation(cfg: WecomSimConfig, corpId: string, secret: string): PopulationData {
  const anchor = cfg.anchorMs ?? DEMO_ANCHOR_MS;
  if (!cfg.chain) {
    return generatePopulation({ seed: cfg.seed, customers: cfg.customers, staff: generateStaff(cfg.staff ?? 12, cfg.seed), corpId, secrets: [secret], now: anchor });
  }
  const chain = generateChain(cfg.seed, cfg.chain);
  const storeIndex = new Map(chain.stores.map((s, i) => [s.code, i]));
  const storeOf = new Map(chain.clerks.map((c) => [c.userid, c.storeCode]));
  const staff: StaffSeed[] = chain.clerks.map((c, i) => ({ userid: c.userid, name: c.name, department: [2 + (storeIndex.get(c.storeCode) ?? 0)], position: i % 5 === 0 ? '店长' : '导购' }));
  // Apps, staff and corp tags from the simulator's generator; the people come from the demo universe.
  const base = generatePopulation({ seed: cfg.seed, customers: 0, staff, corpId, secrets: [secret], now: anchor, groupChats: 0 });
  const frame: DemoFrame = {
    draw: drawFrom(mulberry32(cfg.seed ^ 0x3ecf)),
    chain,
    storeOf,
    tagsByGroup: base.tagGroups.map((g) => g.tag_ids),
    nowS: Math.floor(anchor / 1000),
    historyDays: 730,
  };
  const { customers, follows, byClerk } = demoContacts(frame, cfg.seed, cfg.customers);
  const groupChats = demoGroupChats(frame, customers, byClerk);
  return { ...base, customers, follows, groupChats };
}
