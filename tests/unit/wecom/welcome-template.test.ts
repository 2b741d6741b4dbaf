import { describe, expect, it } from 'vitest';
import { attachmentLines, parseAttachmentLines, renderWelcome } from '../../../server/wecom/welcome-template';

describe('welcome message template', () => {
  it('fills {客户称呼}, {导购} and {门店}, with natural words when a value is unknown', () => {
    expect(renderWelcome('{客户称呼}您好，我是{门店}的{导购}', { customer: '林小雨', clerk: '王静', store: '徐汇店' })).toBe('林小雨您好，我是徐汇店的王静');
    expect(renderWelcome('{客户称呼}您好，我是{门店}的{导购}', { customer: null, clerk: ' ', store: null })).toBe('您您好，我是门店的导购');
    // The default text's empty fallback: a contact without a name is greeted "您好", not "您您好".
    expect(renderWelcome('{客户称呼|}您好，我是{门店}的{导购}', { customer: null, clerk: '王静', store: '徐汇店' })).toBe('您好，我是徐汇店的王静');
    // The campaigns' syntax: a fallback of its own; other braces stay as written.
    expect(renderWelcome('{客户称呼|亲}好，我是{导购}{未知}', { customer: null, clerk: '王静', store: null })).toBe('亲好，我是王静{未知}');
  });

  it('reads one attachment per line (image or link, in the campaign editor\'s syntax or with a leading word), at most 9, and writes them back', () => {
    expect(parseAttachmentLines('https://example.com/a.png\n会员权益 | https://example.com/vip')).toEqual(parseAttachmentLines('image https://example.com/a.png\nlink 会员权益 | https://example.com/vip'));
    const r = parseAttachmentLines('image https://example.com/a.png\nlink 会员权益 | https://example.com/vip\n');
    expect(r).toEqual({
      ok: true,
      attachments: [
        { msgtype: 'image', image: { pic_url: 'https://example.com/a.png' } },
        { msgtype: 'link', link: { title: '会员权益', url: 'https://example.com/vip' } },
      ],
    });
    if (r.ok) expect(attachmentLines(r.attachments)).toBe('https://example.com/a.png\n会员权益 | https://example.com/vip');
    expect(parseAttachmentLines(Array.from({ length: 10 }, () => 'image https://example.com/a.png').join('\n'))).toMatchObject({ ok: false });
    expect(parseAttachmentLines('video https://example.com/v.mp4')).toMatchObject({ ok: false, error: expect.stringContaining('Line 1') });
    expect(parseAttachmentLines('https://example.com/a.png\n海报')).toMatchObject({ ok: false, error: expect.stringContaining('Line 2') });
    expect(parseAttachmentLines('link 无网址 | not-a-url')).toMatchObject({ ok: false });
  });
});
