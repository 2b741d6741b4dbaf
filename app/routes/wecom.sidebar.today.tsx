/** The sidebar outside a chat (workbench): today's tasks, linking to the sidebar's customer card. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { KIND_LABELS } from '~/lib/clerk-contract';
import { loadToday } from '~/lib/clerk.server';
import { useT } from '~/lib/i18n';
import { requireSidebarActor } from '~/lib/sidebar.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireSidebarActor(request, context);
  const today = await loadToday(context, actor);
  return json({ tasks: today.tasks.slice(0, 50), counts: today.counts });
}

export default function SidebarToday() {
  const { tasks, counts } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <section className="m-card" data-testid="sidebar-today">
      <h2>{t(`今日任务（${counts.open}）`, `Today's tasks (${counts.open})`)}</h2>
      <ul className="m-list">
        {tasks.map((k) => (
          <li key={k.id}>
            {k.customer_id && k.in_scope ? (
              <Link className="m-row" to={`/wecom/sidebar/customers/${k.customer_id}`}>
                <span className="badge">{t(KIND_LABELS[k.kind]?.[0] ?? k.kind, KIND_LABELS[k.kind]?.[1] ?? k.kind)}</span>
                <span className="grow">{k.customer_name ?? '—'}</span>
              </Link>
            ) : (
              <div className="m-row">
                <span className="badge">{t(KIND_LABELS[k.kind]?.[0] ?? k.kind, KIND_LABELS[k.kind]?.[1] ?? k.kind)}</span> {k.customer_name ?? '—'}
              </div>
            )}
          </li>
        ))}
      </ul>
      <a className="button secondary tap" href="/m" style={{ display: 'block', textAlign: 'center' }}>
        {t('打开完整工作台', 'Open the full workspace')}
      </a>
    </section>
  );
}
