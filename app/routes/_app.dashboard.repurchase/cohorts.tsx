/** Monthly cohort retention as a heatmap; the current month's cells are marked partial (not comparable with full months). */
import type { SerializeFrom } from '@remix-run/node';
import { ChartCard } from '~/components/charts/chart-card';
import { Heatmap, type HeatCell } from '~/components/charts/heatmap';
import { csvRate, num, pct } from '~/lib/dashboard-format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

export function CohortRetention({ d }: { d: Data }) {
  const t = useT();
  const maxK = Math.max(0, ...d.cohorts.map((c) => c.retention.length - 1));
  const partialNote = t(`本月未结束（截至 ${d.meta.asOf}），数值仍会上升`, `Month not over yet (as of ${d.meta.asOf}): the share will still grow`);
  const cohortCells: HeatCell[] = d.cohorts.flatMap((c) =>
    c.retention.map((r, k) => ({
      row: c.cohort,
      col: String(k),
      value: k === 0 ? null : r,
      intensity: k === 0 ? 0 : Math.min(1, r / 0.5),
      label: k === 0 ? num(c.size) : pct(r, 0),
      partial: c.partial[k] === true,
      tooltip: [
        ...(k === 0 ? [`${c.cohort} ${t('批次', 'cohort')}`, `${t('首购客户', 'First-time buyers')} ${num(c.size)}`] : [`${c.cohort} ${t('批次', 'cohort')} · ${t(`第 ${k} 个月`, `month ${k}`)}`, `${t('留存', 'Retained')} ${pct(r)}（${num(Math.round(r * c.size))} / ${num(c.size)}）`]),
        ...(c.partial[k] ? [partialNote] : []),
      ],
    })),
  );
  return (
    <ChartCard
      id="cohorts"
      title={t('月度留存（按首购月份）', 'Monthly cohort retention')}
      subtitle={t('每行是一个首购月份的客户；第 k 列 = 第 k 个月仍有购买的比例', 'Each row: customers by first-purchase month; column k = share buying in month k')}
      height={Math.max(200, 48 * d.cohorts.length + 60)}
      data={{
        fileName: `cohorts-${d.meta.to}`,
        columns: [{ key: 'cohort', label: t('首购月份', 'Cohort') }, { key: 'size', label: t('客户数', 'Size') }, ...Array.from({ length: maxK }, (_, i) => ({ key: `m${i + 1}`, label: `M${i + 1}` }))],
        rows: d.cohorts.map((c) => ({ cohort: c.cohort, size: c.size, ...Object.fromEntries(c.retention.slice(1).map((r, i) => [`m${i + 1}`, csvRate(r)])) })),
        format: (k, v) => (k.startsWith('m') && typeof v === 'number' ? pct(v) : String(v ?? '—')),
      }}
      empty={d.cohorts.length === 0 ? t('暂无首购客户', 'No cohorts yet') : null}
    >
      {() => (
        <Heatmap
          rows={d.cohorts.map((c) => ({ key: c.cohort, label: c.cohort }))}
          cols={Array.from({ length: maxK + 1 }, (_, k) => ({ key: String(k), label: k === 0 ? t('首购人数', 'Size') : `M${k}` }))}
          cells={cohortCells}
          corner={t('首购月份', 'Cohort')}
          colTitle={t('首购后第 k 个月', 'Months after the first purchase')}
          caption={t('月度留存热力图', 'Cohort retention heatmap')}
          legend={
            d.cohorts.some((c) => c.partial.includes(true)) ? (
              <>
                <span className="swatch" aria-hidden="true" /> {t('斜线格 = 本月未结束的部分数据，不能与完整月份直接比较', 'Hatched = the current month, not over yet: not comparable with full months')}
              </>
            ) : null
          }
        />
      )}
    </ChartCard>
  );
}
