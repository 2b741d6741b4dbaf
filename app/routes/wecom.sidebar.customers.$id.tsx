/** The customer card inside the chat: the /m card plus scripts that go into the chat (sendChatMessage) and the touches recorded. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData, useRevalidator } from '@remix-run/react';
import { useState } from 'react';
import { CustomerCard } from '~/components/clerk/customer-card';
import { ScriptItem, type ScriptJson } from '~/components/clerk/script-list';
import type { ChatMessage } from '~/lib/clerk-contract';
import { can } from '~/lib/auth.server';
import { loadCard, loadScripts } from '~/lib/clerk.server';
import { useFormat } from '~/lib/format';
import { useRootData, useT } from '~/lib/i18n';
import { loadCampaignScripts, loadTouches, requireSidebarActor } from '~/lib/sidebar.server';
import { useSidebar } from './wecom.sidebar';
import { isUuid } from '~/lib/params';


export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireSidebarActor(request, context);
  const id = params.id ?? '';
  if (!isUuid(id)) throw json({ message: 'Not found' }, { status: 404 });
  try {
    const card = await loadCard(context, actor, id);
    const { scripts } = await loadScripts(context, actor, { stage: card.stage ?? undefined });
    return json({ card, scripts, campaignScripts: await loadCampaignScripts(context, actor, id), touches: await loadTouches(context, actor, id), canTag: can(actor.role, 'customers.tag') });
  } catch (e) {
    if ((e as { status?: number }).status === 404) throw json({ message: (e as Error).message }, { status: 404 });
    throw e;
  }
}

function CampaignScriptItem({ title, text, attachments, onSend }: { title: string | null; text: string; attachments: number; onSend: (() => Promise<string | null>) | undefined }) {
  const t = useT();
  const [note, setNote] = useState<string | null>(null);
  return (
    <li style={{ display: 'block' }}>
      <div className="m-muted">{title}</div>
      <p style={{ whiteSpace: 'pre-wrap', margin: '4px 0' }}>{text}</p>
      {attachments > 0 ? <div className="m-muted" data-testid="campaign-script-attachments">{t(`另有 ${attachments} 个附件，一并发送`, `With ${attachments} attachment${attachments > 1 ? 's' : ''}, sent along`)}</div> : null}
      <button type="button" disabled={!onSend} onClick={async () => setNote(onSend ? await onSend() : null)}>
        {t('发送到聊天', 'Send to the chat')}
      </button>
      {note ? <div className="m-muted">{note}</div> : null}
    </li>
  );
}

export default function SidebarCustomer() {
  const { card, scripts, campaignScripts, touches, canTag } = useLoaderData<typeof loader>();
  const sb = useSidebar();
  const t = useT();
  const f = useFormat();
  const { csrfToken } = useRootData();
  const revalidator = useRevalidator();
  /** Puts a message into the chat, then records the touch (naming the script, or the 1:1 campaign task it sends). */
  const record = async (fields: Record<string, string>): Promise<string | null> => {
    const res = await fetch('/wecom/sidebar/touch', { method: 'POST', headers: { 'X-CSRF-Token': csrfToken ?? '', 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ customerId: card.id, ...fields }) });
    if (!res.ok) return t('已放入聊天，但记录失败', 'Put into the chat, but not recorded');
    revalidator.revalidate();
    return t('已放入聊天，点发送即可', 'In the chat: tap send');
  };
  /** The task's script and attachments (images by a live WeCom media_id, links as cards), one message each, then the touch. */
  const sendCampaign = async (taskId: string, text: string): Promise<string | null> => {
    try {
      const res = await fetch('/wecom/sidebar/task-messages', { method: 'POST', headers: { 'X-CSRF-Token': csrfToken ?? '', 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ taskId }) });
      const body = (await res.json()) as { ok: true; messages: ChatMessage[]; skipped: number } | { ok: false; error: string };
      if (!body.ok) return `${t('发送失败：', 'Could not send: ')}${body.error}`;
      for (const m of body.messages) await sb.invoke('sendChatMessage', m);
      const note = await record({ taskId, content: text });
      return body.skipped > 0 ? `${note}${t('（小程序附件请在手机上发送）', ' (send the mini-program attachment from the phone)')}` : note;
    } catch (e) {
      return `${t('发送失败：', 'Could not send: ')}${(e as Error).message}`;
    }
  };
  const send = async (s: ScriptJson, text: string): Promise<string | null> => {
    try {
      const msg = s.kind === 'link' && s.url ? { msgtype: 'news', enterChat: true, news: { link: s.url, title: s.title, desc: text, imgUrl: s.image_url ?? '' } } : s.kind === 'image' && s.image_url ? { msgtype: 'text', enterChat: true, text: { content: `${text}\n${s.image_url}` } } : { msgtype: 'text', enterChat: true, text: { content: text } };
      await sb.invoke('sendChatMessage', msg);
      return await record({ scriptId: s.id, content: text });
    } catch (e) {
      return `${t('发送失败：', 'Could not send: ')}${(e as Error).message}`;
    }
  };
  return (
    <>
      <CustomerCard card={card} action={`/m/customers/${card.id}`} canTag={canTag} />
      {campaignScripts.length > 0 ? (
        <section className="m-card" data-testid="sidebar-campaign-scripts">
          <h2>{t('活动话术', 'Campaign scripts')}</h2>
          <ul className="m-list">
            {campaignScripts.map((c) => (
              <CampaignScriptItem key={c.id} title={c.title} text={c.text} attachments={c.attachments} onSend={sb.status === 'ready' ? () => sendCampaign(c.id, c.text) : undefined} />
            ))}
          </ul>
        </section>
      ) : null}
      <section className="m-card">
        <h2>{t('话术', 'Scripts')}</h2>
        <ul className="m-list" data-testid="sidebar-scripts">
          {scripts.map((s) => (
            <ScriptItem key={s.id} s={s} vars={card.vars} onSend={sb.status === 'ready' ? send : undefined} />
          ))}
        </ul>
      </section>
      <section className="m-card">
        <h2>{t('已发送', 'Sent from the sidebar')}</h2>
        <ul className="m-list" data-testid="touches">
          {touches.length === 0 ? <li className="m-muted">{t('还没有', 'Nothing yet')}</li> : null}
          {touches.map((x) => (
            <li key={x.id} className="m-row" style={{ display: 'block' }}>
              <div>{x.script ?? t('消息', 'Message')}</div>
              <div className="m-muted">
                {f.dateTime(x.created_at)} · {x.clerk}
              </div>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
