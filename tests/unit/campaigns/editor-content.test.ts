/** The editor's live check of the message: the campaigns contract's answer, keyed like the server's issues. */
import { describe, expect, it } from 'vitest';
import { contentIssues } from '../../../app/lib/contracts/campaign-editor';

describe('contentIssues', () => {
  it('accepts a message with a link and an image', () => {
    expect(contentIssues('本周会员日', '会员日 | https://example.com/vip\nhttps://example.com/poster.png')).toEqual({});
  });

  it('names the attachment line that is not a URL and the text over 4,000 bytes, as the server would', () => {
    const issues = contentIssues('好'.repeat(1400), '会员日 | not a url');
    expect(Object.keys(issues).sort()).toEqual(['content.attachments.0.link.url', 'content.text']);
    expect(issues['content.text']![0]).toContain('4000 字节');
    expect(issues['content.attachments.0.link.url']![0]).toContain('链接地址无效');
  });

  it('refuses a tenth attachment', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `第 ${i} 个 | https://example.com/${i}`).join('\n');
    expect(Object.keys(contentIssues('你好', lines))).toEqual(['content.attachments']);
  });
});
