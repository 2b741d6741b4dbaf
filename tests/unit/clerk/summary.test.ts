import { describe, expect, it } from 'vitest';
import { fillScript } from '../../../app/lib/clerk-contract';
import { customerSummary } from '../../../server/clerk/summary';

describe('customer card summary', () => {
  it('says it in plain words, both languages', () => {
    expect(customerSummary({ medianIntervalDays: 31.6, recencyDays: 40, orders: 8, monetaryFen: 234_000 })).toEqual({
      zh: '通常每 32 天回购一次，已 40 天未购买，累计 8 单 ¥2,340',
      en: 'Usually buys again every 32 days, 40 days since the last purchase, 8 orders, ¥2,340 in total',
    });
    expect(customerSummary({ medianIntervalDays: null, recencyDays: 3, orders: 1, monetaryFen: 9900 }).zh).toBe('只买过一次，已 3 天未购买，累计 1 单 ¥99');
    expect(customerSummary({ medianIntervalDays: null, recencyDays: null, orders: 0, monetaryFen: 0 }).zh).toBe('还没有购买记录');
  });
});

describe('script variables', () => {
  it('fills known variables, empties missing ones, leaves unknown placeholders', () => {
    expect(fillScript('{{name}}您好，已 {{ days_since }} 天，{{clerk}}{{unknown}}', { name: '王姐', days_since: 40, clerk: null })).toBe('王姐您好，已 40 天，{{unknown}}');
    // The syntax of campaigns and welcome messages, with fallbacks.
    expect(fillScript('{客户称呼|您}好，我是{门店}的{导购|您的导购}，已 {距上次购买天数} 天{未知}', { name: null, store: '徐汇店', clerk: null, days_since: 40 })).toBe('您好，我是徐汇店的您的导购，已 40 天{未知}');
    // Without a customer (the library): their variables are not known — fallback, else the placeholder stays.
    expect(fillScript('{客户称呼|您}好，已 {距上次购买天数} 天，{{name}}。{导购}', { clerk: '王静', store: '徐汇店' })).toBe('您好，已 {距上次购买天数} 天，{{name}}。王静');
  });
});
