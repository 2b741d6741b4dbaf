/** Store and clerk rows of the report, sorted by the URL's allow-listed column (server-side). */
import { GroupTableCard, type GroupRow } from '~/components/campaigns/group-table';
import type { ReportGroupJson } from '~/lib/contracts/campaign-report';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import { SortHead } from '~/components/sort-head';

type Row = ReportGroupJson & GroupRow;

const points = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`);

export function GroupTable({ title, rows, sort, dir, testId }: { title: string; rows: Row[]; sort: string; dir: string; testId: string }) {
  const t = useT();
  const f = useFormat();
  return (
    <GroupTableCard
      title={title}
      testId={testId}
      rows={rows}
      rowTestId="report-row"
      nameHead={(label) => <SortHead id="name" label={label} current={sort} dir={dir} />}
      head={
        <>
          <SortHead id="recipients" label={t('计划发送', 'Recipients')} current={sort} dir={dir} />
          <SortHead id="reached" label={t('已送达', 'Reached')} current={sort} dir={dir} />
          <SortHead id="converted" label={t('转化', 'Converted')} current={sort} dir={dir} />
          <SortHead id="conversion_rate" label={t('转化率', 'Conversion')} current={sort} dir={dir} />
          <th>{t('对照组转化率', 'Holdout conversion')}</th>
          <SortHead id="uplift" label={t('提升（百分点）', 'Uplift (points)')} current={sort} dir={dir} />
          <th>{t('95% 区间', '95% interval')}</th>
          <SortHead id="revenue_per_recipient_fen" label={t('人均收入', 'Revenue / recipient')} current={sort} dir={dir} />
          <SortHead id="execution_rate" label={t('执行率', 'Execution')} current={sort} dir={dir} />
        </>
      }
      cells={(r) => (
        <>
          <td className="num">{f.number(r.recipients)}</td>
          <td className="num">{f.number(r.reached)}</td>
          <td className="num">{f.number(r.converted)}</td>
          <td className="num">{f.percent(r.conversion_rate)}</td>
          <td className="num">{`${f.percent(r.holdout_conversion_rate)} (${f.number(r.holdout_converted)}/${f.number(r.holdout)})`}</td>
          <td className="num">
            {points(r.uplift.absolute)} {r.uplift.significant ? <span className="badge good">{t('显著', 'significant')}</span> : null}
          </td>
          <td className="num muted">{r.uplift.low === null ? '—' : `${points(r.uplift.low)} ~ ${points(r.uplift.high)}`}</td>
          <td className="num">{f.money(r.revenue_per_recipient_fen)}</td>
          <td className="num">{f.percent(r.execution_rate)}</td>
        </>
      )}
    />
  );
}
