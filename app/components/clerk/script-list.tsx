/** Scripts (话术) with the variables filled for the current customer; copy, or send into the WeCom chat (sidebar). */
import { useState } from 'react';
import { fillScript, SCRIPT_VARIABLES } from '~/lib/clerk-contract';
import { useT } from '~/lib/i18n';

export interface ScriptJson {
  id: string;
  category: string;
  stage: string | null;
  kind: string;
  title: string;
  body: string;
  url: string | null;
  image_url: string | null;
}
export type ScriptVars = Partial<Record<(typeof SCRIPT_VARIABLES)[number], string | number | null>>;

export function ScriptItem({ s, vars, onSend, extra }: { s: ScriptJson; vars: ScriptVars | null; onSend?: (s: ScriptJson, text: string) => Promise<string | null>; extra?: React.ReactNode }) {
  const t = useT();
  const [note, setNote] = useState<string | null>(null);
  const text = vars ? fillScript(s.body, vars) : s.body;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(s.url ? `${text}\n${s.url}` : text);
      setNote(t('已复制', 'Copied'));
    } catch {
      setNote(t('复制失败，请长按文字复制', 'Copy failed: long-press the text to copy'));
    }
  };
  return (
    <li className="m-script" data-testid="script" data-script-id={s.id} style={{ padding: '.5rem 0' }}>
      <div>
        <strong>{s.title}</strong> <span className="badge">{s.category}</span> {s.kind !== 'text' ? <span className="badge">{s.kind === 'link' ? t('链接', 'Link') : t('图片', 'Image')}</span> : null}
      </div>
      <pre data-testid="script-text">{text}</pre>
      {s.url ? <div className="m-muted">{s.url}</div> : null}
      {s.image_url ? <img src={s.image_url} alt="" style={{ maxWidth: '100%', borderRadius: 8 }} /> : null}
      <div className="m-actions">
        <button type="button" className="secondary" onClick={copy}>
          {t('复制', 'Copy')}
        </button>
        {onSend ? (
          <button type="button" data-testid="script-send" onClick={async () => setNote(await onSend(s, text))}>
            {t('发送到聊天', 'Send to chat')}
          </button>
        ) : null}
        {extra}
      </div>
      {note ? (
        <div className="m-muted" role="status" data-testid="script-note">
          {note}
        </div>
      ) : null}
    </li>
  );
}
