/** The group of the current group chat (getCurExternalChat): members and their lifecycle stage mix. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { STAGE_LABELS, label } from '~/lib/analytics-labels';
import { useT } from '~/lib/i18n';
import { loadSidebarGroup, requireSidebarActor } from '~/lib/sidebar.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireSidebarActor(request, context);
  const chat = new URL(request.url).searchParams.get('chat') ?? '';
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(chat)) throw json({ message: '当前会话不是客户群 / This chat is not a customer group' }, { status: 400 });
  return json({ group: await loadSidebarGroup(context, actor, chat) });
}

export default function SidebarGroup() {
  const { group } = useLoaderData<typeof loader>();
  const t = useT();
  if (!group) return <p className="m-muted">{t('这个群还没有同步到回客', 'This group is not in Huike yet')}</p>;
  const total = group.stages.reduce((s, x) => s + x.n, 0) || 1;
  return (
    <>
      <section className="m-card" data-testid="group-card">
        <h2>{group.name || t('（未命名群）', '(unnamed group)')}</h2>
        <p className="m-muted">{t(`${group.members} 位成员，其中客户 ${group.customers} 位`, `${group.members} members, ${group.customers} customers`)}</p>
        <ul className="m-list" data-testid="stage-mix">
          {group.stages.map((s) => (
            <li key={s.stage} className="m-row">
              <span className="grow">{s.stage === 'unknown' ? t('未识别', 'Not matched') : label(STAGE_LABELS, s.stage, t)}</span>
              <span>
                {s.n}（{Math.round((100 * s.n) / total)}%）
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section className="m-card">
        <h2>{t('群里我的客户', 'My customers in this group')}</h2>
        <ul className="m-list">
          {group.mine.map((m) => (
            <li key={m.id}>
              <Link className="m-row" to={`/wecom/sidebar/customers/${m.id}`}>
                <span className="grow">{m.name ?? '—'}</span>
                {m.is_due ? <span className="badge warn">{t('该回购了', 'Due')}</span> : null}
              </Link>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
