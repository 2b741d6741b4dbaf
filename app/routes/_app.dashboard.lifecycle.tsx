/** Lifecycle: stage counts over time, the flows between stages over the period, and the repurchase window W. */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Sankey, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartCard } from '~/components/charts/chart-card';
import { COLORS, STAGE_COLORS } from '~/components/charts/palette';
import { ChartTip } from '~/components/charts/tooltip';
import { STAGE_LABELS, STAGE_ORDER, label } from '~/lib/analytics-labels';
import { can, changeRepurchaseWindow, dashboardData, dashboardLifecycle } from '~/lib/analytics.server';
import { num, shortDay } from '~/lib/dashboard-format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useRootData, useT } from '~/lib/i18n';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  const data = await dashboardData(request, context, actor, (s, a, input) => dashboardLifecycle(s, a, input));
  return json({ ...data, canEditWindow: can(actor.role, 'settings.manage') });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'settings.manage');
  try {
    const raw = String(form.get('window') ?? '').trim();
    const days = raw === '' ? null : Number(raw);
    await changeRepurchaseWindow(context.services, actor, days !== null && Number.isFinite(days) ? days : days === null ? null : -1);
    return json({ ok: true as const, error: null });
  } catch (e) {
    return actionError(e, context);
  }
}

interface SankeyNodeProps {
  x: number;
  y: number;
  width: number;
  height: number;
  index: number;
  payload: { name: string; stage?: string; side?: string; value?: number };
}

