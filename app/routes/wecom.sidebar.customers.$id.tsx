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

type CampaignScript = { id: string; title: string | null; text: string; attachments: number };

/**
 * A 1:1 campaign task's script. Once sent it stays listed with its note ("in the chat: tap send") until the next
 * visit, although the task is closed: the revalidated list no longer has it.
 */
function CampaignScriptItem({ c, state, onSend }: { c: CampaignScript; state: SendState | undefined; onSend: (() => void) | undefined }) {
  const t = useT();
  const done = state?.done === true;
  return (
    <li style={{ display: 'block' }} data-testid="campaign-script" data-sent={done ? 'true' : undefined}>
      <div className="m-muted">{c.title}</div>
      <p style={{ whiteSpace: 'pre-wrap', margin: '4px 0' }}>{c.text}</p>
      {c.attachments > 0 ? <div className="m-muted" data-testid="campaign-script-attachments">{t(`另有 ${c.attachments} 个附件，一并发送`, `With ${c.attachments} attachment${c.attachments > 1 ? 's' : ''}, sent along`)}</div> : null}
      <button type="button" disabled={!onSend || done} onClick={onSend}>
        {done ? t('已发送到聊天', 'Sent to the chat') : t('发送到聊天', 'Send to the chat')}
      </button>
      {state ? <div className="m-muted" data-testid="campaign-script-note">{state.note}</div> : null}
    </li>
  );
}

/** What sending a task gave: its note, and whether its messages went into the chat (then it is not sent again). */
type SendState = { note: string; done: boolean };

/** The tasks to list: the open ones, and those sent from this page (closed now, kept with their note). */
function useCampaignScripts(open: CampaignScript[]) {
  const [tried, setTried] = useState<{ c: CampaignScript; state: SendState }[]>([]);
  const kept = tried.filter((x) => x.state.done && !open.some((c) => c.id === x.c.id)).map((x) => x.c);
  const stateOf = (id: string) => tried.find((x) => x.c.id === id)?.state;
  const record = (c: CampaignScript, state: SendState) => setTried((xs) => [...xs.filter((x) => x.c.id !== c.id), { c, state }]);
  return { list: [...open, ...kept], stateOf, record };
}

export default function SidebarCustomer() {
  const { card, scripts, campaignScripts, touches, canTag } = useLoaderData<typeof loader>();
  const campaigns = useCampaignScripts(campaignScripts);
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
  const sendCampaign = async (taskId: string, text: string): Promise<SendState> => {
    const failed = (why: string): SendState => ({ note: `${t('发送失败：', 'Could not send: ')}${why}`, done: false });
    try {
      const res = await fetch('/wecom/sidebar/task-messages', { method: 'POST', headers: { 'X-CSRF-Token': csrfToken ?? '', 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ taskId }) });
      const body = (await res.json()) as { ok: true; messages: ChatMessage[]; skipped: number } | { ok: false; error: string };
      if (!body.ok) return failed(body.error);
      for (const m of body.messages) await sb.invoke('sendChatMessage', m);
      const note = (await record({ taskId, content: text })) ?? '';
      return { note: body.skipped > 0 ? `${note}${t('（小程序附件请在手机上发送）', ' (send the mini-program attachment from the phone)')}` : note, done: true };
    } catch (e) {
      return failed((e as Error).message);
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
      {campaigns.list.length > 0 ? (
        <section className="m-card" data-testid="sidebar-campaign-scripts">
          <h2>{t('活动话术', 'Campaign scripts')}</h2>
          <ul className="m-list">
            {campaigns.list.map((c) => (
              <CampaignScriptItem key={c.id} c={c} state={campaigns.stateOf(c.id)} onSend={sb.status === 'ready' ? async () => campaigns.record(c, await sendCampaign(c.id, c.text)) : undefined} />
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
              {/* A script by its title; a campaign's message (no script) by its opening words. */}
              <div>{x.script ?? `${t('消息：', 'Message: ')}${x.content.length > 24 ? `${x.content.slice(0, 24)}…` : x.content}`}</div>
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
