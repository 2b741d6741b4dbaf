/**
 * Welcome-message text and attachments (欢迎语): the placeholders ops may use, and the attachment lines of the
 * form turned into WeCom's attachment shapes (wecom-api.md 5.1 / 5.7). Pure; imports nothing from the server.
 */
import { z } from 'zod';
import { attachmentLinesOf, attachmentOfLine } from '../../app/lib/contracts/campaign-editor';
import { fillVariables } from '../../app/lib/contracts/message-template';

export const WELCOME_MAX_TEXT_BYTES = 4000;
export const WELCOME_MAX_ATTACHMENTS = 9;

export interface WelcomeValues {
  customer: string | null;
  clerk: string | null;
  store: string | null;
}

/** The welcome message's placeholders and the words a missing value reads as ("您好", "导购", "门店"). */
const WELCOME_VARIABLES: Record<string, { of: keyof WelcomeValues; otherwise: string }> = {
  客户称呼: { of: 'customer', otherwise: '您' },
  导购: { of: 'clerk', otherwise: '导购' },
  门店: { of: 'store', otherwise: '门店' },
};

/**
 * Fills {客户称呼}, {导购} and {门店} (the message syntax of campaigns: `{导购|店员}` gives its own fallback); a value
 * that is unknown reads naturally ("您好", "导购", "门店"). Other braces stay as written.
 */
export function renderWelcome(text: string, v: WelcomeValues): string {
  return fillVariables(
    text,
    (name) => {
      const w = WELCOME_VARIABLES[name];
      return w ? (v[w.of]?.trim() ?? null) : undefined;
    },
    (name) => WELCOME_VARIABLES[name]!.otherwise,
  );
}

export type WelcomeAttachment = { msgtype: 'image'; image: { pic_url: string } } | { msgtype: 'link'; link: { title: string; url: string; picurl?: string } };

const url = z.string().url().max(2048);
/**
 * One attachment per line, the syntax of every attachment field (app/lib/contracts/campaign-editor.ts
 * attachmentOfLine): `标题 | https://…` is a link, a bare `https://…` an image (a leading `link` or `image` is
 * accepted). Returns the attachments or the first problem (with its line number).
 */
export function parseAttachmentLines(text: string): { ok: true; attachments: WelcomeAttachment[] } | { ok: false; error: string } {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length > WELCOME_MAX_ATTACHMENTS) return { ok: false, error: `最多 ${WELCOME_MAX_ATTACHMENTS} 个附件 / At most ${WELCOME_MAX_ATTACHMENTS} attachments` };
  const out: WelcomeAttachment[] = [];
  for (const [i, line] of lines.entries()) {
    const a = attachmentOfLine(line);
    if (a.msgtype === 'image') {
      if (!url.safeParse(a.image.pic_url).success) return { ok: false, error: `第 ${i + 1} 行：图片请填 https:// 开头的地址 / Line ${i + 1}: an image is its https:// address` };
      out.push(a);
    } else {
      if (!a.link.title || new TextEncoder().encode(a.link.title).length > 128 || !url.safeParse(a.link.url).success) return { ok: false, error: `第 ${i + 1} 行：链接格式为「标题 | https://…」/ Line ${i + 1}: write “title | https://…”` };
      out.push(a);
    }
  }
  return { ok: true, attachments: out };
}

/** The attachments back as form lines. */
export function attachmentLines(atts: readonly WelcomeAttachment[]): string {
  return attachmentLinesOf(atts.map((a) => (a.msgtype === 'image' ? a : { msgtype: 'link' as const, link: { title: a.link.title, url: a.link.url } })));
}
