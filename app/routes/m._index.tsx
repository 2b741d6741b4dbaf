/**
 * 今日: the clerk's tasks for today — 群发 tasks to confirm in WeCom, follow-ups, 1:1 campaign sends with their script,
 * birthdays, due customers in priority order, new customers to tag, ended relations — and their moments and handovers.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { MassTasks, TaskItem } from '~/components/clerk/task-item';
import { closeTaskFor, loadToday } from '~/lib/clerk.server';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'customers.view');
  return json(await loadToday(context, actor));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'customers.view');
  try {
    const r = await closeTaskFor(context, actor, Object.fromEntries(form));
    return json({ ok: true as const, error: undefined, taskId: r.id });
  } catch (e) {
    return actionError(e, context);
  }
}

export default function Today() {
  const { tasks, counts, today, wecom, mass } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <section className="m-card">
        <h2>
          {t('今日任务', "Today's tasks")} <span className="m-muted">{today}</span>
        </h2>
        <p className="m-muted" data-testid="today-counts" style={{ margin: 0 }}>
          {t(`待办 ${counts.open} · 逾期 ${counts.overdue} · 今日完成 ${counts.done_today} · 跳过 ${counts.skipped_today}`, `${counts.open} open · ${counts.overdue} overdue · ${counts.done_today} done today · ${counts.skipped_today} skipped`)}
        </p>
      </section>
      <MassTasks tasks={mass} />
      {tasks.length === 0 ? (
        <section className="m-card">
          <p className="m-muted">{t('今天的任务都处理完了', 'All done for today')}</p>
        </section>
      ) : (
        <section className="m-card">
          <ul className="m-list" data-testid="task-list">
            {tasks.map((k) => (
              <TaskItem key={k.id} task={k} />
            ))}
          </ul>
        </section>
      )}
      {wecom.moments.length > 0 && (
        <section className="m-card" data-testid="moment-tasks">
          <h2>{t('待发朋友圈', 'Moments to post')}</h2>
          <p className="m-muted" style={{ marginTop: 0 }}>{t('在企业微信「客户朋友圈」中确认发表', 'Confirm them in WeCom under Customer Moments')}</p>
          <ul className="m-list">
            {wecom.moments.map((m) => (
              <li key={m.id}>{m.text.length > 60 ? `${m.text.slice(0, 60)}…` : m.text}</li>
            ))}
          </ul>
        </section>
      )}
      {wecom.handovers.length > 0 && (
        <section className="m-card" data-testid="handovers">
          <h2>{t('客户交接', 'Customer handovers')}</h2>
          <ul className="m-list">
            {wecom.handovers.map((h) => (
              <li key={h.id}>
                {h.direction === 'in' ? t(`从 ${h.from_clerk} 接手`, `From ${h.from_clerk}`) : t(`交给 ${h.to_clerk}`, `To ${h.to_clerk}`)}
                <span className="m-muted">
                  {' '}
                  {t(`${h.customers} 位客户 · 已接手 ${h.kept} · 拒绝 ${h.refused} · 等待 ${h.waiting}`, `${h.customers} customers · ${h.kept} kept · ${h.refused} refused · ${h.waiting} waiting`)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
