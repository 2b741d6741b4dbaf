/**
 * Ready-made segments (issue #14 point 3), client-safe: the builder offers them and the server saves them as
 * ordinary dynamic segments. Each rule is in the public wire format.
 */
import type { Pair, Rule } from './rule';

export interface SegmentTemplate {
  key: string;
  name: Pair;
  description: Pair;
  rule: Rule;
}

/** P(alive) below this marks a repeater as a high churn risk. */
export const CHURN_P_ALIVE = 0.3;

export const SEGMENT_TEMPLATES: readonly SegmentTemplate[] = [
  {
    key: 'due',
    name: ['待回购', 'Due to repurchase'],
    description: ['已过预计下次购买日、尚未流失的客户', 'Past their expected next purchase, not lapsed'],
    rule: { all: [{ any: [{ field: 'due', op: 'eq', value: true }] }], none: [] },
  },
  {
    key: 'new_no_repeat',
    name: ['新客未复购', 'New, no second purchase'],
    description: ['首购在 30–90 天前，且只有一个购买日', 'First purchase 30–90 days ago and one purchase day only'],
    rule: { all: [{ any: [{ field: 'first_purchase_day', op: 'between_days_ago', value: [30, 90] }] }, { any: [{ field: 'frequency', op: 'eq', value: 1 }] }], none: [] },
  },
  {
    key: 'dormant',
    name: ['沉睡', 'Dormant'],
    description: ['RFM 分组为流失风险或沉睡客户', 'RFM group at risk or hibernating'],
    rule: { all: [{ any: [{ field: 'rfm_group', op: 'in', value: ['at_risk', 'hibernating'] }] }], none: [] },
  },
  {
    key: 'high_value',
    name: ['高价值', 'High value'],
    description: ['RFM 分组为重要价值客户', 'RFM group champions'],
    rule: { all: [{ any: [{ field: 'rfm_group', op: 'eq', value: 'champions' }] }], none: [] },
  },
  {
    key: 'churn_risk',
    name: ['高流失风险', 'High churn risk'],
    description: [`复购客户中活跃概率 P(alive) 低于 ${CHURN_P_ALIVE}`, `Repeaters with P(alive) below ${CHURN_P_ALIVE}`],
    rule: { all: [{ any: [{ field: 'frequency', op: 'gte', value: 2 }] }, { any: [{ field: 'p_alive', op: 'lt', value: CHURN_P_ALIVE }] }], none: [] },
  },
  {
    key: 'member_no_wecom',
    name: ['会员未加企微', 'Members not on WeCom'],
    description: ['有会员号但没有正在服务的企业微信导购', 'Have a member number but no open WeCom relation'],
    rule: { all: [{ any: [{ field: 'member_no', op: 'not_empty' }] }, { any: [{ field: 'clerk_count', op: 'eq', value: 0 }] }], none: [] },
  },
];

export function templateByKey(key: string): SegmentTemplate | undefined {
  return SEGMENT_TEMPLATES.find((t) => t.key === key);
}
