/** The sidebar's entry: branches on getContext — 1:1 chat → the customer, group chat → the group, elsewhere → today's tasks. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useNavigate } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { useT } from '~/lib/i18n';
import { requireSidebarActor } from '~/lib/sidebar.server';
import { useSidebar } from './wecom.sidebar';

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireSidebarActor(request, context);
  return json({});
}

export default function SidebarEntry() {
  const sb = useSidebar();
  const navigate = useNavigate();
  const t = useT();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (sb.status !== 'ready') return;
    (async () => {
      const ctx = await sb.invoke('getContext');
      const entry = String(ctx.entry ?? 'normal');
      if (entry === 'single_chat_tools' || entry === 'contact_profile') {
        const r = await sb.invoke('getCurExternalContact');
        navigate(`/wecom/sidebar/contact?eid=${encodeURIComponent(String(r.userId ?? ''))}`, { replace: true });
      } else if (entry === 'group_chat_tools') {
        const r = await sb.invoke('getCurExternalChat');
        navigate(`/wecom/sidebar/group?chat=${encodeURIComponent(String(r.chatId ?? ''))}`, { replace: true });
      } else navigate('/wecom/sidebar/today', { replace: true });
    })().catch((e: Error) => setError(e.message));
  }, [sb, navigate]);
  return <p className="m-muted">{error ?? t('正在识别当前会话…', 'Reading the current chat…')}</p>;
}
