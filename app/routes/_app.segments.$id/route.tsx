/**
 * One segment: its members now (inside the viewer's scope, paged in the shared table), size per day, the builder
 * to change it (ops/admin), delete, and the actions on all members (export, bulk tags, follow-up tasks).
 */
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartCard } from '~/components/charts/chart-card';
import { CsrfInput } from '~/components/csrf';
import { DataTable } from '~/components/data-table';
import { FormResult } from '~/components/form-result';
import { SegmentEditor, usePreviewColumns } from '~/components/segments/segment-editor';
import { can } from '~/lib/auth.server';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { useRevalidateWhile } from '~/lib/use-revalidate-while';
import { SegmentActions } from './segment-actions';
import { removeSegment, saveSegment, segmentBulkTag, segmentFollowUp, segmentPage } from '~/lib/segments.server';
import { segmentForm } from '~/lib/segments/form';
import { parseRule, EMPTY_RULE } from '~/lib/segments/rule';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';
import styles from '~/styles/segments.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'segments.view');
  const p = parseTableParams(new URL(request.url), tableParamsSchema(['monetary'], { sort: 'monetary', size: 20 }));
  const canManage = can(actor.role, 'segments.manage');
  const data = await segmentPage(context.services, actor, params.id ?? '', p);
  const s = data.segment;
  const rule = parseRule(s.rule);
  return json({
    segment: { id: s.id, name: s.name, description: s.description, kind: s.kind, template: s.template, size: s.size, refreshed_at: s.refreshed_at, refreshed_as_of: s.refreshed_as_of, source: s.source, filling: s.fill_owed_since !== null, fillError: s.fill_error },
    rule: rule.ok ? rule.rule : EMPTY_RULE,
    members: data.members,
    sizes: data.sizes,
    options: data.options,
    actions: data.actions.map((a) => ({ id: a.id, kind: a.kind, status: a.status, total: a.total, done: a.done, pending: a.pending, failed: a.failed, skipped: a.skipped, error: a.error, params: a.params as { tagName?: string; title?: string }, created_at: a.created_at, by: a.created_by_label })),
    canManage,
    scoped: actor.storeScope !== null,
    p,
  });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'segments.manage');
  const id = params.id ?? '';
  try {
    const intent = String(form.get('intent') ?? '');
    if (intent === 'tag') {
      await segmentBulkTag(context.services, actor, id, { op: form.get('op'), tagId: form.get('tagId') });
      return json({ ok: true as const, intent });
    }
    if (intent === 'follow_up') {
      await segmentFollowUp(context.services, actor, id, { title: form.get('title'), note: form.get('note'), dueOn: form.get('dueOn') });
      return json({ ok: true as const, intent });
    }
    if (intent === 'delete') {
      await removeSegment(context.services, actor, id);
      return redirect('/segments');
    }
    await saveSegment(context.services, actor, id, segmentForm(form));
    return json({ ok: true as const, intent });
  } catch (e) {
    return actionError(e, context);
  }
}

export default function SegmentPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const columns = usePreviewColumns();
  const s = d.segment;
  const frozenPending = s.filling && s.kind === 'static';
  useRevalidateWhile((s.filling && !s.fillError) || d.actions.some((a) => a.status === 'queued' || a.status === 'running'));
  return (
    <>
      <p>
        <Link to="/segments">← {t('客户分群', 'Segments')}</Link>
      </p>
      <div className="dash-title">
        <h1>{s.name}</h1>
        <p className="muted">
          {s.kind === 'dynamic' ? t('动态分群', 'Dynamic segment') : t('静态分群', 'Static segment')}
          {s.refreshed_as_of && !frozenPending ? ` · ${t(`成员更新于 ${s.refreshed_as_of}`, `members as of ${s.refreshed_as_of}`)}` : ''}
        </p>
      </div>
      {s.description ? <p>{s.description}</p> : null}
      {s.fillError ? (
        <p className="alert error" role="alert" data-testid="segment-fill-error">
          {t(`成员计算失败：${s.fillError}。修改规则后重新保存即可重新计算。`, `The members could not be computed: ${s.fillError}. Mend the rule and save it to compute them again.`)}
        </p>
      ) : s.filling ? (
        <p className="alert info" role="status" data-testid="segment-filling">
          {frozenPending
            ? t('成员计算中：分群较大，成员在后台计算，完成后本页自动更新；在此之前不能导出、打标签或用作活动受众。', 'Computing the members: a large segment is filled in the background and this page updates when it is done; until then it cannot be exported, tagged or used as an audience.')
            : t('人数更新中：规则已保存，成员按新规则实时显示；每日人数与进出记录在后台更新。', 'Updating the size: the rule is saved and the members below follow it now; the size per day and the entries and exits are updated in the background.')}
        </p>
      ) : null}
      {result && !('intent' in result) ? <FormResult data={result} /> : null}
      <div className="cards">
        <div className="card kpi">
          <div className="label">{d.scoped ? t('你范围内的成员', 'Members in your scope') : t('当前成员', 'Members now')}</div>
          <div className="value" data-testid="segment-count">
            {frozenPending ? (s.fillError ? '—' : t('计算中…', 'Computing…')) : d.members.total.toLocaleString('en-US')}
          </div>
        </div>
      </div>
      {d.sizes.length > 1 ? (
        <ChartCard
          title={t('每日人数', 'Size per day')}
          data={{ fileName: `segment-${s.id}-sizes`, columns: [{ key: 'day', label: t('日期', 'Day') }, { key: 'size', label: t('人数', 'Size') }, { key: 'entered', label: t('进入', 'Entered') }, { key: 'exited', label: t('退出', 'Exited') }], rows: d.sizes }}
        >
          {() => (
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={d.sizes}>
                <XAxis dataKey="day" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Line dataKey="size" stroke="#0f766e" dot={false} name={t('人数', 'Size')} />
              </LineChart>
            </ResponsiveContainer>
          )}
        </ChartCard>
      ) : (
        <p className="muted" data-testid="sizes-pending">
          {t('每日人数：每次刷新后记录一次，有两天的记录后在此显示趋势图。', 'Size per day: recorded at each refresh; the chart shows here once two days are recorded.')}
        </p>
      )}
      {frozenPending ? null : <SegmentActions d={d} result={result} />}
      <h2>{t('成员', 'Members')}</h2>
      <DataTable columns={columns} data={d.members.rows} total={d.members.total} page={d.p.page} size={d.p.size} rowKey={(r) => r.id} caption={t('成员', 'Members')} empty={frozenPending ? t('成员计算中…', 'Computing the members…') : t('没有成员', 'No members')} />
      {d.canManage && d.options ? (
        <>
          {s.source === 'upload' ? null : <h2>{t('编辑规则', 'Edit the rule')}</h2>}
          {s.source === 'upload' ? null : <SegmentEditor key={JSON.stringify(d.rule)} initial={{ name: s.name, description: s.description, kind: s.kind, rule: d.rule, template: s.template }} options={d.options} canSave submitLabel={t('保存修改', 'Save changes')} />}
          <Form method="post" onSubmit={(e) => (confirm(t('确定删除该分群？', 'Delete this segment?')) ? undefined : e.preventDefault())}>
            <CsrfInput />
            <button type="submit" name="intent" value="delete" className="secondary">
              {t('删除分群', 'Delete segment')}
            </button>
          </Form>
        </>
      ) : null}
      {result && 'intent' in result && result.intent === 'save' ? <FormResult data={result} ok={t('已保存', 'Saved')} /> : null}
    </>
  );
}
