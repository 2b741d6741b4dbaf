/** 今日: the clerk's tasks for today — follow-ups, campaign sends, due customers in priority order, new customers to tag, ended relations. */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useFetcher, useLoaderData } from '@remix-run/react';
import { useState } from 'react';
import { CsrfInput } from '~/components/csrf';
import { STAGE_LABELS, label } from '~/lib/analytics-labels';
import { KIND_LABELS, SKIP_LABELS, SKIP_REASONS } from '~/lib/clerk-contract';
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

type Task = ReturnType<typeof useLoaderData<typeof loader>>['tasks'][number];

function CampaignScript({ text }: { text: string }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="m-script" data-testid="campaign-script">
      <p style={{ whiteSpace: 'pre-wrap', margin: '6px 0' }}>{text}</p>
      <button type="button" className="secondary" onClick={copy}>
        {copied ? t('已复制，去聊天里粘贴发送', 'Copied: paste it into the chat') : t('复制话术', 'Copy script')}
      </button>
    </div>
  );
}

function TaskItem({ task }: { task: Task }) {
  const t = useT();
  const fetcher = useFetcher<typeof action>();
  const [skipping, setSkipping] = useState(false);
  const kind = KIND_LABELS[task.kind] ?? [task.kind, task.kind];
  const closing = fetcher.state !== 'idle' || (fetcher.data && 'taskId' in fetcher.data);
  const detail =
    task.kind === 'due' && task.median_interval_days
      ? t(`通常每 ${Math.round(task.median_interval_days)} 天回购，已 ${task.recency_days ?? '—'} 天`, `Buys every ${Math.round(task.median_interval_days)} d, ${task.recency_days ?? '—'} d since`)
      : task.kind === 'relation_ended'
        ? t('客户已删除你或关系已转移', 'The customer removed you or was transferred')
        : task.title ?? '';
  // A 1:1 campaign task carries the personalised script the clerk copies into the chat, then marks as sent.
  const script = task.kind === 'campaign' && typeof task.payload.text === 'string' ? task.payload.text : null;
  if (closing && !(fetcher.data && 'error' in fetcher.data && fetcher.data.error)) return null;
  return (
    <li data-testid="task" data-kind={task.kind}>
      <div className="m-row">
        <div className="grow">
          <div>
            <span className="badge">{t(kind[0], kind[1])}</span> <strong>{task.customer_name ?? t('（未命名）', '(no name)')}</strong>
            {task.stage ? <span className="m-muted"> · {label(STAGE_LABELS, task.stage, t)}</span> : null}
          </div>
          {detail ? <div className="sub">{detail}</div> : null}
        </div>
        {task.customer_id && task.in_scope ? (
          <Link to={`/m/customers/${task.customer_id}`} className="button secondary tap" data-testid="task-open">
            {t('查看', 'Open')}
          </Link>
        ) : null}
      </div>
      {script ? <CampaignScript text={script} /> : null}
      {fetcher.data && 'error' in fetcher.data && fetcher.data.error ? <div className="alert error">{fetcher.data.error}</div> : null}
      <div className="m-actions">
        {!skipping ? (
          <>
            <fetcher.Form method="post">
              <CsrfInput />
              <input type="hidden" name="taskId" value={task.id} />
              <button type="submit" name="intent" value="done" style={{ flex: 1 }}>
                {script ? t('已发送', 'Sent') : t('完成', 'Done')}
              </button>
              <button type="button" className="secondary" style={{ flex: 1 }} onClick={() => setSkipping(true)}>
                {t('跳过', 'Skip')}
              </button>
            </fetcher.Form>
          </>
        ) : (
          <fetcher.Form method="post">
            <CsrfInput />
            <input type="hidden" name="taskId" value={task.id} />
            <select name="reason" required defaultValue="" aria-label={t('跳过原因', 'Reason')}>
              <option value="" disabled>
                {t('选择跳过原因', 'Choose a reason')}
              </option>
              {SKIP_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(SKIP_LABELS[r]![0], SKIP_LABELS[r]![1])}
                </option>
              ))}
            </select>
            <button type="submit" name="intent" value="skip">
              {t('确认跳过', 'Skip')}
            </button>
          </fetcher.Form>
        )}
      </div>
    </li>
  );
}

export default function Today() {
  const { tasks, counts, today, wecom } = useLoaderData<typeof loader>();
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
