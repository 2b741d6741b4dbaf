import { describe, expect, it } from 'vitest';
import { FIELDS, opsFor, parseRule, TYPE_OPS, OPS } from '../../../app/lib/segments/rule';

describe('segment rule wire format', () => {
  it('accepts the documented shape with every window kind', () => {
    const r = parseRule({
      all: [
        { any: [{ field: 'orders', op: 'gte', value: 2, window: { last_days: 90 } }, { field: 'spend_fen', op: 'gt', value: 10000, window: { days_ago: [30, 60] } }] },
        { any: [{ field: 'bought_category', op: 'in', value: ['护肤'], window: { since: '2026-01-01' } }] },
      ],
      none: [{ field: 'tags', op: 'has_any', value: ['VIP'] }],
    });
    expect(r.ok).toBe(true);
  });

  it('defaults missing all/none to empty (everyone) and refuses unknown keys', () => {
    expect(parseRule({})).toEqual({ ok: true, rule: { all: [], none: [] } });
    const r = parseRule({ all: [], any: [] });
    expect(r.ok).toBe(false);
  });

  it('names the condition in each message', () => {
    const r = parseRule({ all: [{ any: [{ field: 'recency_days', op: 'between', value: [30, 10] }] }], none: [{ field: 'due', op: 'eq', value: 'yes' }] });
    expect(r.ok ? [] : r.issues.map((i) => i.message)).toEqual([
      'all[0].any[0] (recency_days between): value must be [low, high] with low ≤ high',
      'none[0] (due eq): value must be true or false',
    ]);
  });

  it('refuses a days_ago window with N > M, a window on a non-order field, an empty list', () => {
    const msgs = (rule: unknown) => {
      const r = parseRule(rule);
      return r.ok ? [] : r.issues.map((i) => i.message);
    };
    expect(msgs({ none: [{ field: 'orders', op: 'eq', value: 0, window: { days_ago: [60, 30] } }] })).toEqual(['none[0] (orders eq): window.days_ago: N must not exceed M']);
    expect(msgs({ none: [{ field: 'tags', op: 'has_all', value: [] }] })).toEqual(['none[0] (tags has_all): value must be a list of ids or names']);
    expect(msgs({ none: [{ field: 'p_alive', op: 'gt', value: 1.5 }] })).toEqual(['none[0] (p_alive gt): value must be ≤ 1']);
  });

  it('the catalogue covers the fields named by the issue, each with operators from the wire list', () => {
    const keys = FIELDS.map((f) => f.key);
    for (const k of ['frequency', 'monetary_fen', 'recency_days', 'aov_fen', 'first_purchase_day', 'last_purchase_day', 'stage', 'rfm_group', 'r_score', 'f_score', 'm_score', 'due', 'p_alive', 'predicted_value_fen', 'store', 'region', 'clerk', 'channel', 'wecom_added_at', 'tags', 'groups', 'relation', 'orders', 'spend_fen', 'bought_sku', 'bought_category']) {
      expect(keys).toContain(k);
    }
    for (const f of FIELDS) {
      expect(opsFor(f).length).toBeGreaterThan(0);
      for (const op of opsFor(f)) expect(OPS).toContain(op);
      expect(f.label[0]).not.toBe(f.label[1]);
    }
    expect(TYPE_OPS.tags).toEqual(['has_any', 'has_all', 'has_none', 'empty', 'not_empty']);
  });
});
