import { describe, expect, it } from 'vitest';
import { inCampaignHoldout, inGlobalControl } from '../../../server/campaigns/holdout';
import { computeUplift } from '../../../server/campaigns/uplift';

const customers = Array.from({ length: 20_000 }, (_, i) => `0193a6c0-0000-7000-8000-${String(i).padStart(12, '0')}`);

describe('holdout', () => {
  it('is deterministic: the same campaign and customer always land on the same side', () => {
    const a = customers.slice(0, 500).map((c) => inCampaignHoldout('campaign-1', c, 10));
    const b = [...customers.slice(0, 500)].reverse().map((c) => inCampaignHoldout('campaign-1', c, 10)).reverse();
    expect(a).toEqual(b);
  });

  it('holds out the requested share (10% of 20,000 within ±1 point) and a different set per campaign', () => {
    const one = customers.filter((c) => inCampaignHoldout('campaign-1', c, 10));
    const two = new Set(customers.filter((c) => inCampaignHoldout('campaign-2', c, 10)));
    expect(one.length / customers.length).toBeGreaterThan(0.09);
    expect(one.length / customers.length).toBeLessThan(0.11);
    // Independent draws overlap in about 10% × 10% = 1% of customers, not 10%.
    const overlap = one.filter((c) => two.has(c)).length / customers.length;
    expect(overlap).toBeLessThan(0.02);
    expect(customers.filter((c) => inCampaignHoldout('campaign-1', c, 0))).toEqual([]);
  });

  it('the global control group is the same for every campaign of a tenant', () => {
    const control = customers.filter((c) => inGlobalControl('tenant-salt', c, 5));
    expect(control.length / customers.length).toBeGreaterThan(0.04);
    expect(control.length / customers.length).toBeLessThan(0.06);
    expect(customers.filter((c) => inGlobalControl('tenant-salt', c, 5))).toEqual(control);
    expect(customers.filter((c) => inGlobalControl('other-tenant', c, 5))).not.toEqual(control);
  });
});

describe('uplift, against a hand-computed example', () => {
  it('1,000 reached with 120 converted against 200 held out with 14: +5.0 points, 95% CI [0.93, 9.07] points, significant', () => {
    // p1 = 0.12, p2 = 0.07; SE = sqrt(0.12·0.88/1000 + 0.07·0.93/200) = 0.0207629; 1.96·SE = 0.0406946.
    const u = computeUplift({ customers: 1000, converted: 120, revenueFen: 3_000_000 }, { customers: 200, converted: 14, revenueFen: 400_000 });
    expect(u.conversionRate).toBeCloseTo(0.12, 10);
    expect(u.holdoutConversionRate).toBeCloseTo(0.07, 10);
    expect(u.absolute).toBeCloseTo(0.05, 10);
    expect(u.low).toBeCloseTo(0.0093054, 6);
    expect(u.high).toBeCloseTo(0.0906946, 6);
    expect(u.relative).toBeCloseTo(0.7142857, 6);
    expect(u.significant).toBe(true);
    expect(u.revenuePerRecipientFen).toBe(3000);
    expect(u.holdoutRevenuePerRecipientFen).toBe(2000);
    expect(u.incrementalConversions).toBeCloseTo(50, 6);
    expect(u.incrementalRevenueFen).toBe(1_000_000);
  });

  it('100 vs 100 with 10 and 8 converted: +2 points but the interval [-5.93, 9.93] holds zero, not significant', () => {
    const u = computeUplift({ customers: 100, converted: 10, revenueFen: 0 }, { customers: 100, converted: 8, revenueFen: 0 });
    expect(u.low).toBeCloseTo(-0.0592756, 6);
    expect(u.high).toBeCloseTo(0.0992756, 6);
    expect(u.significant).toBe(false);
  });

  it('without a holdout there is no uplift to claim', () => {
    const u = computeUplift({ customers: 100, converted: 10, revenueFen: 5000 }, { customers: 0, converted: 0, revenueFen: 0 });
    expect(u.absolute).toBeNull();
    expect(u.significant).toBe(false);
    expect(u.conversionRate).toBeCloseTo(0.1, 10);
  });
});
