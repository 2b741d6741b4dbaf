/**
 * Execution of the clerk's workspace: per store and clerk, tasks created / done / skipped / to do / overdue, follow-ups
 * logged and what they led to (an order within 7 days), messages sent from the sidebar; a chart and sortable
 * tables; the 群发 confirmation rate (campaign mass-message tasks confirmed in WeCom / created); a WeCom app message
 * (message/send) nudges clerks with overdue tasks.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation } from '@remix-run/react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { z } from 'zod';
import { ChartCard } from '~/components/charts/chart-card';
import { COLORS } from '~/components/charts/palette';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { EXECUTION_SORTS, loadExecution, nudgeClerks } from '~/lib/clerk.server';
import { num, pct } from '~/lib/dashboard-format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { SortHead } from '~/components/sort-head';
import { TableCard } from '~/components/table-card';

const DAYS = [7, 30, 90] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  const q = new URL(request.url).searchParams;
  const p = z
    .object({ days: z.coerce.number().pipe(z.union([z.literal(7), z.literal(30), z.literal(90)])).catch(30), sort: z.enum(EXECUTION_SORTS).catch('overdue'), dir: z.enum(['asc', 'desc']).catch('desc') })
    .parse({ days: q.get('days') ?? undefined, sort: q.get('sort') ?? undefined, dir: q.get('dir') ?? undefined });
  return json({ ...(await loadExecution(context, actor, p)), p });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor } = await requireMutation(request, context, 'dashboard.view');
  try {
    return json({ ok: true as const, error: undefined, nudged: await nudgeClerks(context, actor) });
  } catch (e) {
    return actionError(e, context);
  }
}

export default function Execution() {
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const nav = useNavigation();
  const t = useT();
  const { search, pathname } = useLocation();
  const withDays = (n: number) => {
    const q = new URLSearchParams(search);
    q.set('days', String(n));
    return `${pathname}?${q.toString()}`;
  };
  const top = [...d.rows].sort((x, y) => y.created + y.open + y.overdue - (x.created + x.open + x.overdue)).slice(0, 20);
  const overdueClerks = d.rows.filter((r) => r.overdue > 0).length;
  const cols = [
    { key: 'name', label: t('导购', 'Clerk') },
    { key: 'store', label: t('门店', 'Store') },
    { key: 'created', label: t('新任务', 'Tasks created') },
    { key: 'done', label: t('完成', 'Done') },
    { key: 'skipped', label: t('跳过', 'Skipped') },
    { key: 'open', label: t('待办', 'To do') },
    { key: 'overdue', label: t('逾期', 'Overdue') },
    { key: 'follow_ups', label: t('跟进记录', 'Follow-ups') },
    { key: 'converted', label: t('7 天内成交', 'Ordered within 7 d') },
    { key: 'touches', label: t('侧边栏发送', 'Sidebar sends') },
    { key: 'mass_created', label: t('群发任务', '群发 tasks') },
    { key: 'mass_confirmed', label: t('群发已确认', '群发 confirmed') },
  ];
  return (
    <>
      <div className="tabs" aria-label={t('时间范围', 'Period')}>
        {DAYS.map((n) => (
          <Link key={n} to={withDays(n)} className={d.p.days === n ? 'active' : undefined}>
            {t(`近 ${n} 天`, `Last ${n} days`)}
          </Link>
        ))}
      </div>
      <ChartCard
        id="execution-chart"
        title={t('导购执行情况', 'Clerk execution')}
        subtitle={t('任务量最多的 20 位导购', 'The 20 clerks with the most tasks')}
        height={Math.max(220, 26 * top.length + 60)}
        data={{ fileName: `execution-${d.today}`, columns: cols, rows: d.rows.map((r) => ({ ...r, store: r.store ?? '' })) }}
        empty={top.length === 0 ? t('暂无导购', 'No clerks') : null}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={top} layout="vertical" margin={{ top: 4, right: 24, left: 8, bottom: 4 }}>
              <CartesianGrid stroke={COLORS.grid} horizontal={false} />
              <XAxis type="number" tick={{ fontSize: 12, fill: COLORS.axis }} allowDecimals={false} />
              <YAxis type="category" dataKey="name" tick={{ fontSize: 12, fill: COLORS.axis }} width={110} />
              <Tooltip />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar isAnimationActive={false} stackId="k" dataKey="done" name={t('完成', 'Done')} fill={COLORS.active} />
              <Bar isAnimationActive={false} stackId="k" dataKey="skipped" name={t('跳过', 'Skipped')} fill={COLORS.anonymous} />
              <Bar isAnimationActive={false} stackId="k" dataKey="open" name={t('待办', 'To do')} fill={COLORS.atRisk} />
              <Bar isAnimationActive={false} stackId="k" dataKey="overdue" name={t('逾期', 'Overdue')} fill={COLORS.lapsed} />
              <Bar isAnimationActive={false} dataKey="follow_ups" name={t('跟进记录', 'Follow-ups')} fill={COLORS.predicted} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
      <section className="card">
        <FormResult data={a} ok={a && 'nudged' in a && a.nudged ? t(`已提醒 ${a.nudged.sent} 位导购（${a.nudged.withoutWecom} 位未绑定企业微信）`, `Nudged ${a.nudged.sent} clerks (${a.nudged.withoutWecom} without WeCom)`) : undefined} />
        <Form method="post" style={{ display: 'flex', gap: '1rem', alignItems: 'center', flexWrap: 'wrap' }}>
          <CsrfInput />
          <span>{t(`${overdueClerks} 位导购有逾期任务`, `${overdueClerks} clerks have overdue tasks`)}</span>
          <button type="submit" disabled={overdueClerks === 0 || nav.state !== 'idle'} data-testid="nudge">
            {t('发企业微信提醒', 'Nudge through WeCom')}
          </button>
        </Form>
      </section>
      <TableCard
        title={t('门店', 'Stores')}
        tableId="execution-stores"
        head={
          <>
            <th>{t('门店', 'Store')}</th>
            <th>{t('导购', 'Clerks')}</th>
            <th>{t('新任务', 'Created')}</th>
            <th>{t('完成率', 'Done rate')}</th>
            <th>{t('待办', 'To do')}</th>
            <th>{t('逾期', 'Overdue')}</th>
            <th>{t('跟进记录', 'Follow-ups')}</th>
            <th>{t('7 天内成交率', 'Ordered within 7 d')}</th>
            <th>{t('群发确认率', '群发 confirmation rate')}</th>
          </>
        }
      >
        {d.stores.map((s) => (
          <tr key={s.storeId ?? 'none'}>
            <td>{s.store ?? t('未分配门店', 'No store')}</td>
            <td className="num">{num(s.clerks)}</td>
            <td className="num">{num(s.created)}</td>
            <td className="num">{pct(s.doneRate)}</td>
            <td className="num">{num(s.open)}</td>
            <td className="num">{num(s.overdue)}</td>
            <td className="num">{num(s.followUps)}</td>
            <td className="num">{pct(s.conversionRate)}</td>
            <td className="num" data-testid="store-mass-rate">
              <RateOf rate={s.massRate} part={s.massConfirmed} whole={s.massCreated} />
            </td>
          </tr>
        ))}
      </TableCard>
      <TableCard
        title={t('导购', 'Clerks')}
        tableId="execution-clerks"
        testId="execution-table"
        head={
          <>
            <SortHead id="name" label={t('导购', 'Clerk')} current={d.p.sort} dir={d.p.dir} />
            <SortHead id="store" label={t('门店', 'Store')} current={d.p.sort} dir={d.p.dir} />
            <SortHead id="created" label={t('新任务', 'Created')} current={d.p.sort} dir={d.p.dir} />
            <SortHead id="done" label={t('完成', 'Done')} current={d.p.sort} dir={d.p.dir} />
            <SortHead id="done_rate" label={t('完成率', 'Done rate')} current={d.p.sort} dir={d.p.dir} />
            <th>{t('待办', 'To do')}</th>
            <SortHead id="overdue" label={t('逾期', 'Overdue')} current={d.p.sort} dir={d.p.dir} />
            <SortHead id="follow_ups" label={t('跟进记录', 'Follow-ups')} current={d.p.sort} dir={d.p.dir} />
            <SortHead id="converted" label={t('7 天内成交', 'Ordered within 7 d')} current={d.p.sort} dir={d.p.dir} />
            <th>{t('侧边栏发送', 'Sidebar sends')}</th>
            <SortHead id="mass_rate" label={t('群发确认率', '群发 confirmation rate')} current={d.p.sort} dir={d.p.dir} />
          </>
        }
      >
        {d.rows.map((r) => (
          <tr key={r.staff_id} data-testid="execution-row">
            <td>{r.name}</td>
            <td>{r.store ?? '—'}</td>
            <td className="num">{num(r.created)}</td>
            <td className="num">{num(r.done)}</td>
            <td className="num">{pct(r.created > 0 ? r.done / r.created : null)}</td>
            <td className="num" data-testid="open-count">{num(r.open)}</td>
            <td className="num">{num(r.overdue)}</td>
            <td className="num" data-testid="follow-ups-count">{num(r.follow_ups)}</td>
            <td className="num">{num(r.converted)}</td>
            <td className="num">{num(r.touches)}</td>
            <td className="num" data-testid="mass-rate">
              <RateOf rate={r.mass_created > 0 ? r.mass_confirmed / r.mass_created : null} part={r.mass_confirmed} whole={r.mass_created} />
            </td>
          </tr>
        ))}
      </TableCard>
    </>
  );
}

/** A rate with its counts: "40.0% (2/5)". */
function RateOf({ rate, part, whole }: { rate: number | null; part: number; whole: number }) {
  return (
    <>
      {pct(rate)} <span className="muted">({num(part)}/{num(whole)})</span>
    </>
  );
}
