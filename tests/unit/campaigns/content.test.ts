import { describe, expect, it } from 'vitest';
import { campaignContent } from '../../../app/lib/contracts/campaign';
import { checkVariables, renderMessage } from '../../../server/campaigns/content';

describe('message variables', () => {
  it('a mass message may use only the clerk’s variables, each with a fallback', () => {
    expect(checkVariables('您好，我是{导购|您的专属导购}，{门店|门店}新品到了', 'mass')).toEqual([]);
    expect(checkVariables('{客户称呼|您好}，好久不见', 'mass')[0]).toContain('不能使用客户变量 {客户称呼}');
    expect(checkVariables('我是{导购}', 'mass')[0]).toContain('需要一个备用值');
    expect(checkVariables('{优惠券}', 'one_to_one')).toEqual(['未知变量 {优惠券} / Unknown variable {优惠券}']);
  });

  it('a 1:1 script may use the customer’s variables and needs no fallback', () => {
    expect(checkVariables('{客户称呼}您好，距上次购买已 {距上次购买天数} 天', 'one_to_one')).toEqual([]);
  });

  it('renders values, and the fallback where a value is missing', () => {
    expect(renderMessage('我是{导购|店员}，来自{门店|我们门店}', { 导购: '小王', 门店: null })).toBe('我是小王，来自我们门店');
    expect(renderMessage('{客户称呼}您好', {})).toBe('您好');
  });
});

describe('content within WeCom’s limits', () => {
  it('text up to 4,000 bytes (1,333 Chinese characters) passes; 1,334 do not', () => {
    expect(campaignContent.safeParse({ text: '回'.repeat(1333) }).success).toBe(true);
    const r = campaignContent.safeParse({ text: '回'.repeat(1334) });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('4000 字节');
  });

  it('at most 9 attachments; a link needs a title within 128 bytes and a valid url', () => {
    const link = { msgtype: 'link', link: { title: '新品', url: 'https://example.com/a' } };
    expect(campaignContent.safeParse({ text: 'x', attachments: Array(9).fill(link) }).success).toBe(true);
    expect(campaignContent.safeParse({ text: 'x', attachments: Array(10).fill(link) }).success).toBe(false);
    expect(campaignContent.safeParse({ text: 'x', attachments: [{ msgtype: 'link', link: { title: '长'.repeat(43), url: 'https://example.com' } }] }).success).toBe(false);
    expect(campaignContent.safeParse({ text: 'x', attachments: [{ msgtype: 'link', link: { title: 't', url: 'not a url' } }] }).success).toBe(false);
    expect(campaignContent.safeParse({ text: '   ' }).success).toBe(false);
  });
});
