/** One campaign: its settings, the message as the customer sees it, and its runs with links to each run and the report. */
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { CampaignActions } from '~/components/campaigns/actions';
import { DeliveryLabel, ScheduleText, StatusBadge } from '~/components/campaigns/labels';
import { WecomPreview } from '~/components/campaigns/wecom-preview';
import { TableCard } from '~/components/table-card';
import { can } from '~/lib/auth.server';
import { campaignAction, campaignPage, idOr404, or404 } from '~/lib/campaigns.server';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import styles from '~/styles/campaigns.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'campaigns.view');
  const page = await or404(campaignPage(context.services, actor, idOr404(params.id)));
  return json({ ...page, canManage: can(actor.role, 'campaigns.manage'), isAdmin: actor.role === 'admin' });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'campaigns.manage');
  try {
    return json({ ok: true as const, error: undefined, ...(await campaignAction(context, actor, idOr404(params.id), String(form.get('intent') ?? ''))) });
  } catch (e) {
    return actionError(e, context);
  }
}

export default function Campaign() {
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  const c = d.campaign;
  return (
    <>
      <p>
        <Link to="/campaigns">← {t('营销活动', 'Campaigns')}</Link>
      </p>
      <div className="campaign-head">
        <h1 data-testid="campaign-name">{c.name}</h1>
        <StatusBadge status={c.status} />
        {d.canManage && c.status === 'draft' ? (
          <Link to={`/campaigns/${c.id}/edit`} className="button" data-testid="edit-link">
            {t('编辑', 'Edit')}
          </Link>
        ) : null}
        {d.runs.length > 0 ? (
          <Link to={`/campaigns/${c.id}/report`} className="button" data-testid="report-link">
            {t('增量报告', 'Uplift report')}
          </Link>
        ) : null}
      </div>
      {d.canManage ? <CampaignActions status={c.status} isAdmin={d.isAdmin} result={a as never} /> : null}
      <div className="cards" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(320px, 1fr))' }}>
        <section className="card">
          <dl className="kv">
            <dt>{t('目标', 'Goal')}</dt>
            <dd>{c.goal ?? '—'}</dd>
            <dt>{t('受众', 'Audience')}</dt>
            <dd>{c.segment_name ?? t('全部客户', 'All customers')}</dd>
            <dt>{t('方式', 'Delivery')}</dt>
            <dd>
              <DeliveryLabel delivery={c.delivery} />
              {c.target === 'customers_and_groups' ? t('，含导购的客户群', ', also the clerks’ customer group chats') : null}
            </dd>
            <dt>{t('计划', 'Schedule')}</dt>
            <dd>
              <ScheduleText schedule={c.schedule} format={f.dateTime} />
            </dd>
            <dt>{t('下次发送', 'Next run')}</dt>
            <dd>{f.dateTime(c.next_run_at)}</dd>
            <dt>{t('对照组', 'Holdout')}</dt>
            <dd>{`${Number(c.holdout_pct)}%`}</dd>
            <dt>{t('归因窗口', 'Attribution window')}</dt>
            <dd>{t(`发送后 ${c.attribution_days} 天`, `${c.attribution_days} days after the send`)}</dd>
            <dt>{t('免打扰时段', 'Quiet hours')}</dt>
            <dd>{(c.guardrails as { quiet_hours?: boolean }).quiet_hours === false ? t('不遵守（紧急服务消息）', 'Ignored (urgent service message)') : t('遵守租户设置', 'Respected')}</dd>
            <dt>{t('审批', 'Approval')}</dt>
            <dd>{c.approved_at ? f.dateTime(c.approved_at) : '—'}</dd>
          </dl>
        </section>
        <section className="card">
          <h2 style={{ marginTop: 0 }}>{t('客户看到的消息', 'What the customer sees')}</h2>
          <WecomPreview text={c.content.text ?? ''} attachments={(c.content.attachments ?? []) as never[]} />
        </section>
      </div>
      <TableCard
        title={t('发送批次', 'Runs')}
        testId="runs-table"
        empty={d.runs.length === 0 ? <p className="muted">{t('还没有发送批次。', 'No runs yet.')}</p> : null}
        head={
          <>
            <th>{t('计划时间', 'Planned for')}</th>
            <th>{t('状态', 'Status')}</th>
            <th>{t('受众', 'Audience')}</th>
            <th>{t('对照组', 'Holdout')}</th>
            <th>{t('计划发送', 'Recipients')}</th>
            <th>{t('已送达', 'Reached')}</th>
            <th>{t('导购确认', 'Tasks confirmed')}</th>
            <th />
          </>
        }
      >
        {d.runs.map((r) => (
          <tr key={r.id}>
            <td>
              <Link to={`/campaigns/${c.id}/runs/${r.id}`}>{f.dateTime(r.planned_for)}</Link>
            </td>
            <td>
              <StatusBadge status={r.status} run />
            </td>
            <td className="num">{f.number(r.audience)}</td>
            <td className="num">{f.number(r.holdout)}</td>
            <td className="num">{f.number(r.recipients)}</td>
            <td className="num">{f.number(r.reached)}</td>
            <td className="num">{`${f.number(r.tasks_confirmed)} / ${f.number(r.tasks_created)}`}</td>
            <td>
              <Link to={`/campaigns/${c.id}/report?run=${r.id}`}>{t('本批报告', 'Run report')}</Link>
            </td>
          </tr>
        ))}
      </TableCard>
    </>
  );
}
