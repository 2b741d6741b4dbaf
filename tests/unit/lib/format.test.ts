import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../../../app/lib/format';
import { num, yuan } from '../../../app/lib/dashboard-format';
import { dayOf, monthOf } from '../../../app/lib/campaigns/calendar';

describe('display formatting (formatters are cached per locale and options)', () => {
  it('formats money, numbers and dates as the tenant reads them', () => {
    expect(formatMoney(123456)).toBe('¥1,234.56');
    expect(formatMoney(123456, 'CNY', 'en')).toBe('CN¥1,234.56');
    expect(formatMoney(null)).toBe('—');
    expect(yuan(123456)).toBe('¥1,235');
    // 23:30 UTC is the next day in Shanghai, the same day in London
    expect(formatDate('2026-03-01T23:30:00Z', 'Asia/Shanghai')).toBe('2026/03/02');
    expect(formatDate('2026-03-01T23:30:00Z', 'Europe/London')).toBe('2026/03/01');
    expect(formatDateTime('2026-03-01T23:30:00Z', 'Asia/Shanghai')).toBe('2026/03/02 07:30');
    expect(dayOf(new Date('2026-03-01T23:30:00Z'), 'Asia/Shanghai')).toBe('2026-03-02');
    expect(monthOf(new Date('2026-03-31T23:30:00Z'), 'Asia/Shanghai')).toBe('2026-04');
  });

  it('keeps formatters with different options apart', () => {
    expect(formatNumber(1234.5678, 'zh-CN', 0)).toBe('1,235');
    expect(formatNumber(1234.5678, 'zh-CN', 2)).toBe('1,234.57');
    expect(formatNumber(1234.5678, 'zh-CN', 0)).toBe('1,235');
    expect(num(0.5, 1)).toBe('0.5');
    expect(num(0.5)).toBe('1');
  });
});
