import { describe, expect, it } from 'vitest';
import { campaignInput, DEFAULT_CAMPAIGN_SETTINGS } from '../../../app/lib/contracts/campaign';
import { receiveCapWindow } from '../../../server/campaigns/guardrails';
import { sendTimeFor } from '../../../server/campaigns/planning';

const SH = 'Asia/Shanghai';
const NY = 'America/New_York';

describe('WeCom’s receive-cap period as instants (the ledger query’s window)', () => {
  it('1 per day: the local day in Shanghai, midnight to midnight', () => {
    expect(receiveCapWindow(new Date('2026-12-08T23:30:00+08:00'), SH, 'day_1')).toEqual({ from: new Date('2026-12-08T00:00:00+08:00'), to: new Date('2026-12-09T00:00:00+08:00'), allowed: 1 });
  });
  it('7 per week: Monday to Monday; per month: the month with as many as it has days', () => {
    expect(receiveCapWindow(new Date('2026-12-10T10:00:00+08:00'), SH, 'week_7')).toEqual({ from: new Date('2026-12-07T00:00:00+08:00'), to: new Date('2026-12-14T00:00:00+08:00'), allowed: 7 });
    expect(receiveCapWindow(new Date('2027-02-10T10:00:00+08:00'), SH, 'month_days')).toEqual({ from: new Date('2027-02-01T00:00:00+08:00'), to: new Date('2027-03-01T00:00:00+08:00'), allowed: 28 });
    expect(receiveCapWindow(new Date('2026-12-31T20:00:00+08:00'), SH, 'month_days').to).toEqual(new Date('2027-01-01T00:00:00+08:00'));
  });
  it('in a zone with daylight saving the spring-forward day is 23 hours long', () => {
    const w = receiveCapWindow(new Date('2027-03-14T12:00:00-04:00'), NY, 'day_1');
    expect(w.from).toEqual(new Date('2027-03-14T00:00:00-05:00'));
    expect(w.to).toEqual(new Date('2027-03-15T00:00:00-04:00'));
    expect(w.to.getTime() - w.from.getTime()).toBe(23 * 3_600_000);
  });
});

describe('when a run sends', () => {
  const on = { guardrails: { quiet_hours: true, expire_hours: 72 } };
  const off = { guardrails: { quiet_hours: false, expire_hours: 72 } };
  it('inside quiet hours it waits for their end unless the campaign opted out', () => {
    const late = new Date('2026-12-08T22:30:00+08:00');
    expect(sendTimeFor(late, on, DEFAULT_CAMPAIGN_SETTINGS, SH)).toEqual(new Date('2026-12-09T09:00:00+08:00'));
    expect(sendTimeFor(late, off, DEFAULT_CAMPAIGN_SETTINGS, SH)).toEqual(late);
    expect(sendTimeFor(late, on, { ...DEFAULT_CAMPAIGN_SETTINGS, quiet_hours: null }, SH)).toEqual(late);
  });
});

describe('the campaign body (shared by the editor and the API)', () => {
  const base = { name: '回购', audience: { segment_id: '0190a1b2-0000-7000-8000-000000000001' }, delivery: 'mass', content: { text: '我是{导购|您的导购}' }, schedule: { kind: 'once', at: null } };
  it('fills the defaults of the issue: 10% holdout, 7 attribution days, quiet hours on', () => {
    expect(campaignInput.parse(base)).toMatchObject({ holdout_pct: 10, attribution_days: 7, quiet_hours: true, priority: 0, expire_hours: 72, audience: { exclude_segment_ids: [] } });
  });
  it('names each problem: customer variables in a mass message, a missing fallback, unknown keys', () => {
    const r = campaignInput.safeParse({ ...base, content: { text: '{客户称呼|您好}，我是{导购}' }, extra: 1 });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages.some((m) => m.startsWith('content.text:') && m.includes('不能使用客户变量 {客户称呼}'))).toBe(true);
    expect(messages.some((m) => m.includes('变量 {导购} 需要一个备用值'))).toBe(true);
  });
});