export default function Lifecycle() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const nav = useNavigation();
  const t = useT();
  const { csrfToken } = useRootData();
  const total = d.stages.reduce((s, x) => s + x.customers, 0);
  const stageName = (s: string) => (s === 'prospect' ? t('尚未购买', 'No purchase yet') : label(STAGE_LABELS, s, t));
  const sankey = {
    nodes: d.sankey.nodes.map((n) => ({ ...n, name: `${n.side === 'from' ? t('期初', 'Start') : t('期末', 'End')} · ${stageName(n.stage)}` })),
    links: d.sankey.links,
  };
  const SankeyNode = (p: SankeyNodeProps) => {
    const stage = p.payload.stage ?? '';
    const left = p.payload.side === 'from';
    return (
      <g>
        <rect x={p.x} y={p.y} width={p.width} height={p.height} fill={STAGE_COLORS[stage] ?? COLORS.brand} rx={2} />
        <text x={left ? p.x - 6 : p.x + p.width + 6} y={p.y + p.height / 2} textAnchor={left ? 'end' : 'start'} dominantBaseline="middle" fontSize={12} fill="#334155">
          {stageName(stage)} {num(p.payload.value ?? 0)}
        </text>
      </g>
    );
  };
  return (
    <>
      <div className="cards kpis">
        {d.stages.map((s) => (
          <Link key={s.stage} to={`/customers?stage=${s.stage}`} className="card kpi kpi-link">
            <div className="label">
              <span className={`badge stage-${s.stage}`}>{label(STAGE_LABELS, s.stage, t)}</span>
            </div>
            <div className="value">{num(s.customers)}</div>
            <div className="hint muted">{total ? `${((s.customers / total) * 100).toFixed(1)}%` : '—'}</div>
          </Link>
        ))}
      </div>

      <ChartCard
        id="stage-trend"
        title={t('各阶段客户数变化', 'Customers by stage over time')}
        subtitle={t('每日快照（按客户的归属门店）', 'Daily snapshots (by the customer’s home store)')}
        height={300}
        empty={d.trend.length < 2 ? t('快照不足两天：每日任务会逐日记录，趋势随之出现', 'Fewer than two daily snapshots yet: the daily job records one per day') : null}
        data={{
          fileName: `stage-trend-${d.meta.from}-${d.meta.to}`,
          columns: [
            { key: 'day', label: t('日期', 'Day') },
            { key: 'newCustomers', label: t('新客', 'New') },
            { key: 'active', label: t('新客+活跃', 'New + active') },
            { key: 'atRisk', label: t('流失预警', 'At risk') },
            { key: 'lapsed', label: t('已流失', 'Lapsed') },
          ],
          rows: d.trend.map((p) => ({ day: p.day, newCustomers: p.newCustomers, active: p.active, atRisk: p.atRisk, lapsed: p.lapsed })),
        }}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={d.trend.map((p) => ({ ...p, activeOnly: p.active - p.newCustomers }))} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis dataKey="day" tickFormatter={shortDay} tick={{ fontSize: 12, fill: COLORS.axis }} minTickGap={24} />
              <YAxis tick={{ fontSize: 12, fill: COLORS.axis }} width={56} tickFormatter={(v: number) => num(v)} />
              <Tooltip content={<ChartTip format={(v) => num(Number(v))} />} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Area isAnimationActive={false} type="monotone" stackId="s" dataKey="newCustomers" name={t('新客', 'New')} stroke={STAGE_COLORS.new} fill={STAGE_COLORS.new} fillOpacity={0.6} />
              <Area isAnimationActive={false} type="monotone" stackId="s" dataKey="activeOnly" name={t('活跃', 'Active')} stroke={STAGE_COLORS.active} fill={STAGE_COLORS.active} fillOpacity={0.6} />
              <Area isAnimationActive={false} type="monotone" stackId="s" dataKey="atRisk" name={t('流失预警', 'At risk')} stroke={STAGE_COLORS.at_risk} fill={STAGE_COLORS.at_risk} fillOpacity={0.6} />
              <Area isAnimationActive={false} type="monotone" stackId="s" dataKey="lapsed" name={t('已流失', 'Lapsed')} stroke={STAGE_COLORS.lapsed} fill={STAGE_COLORS.lapsed} fillOpacity={0.35} />
            </AreaChart>
          </ResponsiveContainer>
        )}
      </ChartCard>

      <ChartCard
        id="stage-flows"
        title={t('阶段流转', 'Flows between stages')}
        subtitle={t(`${d.flowFrom}（期初）→ ${d.flowTo}（期末）各阶段客户的去向；“潜在客户”为期初尚未购买`, `Where customers of each stage on ${d.flowFrom} were on ${d.flowTo}; “prospect” = no purchase yet at the start`)}
        height={360}
        empty={d.sankey.links.length === 0 ? t('期间没有客户', 'No customers in the period') : null}
        data={{
          fileName: `stage-flows-${d.flowFrom}-${d.flowTo}`,
          columns: [
            { key: 'from', label: t('期初阶段', 'Stage at start') },
            { key: 'to', label: t('期末阶段', 'Stage at end') },
            { key: 'customers', label: t('客户数', 'Customers') },
          ],
          rows: [...d.flows]
            .sort((a, b) => STAGE_ORDER.indexOf(a.from) - STAGE_ORDER.indexOf(b.from) || STAGE_ORDER.indexOf(a.to) - STAGE_ORDER.indexOf(b.to))
            .map((f) => ({ from: stageName(f.from), to: stageName(f.to), customers: f.customers })),
        }}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <Sankey data={sankey} nodePadding={24} nodeWidth={14} margin={{ top: 10, right: 140, bottom: 10, left: 140 }} link={{ stroke: '#94a3b8', strokeOpacity: 0.35 }} node={(p: SankeyNodeProps) => <SankeyNode {...p} />}>
              <Tooltip content={<ChartTip title={() => t('客户流转', 'Flow')} format={(v) => num(Number(v))} />} />
            </Sankey>
          </ResponsiveContainer>
        )}
      </ChartCard>

      <section className="card">
        <h2 style={{ marginTop: 0 }}>{t('复购窗口 W', 'Repurchase window W')}</h2>
        <p>
          {t(
            `当前 W = ${d.windowDays ?? '—'} 天（${d.windowSource === 'setting' ? '手动设置' : d.windowSource === 'auto' ? '自动：全部复购间隔的 80 分位数，限制在 14–365 天' : '默认：复购间隔太少'}）。新客/活跃：距上次购买 ≤ W 天；流失预警：W~2W 天；已流失：> 2W 天。`,
            `W = ${d.windowDays ?? '—'} days (${d.windowSource === 'setting' ? 'set by hand' : d.windowSource === 'auto' ? 'automatic: 80th percentile of all intervals, within 14–365 days' : 'default: too few intervals'}). New/active: last purchase ≤ W days ago; at risk: W–2W; lapsed: > 2W.`,
          )}
        </p>
        {d.canEditWindow ? (
          <Form method="post" className="settings-inline">
            <input type="hidden" name="_csrf" value={csrfToken ?? ''} />
            <label>
              {t('设置 W（天，留空 = 自动）', 'Set W (days, empty = automatic)')}
              <input name="window" type="number" min={1} max={3650} defaultValue={d.windowSource === 'setting' ? (d.windowDays ?? '') : ''} />
            </label>
            <button type="submit" className="secondary" disabled={nav.state !== 'idle'}>
              {t('保存', 'Save')}
            </button>
            {result?.ok ? <span className="muted">{t('已保存，正在重新计算（约一分钟内生效）', 'Saved: recomputing now (applies within a minute)')}</span> : null}
            {result && !result.ok ? <span className="alert error">{result.error}</span> : null}
          </Form>
        ) : null}
      </section>
    </>
  );
}
