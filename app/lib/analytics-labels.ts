/** Display names of the analytics vocabulary (client-safe): lifecycle stages, RFM groups, channels. */
export type Pair = [zh: string, en: string];

export const STAGE_ORDER = ['prospect', 'new', 'active', 'at_risk', 'lapsed'] as const;
export const STAGE_LABELS: Record<string, Pair> = {
  prospect: ['潜在客户', 'Prospect'],
  new: ['新客', 'New'],
  active: ['活跃', 'Active'],
  at_risk: ['流失预警', 'At risk'],
  lapsed: ['已流失', 'Lapsed'],
};

export const GROUP_ORDER = ['champions', 'loyal', 'potential_loyalist', 'new', 'promising', 'need_attention', 'about_to_sleep', 'at_risk', 'cant_lose', 'hibernating', 'lost'] as const;
export const GROUP_LABELS: Record<string, Pair> = {
  champions: ['重要价值', 'Champions'],
  loyal: ['忠诚客户', 'Loyal'],
  potential_loyalist: ['潜力客户', 'Potential loyalists'],
  new: ['新客户', 'New'],
  promising: ['有望客户', 'Promising'],
  need_attention: ['需要关注', 'Need attention'],
  about_to_sleep: ['即将沉睡', 'About to sleep'],
  at_risk: ['流失风险', 'At risk'],
  cant_lose: ['不能失去', "Can't lose"],
  hibernating: ['沉睡客户', 'Hibernating'],
  lost: ['已流失', 'Lost'],
};
/** What to do with each group, for the groups table. */
export const GROUP_ADVICE: Record<string, Pair> = {
  champions: ['最近买、常买、买得多：专属权益，邀请推荐', 'Recent, frequent, big spenders: exclusive perks, referrals'],
  loyal: ['稳定复购：会员升级、新品优先', 'Steady buyers: membership upgrades, early access'],
  potential_loyalist: ['近期购买、潜力大：搭配推荐，培养习惯', 'Recent with potential: bundles, build the habit'],
  new: ['刚完成首购：欢迎礼，引导第二次购买', 'Just made a first purchase: welcome gift, nudge a second visit'],
  promising: ['较新、金额小：试用装、小额券', 'Fairly recent, small baskets: samples, small coupons'],
  need_attention: ['中等活跃：限时优惠唤起兴趣', 'Middling: time-limited offers'],
  about_to_sleep: ['即将沉睡：导购一对一关怀', 'Drifting away: a personal message from their clerk'],
  at_risk: ['曾经活跃、很久未购：重点挽回', 'Used to buy, long gone quiet: win-back'],
  cant_lose: ['高价值但久未购：店长亲自联系', 'High value but silent: the store manager calls'],
  hibernating: ['低频低额且久未购：低成本触达', 'Low value and quiet: low-cost reach only'],
  lost: ['已流失：节假日大促再激活', 'Lost: reactivate with seasonal campaigns'],
};

export const CHANNEL_ORDER = ['pos', 'mini_program', 'ecommerce', 'group_buy', 'other'] as const;
export const CHANNEL_LABELS: Record<string, Pair> = {
  pos: ['门店收银', 'In store'],
  mini_program: ['小程序', 'Mini program'],
  ecommerce: ['电商', 'E-commerce'],
  group_buy: ['团购', 'Group buy'],
  other: ['其他', 'Other'],
};

/**
 * P(alive) of a one-purchase customer is 1 by construction under BG/NBD and is not shown as a probability
 * (docs/metrics.md): "—" with this reason. The API says `p_alive_reason: "one_purchase"`.
 */
export const P_ALIVE_ONE_PURCHASE: Pair = ['仅购买一次，无法估计', 'one purchase only, cannot be estimated'];

/** True when a customer has predictions but no P(alive) because they bought once. */
export function pAliveOnePurchase(m: { frequency: number; p_alive: number | null; exp_purchases_90: number | null }): boolean {
  return m.frequency === 1 && m.p_alive === null && m.exp_purchases_90 !== null;
}

/** Value tiers of the Predictions page (by predicted 12-month value). */
export const VALUE_TIER_LABELS: Record<string, Pair> = {
  '1': ['前 10%', 'Top 10%'],
  '2': ['10–30%', '10–30%'],
  '3': ['30–60%', '30–60%'],
  '4': ['后 40%', 'Bottom 40%'],
};

export function label(map: Record<string, Pair>, key: string | null | undefined, t: (zh: string, en: string) => string): string {
  if (!key) return '—';
  const p = map[key];
  return p ? t(p[0], p[1]) : key;
}
