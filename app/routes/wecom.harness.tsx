/**
 * Test harness standing in for the WeCom client (non-production, simulator-mode tenants only): pick the signed-in
 * WeCom user and where the sidebar opens (1:1 chat with a customer, a group chat, the workbench); the sidebar opens
 * in its own window (as WeCom shows it beside the chat; every page refuses to be framed: server/http/app.ts) and its
 * `wx` (/wecom/sim/jssdk.js) asks this page's `window.__wecomClient` (window.opener) for getContext,
 * getCurExternalContact, getCurExternalChat and sendChatMessage. Messages put into the chat appear on the right.
 */
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useEffect, useRef, useState } from 'react';
import { harnessData, SIM_USER_COOKIE } from '~/lib/sidebar.server';
import mobileStyles from '~/styles/mobile.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: mobileStyles }];
export const meta: MetaFunction = () => [{ title: '企业微信模拟客户端 · WeCom client harness' }, { name: 'viewport', content: 'width=device-width, initial-scale=1' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return json({ ...(await harnessData(context, new URL(request.url).searchParams.get('t'))), cookie: SIM_USER_COOKIE });
}

type Entry = 'single_chat_tools' | 'group_chat_tools' | 'normal';
interface Sent {
  msgtype: string;
  text?: { content: string };
  news?: { title: string; link: string };
  image?: { mediaid: string };
}
interface HarnessClient {
  invoke(name: string, args: Record<string, unknown>, cb: (r: Record<string, unknown>) => void): void;
}
declare global {
  interface Window {
    __wecomClient?: HarnessClient;
  }
}

export default function Harness() {
  const { slug, users, cookie } = useLoaderData<typeof loader>();
  const [userid, setUserid] = useState(users[0]?.userid ?? '');
  const user = users.find((u) => u.userid === userid) ?? users[0];
  const [entry, setEntry] = useState<Entry>('single_chat_tools');
  const [eid, setEid] = useState(user?.contacts[0]?.eid ?? '');
  const [chatId, setChatId] = useState(user?.groups[0]?.chatId ?? '');
  const [opened, setOpened] = useState(false);
  // Messages are written into the pane directly: sendChatMessage is called from the sidebar's window.
  const chatRef = useRef<HTMLDivElement>(null);
  const ctx = useRef({ entry, eid, chatId });
  ctx.current = { entry, eid, chatId };
  useEffect(() => {
    window.__wecomClient = {
      invoke(name, args, cb) {
        const c = ctx.current;
        if (name === 'getContext') return cb({ err_msg: 'getContext:ok', entry: c.entry, shareTicket: '' });
        if (name === 'getCurExternalContact') return c.entry === 'single_chat_tools' ? cb({ err_msg: 'getCurExternalContact:ok', userId: c.eid }) : cb({ err_msg: 'getCurExternalContact:fail without context of external contact' });
        if (name === 'getCurExternalChat') return c.entry === 'group_chat_tools' ? cb({ err_msg: 'getCurExternalChat:ok', chatId: c.chatId }) : cb({ err_msg: 'getCurExternalChat:fail without context of external chat' });
        if (name === 'sendChatMessage') {
          if (c.entry === 'normal') return cb({ err_msg: 'sendChatMessage:fail not in a chat' });
          const m = args as unknown as Sent;
          const el = document.createElement('p');
          el.dataset.testid = 'harness-message';
          el.style.whiteSpace = 'pre-wrap';
          el.dataset.msgtype = m.msgtype;
          el.textContent = m.text?.content ?? (m.news ? `${m.news.title} ${m.news.link}` : m.image ? `[图片 image ${m.image.mediaid}]` : m.msgtype);
          chatRef.current?.appendChild(el);
          return cb({ err_msg: 'sendChatMessage:ok' });
        }
        cb({ err_msg: `${name}:fail not supported by the harness` });
      },
    };
  }, []);
  const open = () => {
    document.cookie = `${cookie}=${encodeURIComponent(userid)}; path=/; SameSite=Lax`;
    if (chatRef.current) chatRef.current.textContent = '';
    window.open(`/wecom/sidebar?t=${encodeURIComponent(slug)}`, 'wecom-sidebar', 'width=390,height=844');
    setOpened(true);
  };
  return (
    <div style={{ padding: '.5rem', maxWidth: 960, margin: '0 auto' }} className="m-shell">
      <h1 style={{ fontSize: '1.1rem' }}>企业微信模拟客户端 · WeCom client harness</h1>
      <div className="m-filters">
        <select value={userid} onChange={(e) => setUserid(e.target.value)} aria-label="WeCom user" data-testid="harness-user" className="wide">
          {users.map((u) => (
            <option key={u.userid} value={u.userid}>
              {u.name} {u.email ? `(${u.email})` : ''}
            </option>
          ))}
        </select>
        <select value={entry} onChange={(e) => setEntry(e.target.value as Entry)} aria-label="entry" data-testid="harness-entry">
          <option value="single_chat_tools">单聊 single_chat_tools</option>
          <option value="group_chat_tools">群聊 group_chat_tools</option>
          <option value="normal">工作台 normal</option>
        </select>
        {entry === 'group_chat_tools' ? (
          <select value={chatId} onChange={(e) => setChatId(e.target.value)} aria-label="group" data-testid="harness-group">
            {user?.groups.map((g) => (
              <option key={g.chatId} value={g.chatId}>
                {g.name}
              </option>
            ))}
          </select>
        ) : (
          <select value={eid} onChange={(e) => setEid(e.target.value)} aria-label="customer" data-testid="harness-contact">
            {user?.contacts.map((c) => (
              <option key={c.eid} value={c.eid}>
                {c.name}
              </option>
            ))}
          </select>
        )}
        <button type="button" className="wide" onClick={open} data-testid="harness-open">
          打开侧边栏 / Open the sidebar
        </button>
      </div>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: '.5rem' }}>
        {opened ? <p className="m-muted">侧边栏已在新窗口打开 / The sidebar is open in its own window</p> : null}
        <section className="m-card" style={{ flex: '1 1 240px' }} data-testid="harness-chat">
          <h2>聊天输入框 / Chat input</h2>
          <div ref={chatRef} />
        </section>
      </div>
    </div>
  );
}
