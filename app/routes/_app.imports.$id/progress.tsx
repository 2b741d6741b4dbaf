/** The progress card of a queued or running import: percent, phase, rows, speed, time left, cancel. */
import type { SerializeFrom } from '@remix-run/node';
import { Form } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

/** A duration in seconds as "N s" or "M min N s". */
export function duration(s: number | null, t: (zh: string, en: string) => string): string {
  if (s === null) return '—';
  if (s < 60) return t(`${Math.max(1, Math.round(s))} 秒`, `${Math.max(1, Math.round(s))} s`);
  const m = Math.floor(s / 60);
  return t(`${m} 分 ${Math.round(s % 60)} 秒`, `${m} min ${Math.round(s % 60)} s`);
}

export function ImportProgressCard({ d, live }: { d: Data; live: boolean }) {
  const t = useT();
  const f = useFormat();
  return (
    <div className="card">
      <div className="progress" role="progressbar" aria-valuenow={Math.round(d.percent)} aria-valuemin={0} aria-valuemax={100} aria-label={t('导入进度', 'Import progress')}>
        <div style={{ width: `${d.percent}%` }} />
      </div>
      <p className="muted">
        <strong>{Math.floor(d.percent)}%</strong>
        {' · '}
        {d.status === 'done'
          ? t('导入完成', 'Import finished')
          : d.status === 'cancelled'
            ? t('已取消', 'Cancelled')
            : d.status === 'failed'
              ? t('导入失败', 'Import failed')
              : d.status === 'queued'
          ? t('排队中，即将开始…', 'Queued, starting shortly…')
          : d.phase === 'merging'
            ? t('正在合并订单与客户…', 'Merging orders and customers…')
            : d.phase === 'reporting'
              ? t('正在生成错误报告…', 'Writing the error report…')
              : t('正在读取并校验文件…', 'Reading and checking the file…')}
      </p>
      <div className="cards">
        <div className="kpi">
          <div className="label">{t('已读取行数', 'Rows done')}</div>
          <div className="value">{f.number(d.rowsRead)}</div>
        </div>
        <div className="kpi">
          <div className="label">{t('速度', 'Speed')}</div>
          <div className="value">{d.rowsPerSecond === null ? '—' : t(`${f.number(d.rowsPerSecond)} 行/秒`, `${f.number(d.rowsPerSecond)} rows/s`)}</div>
        </div>
        <div className="kpi">
          <div className="label">{t('剩余时间', 'Time left')}</div>
          <div className="value">{live ? duration(d.etaSeconds, t) : '—'}</div>
        </div>
        <div className="kpi">
          <div className="label">{t('拒绝行数', 'Rows rejected')}</div>
          <div className="value">{f.number(d.rowsRejected)}</div>
        </div>
      </div>
      {live ? (
        <Form method="post">
          <CsrfInput />
          <button type="submit" className="danger" disabled={d.cancelRequested}>
            {d.cancelRequested ? t('正在取消…', 'Cancelling…') : t('取消导入', 'Cancel import')}
          </button>
        </Form>
      ) : null}
      {d.error ? <div className="alert error">{d.error}</div> : null}
    </div>
  );
}
