/** The report's headline: the verdict in a sentence, then reached vs holdout side by side. */
import type { CampaignReportJson } from '~/lib/contracts/campaign-report';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

const points = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`);

export function ReportKpis({ r }: { r: CampaignReportJson }) {
  const t = useT();
  const f = useFormat();
  const u = r.uplift;
  const verdict =
    u.absolute === null
      ? t('还没有可比较的数据：需要已送达的客户和对照组。', 'Nothing to compare yet: it needs reached customers and a holdout.')
      : u.significant
        ? u.absolute > 0
          ? t(`显著提升：触达客户的转化率比对照组高 ${points(u.absolute)} 个百分点（95% 区间 ${points(u.low)} ~ ${points(u.high)}）。`, `Significant uplift: reached customers converted ${points(u.absolute)} points above the holdout (95% interval ${points(u.low)} to ${points(u.high)}).`)
          : t(`显著下降：触达客户的转化率比对照组低 ${points(-u.absolute)} 个百分点。`, `Significantly lower: reached customers converted ${points(-u.absolute)} points below the holdout.`)
        : t(`差异不显著：${points(u.absolute)} 个百分点，95% 区间 ${points(u.low)} ~ ${points(u.high)} 包含 0。`, `Not significant: ${points(u.absolute)} points, the 95% interval ${points(u.low)} to ${points(u.high)} includes 0.`);
  return (
    <>
      <p className={`card uplift-note ${u.significant && (u.absolute ?? 0) > 0 ? 'good' : ''}`} data-testid="uplift-verdict" data-significant={u.significant ? 'yes' : 'no'}>
        {verdict}
      </p>
      <div className="cards kpis" data-testid="report-kpis">
        <Kpi label={t('受众 / 对照组', 'Audience / holdout')} value={`${f.number(r.audience)} / ${f.number(r.holdout)}`} hint={t(`计划发送 ${f.number(r.recipients)}`, `${f.number(r.recipients)} planned`)} testId="kpi-audience" />
        <Kpi label={t('已送达', 'Reached')} value={f.number(r.reached)} hint={t(`导购确认任务 ${r.tasks.confirmed} / ${r.tasks.created}`, `Tasks confirmed ${r.tasks.confirmed} / ${r.tasks.created}`)} testId="kpi-reached" />
        <Kpi label={t('转化率 触达 vs 对照', 'Conversion reached vs holdout')} value={`${f.percent(r.conversion_rate)} vs ${f.percent(r.holdout_conversion_rate)}`} hint={t(`${f.number(r.converted)} 人 vs ${f.number(r.holdout_converted)} 人`, `${f.number(r.converted)} vs ${f.number(r.holdout_converted)} customers`)} testId="kpi-conversion" />
        <Kpi label={t('提升（百分点）', 'Uplift (points)')} value={points(u.absolute)} hint={u.relative === null ? undefined : t(`相对提升 ${f.percent(u.relative)}`, `Relative ${f.percent(u.relative)}`)} testId="kpi-uplift" />
        <Kpi label={t('人均收入 触达 vs 对照', 'Revenue per recipient')} value={`${f.money(r.revenue_per_recipient_fen)} vs ${f.money(r.holdout_revenue_per_recipient_fen)}`} />
        <Kpi label={t('增量订单', 'Incremental orders')} value={f.number(r.incremental.orders, 1)} hint={t(`增量成交客户 ${f.number(r.incremental.conversions, 1)}`, `Incremental buyers ${f.number(r.incremental.conversions, 1)}`)} />
        <Kpi label={t('增量收入', 'Incremental revenue')} value={f.money(r.incremental.revenue_fen)} hint={t(`触达客户窗口内收入 ${f.money(r.revenue_fen)}`, `Reached customers’ revenue ${f.money(r.revenue_fen)}`)} />
      </div>
    </>
  );
}

function Kpi({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId?: string }) {
  return (
    <div className="card kpi" data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {hint ? <div className="hint muted">{hint}</div> : null}
    </div>
  );
}
