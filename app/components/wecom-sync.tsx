/** The WeCom full sync: live progress of the running run and the history with counts and errors. */
import type { SerializeFrom } from '@remix-run/node';
import type { SyncRunView } from '../../server/wecom/sync.service';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

/** A sync run as the loader sends it: the server's view with its dates as strings. */
export type SyncRunJson = SerializeFrom<SyncRunView>;

const PHASES: Record<SyncRunJson['phase'], [string, string]> = {
  staff: ['员工', 'Staff'],
  tags: ['标签', 'Tags'],
  contacts: ['客户与跟进关系', 'Customers and relations'],
  groups: ['客户群', 'Groups'],
  finalize: ['收尾', 'Finishing'],
  done: ['完成', 'Done'],
};

const STATUS: Record<SyncRunJson['status'], [string, string, string]> = {
  queued: ['排队中', 'queued', 'warn'],
  running: ['进行中', 'running', 'warn'],
  done: ['完成', 'done', 'good'],
  failed: ['失败', 'failed', 'bad'],
  cancelled: ['已取消', 'cancelled', ''],
};

function duration(s: number | null): string {
  if (s === null) return '—';
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
}

export function SyncProgress({ run }: { run: SyncRunJson }) {
  const t = useT();
  const f = useFormat();
  const pct = Math.round(run.fraction * 100);
  return (
    <div className="card" data-testid="sync-progress" style={{ background: 'var(--brand-soft)' }}>
      <p style={{ marginTop: 0 }}>
        <strong>{t(...PHASES[run.phase])}</strong> · {pct}%{run.etaSeconds !== null ? ` · ${t('预计还需', 'about')} ${duration(run.etaSeconds)}${t('', ' left')}` : ''}
        {run.attempts > 1 ? <span className="badge warn"> {t(`第 ${run.attempts} 次尝试（续传）`, `attempt ${run.attempts} (resumed)`)}</span> : null}
      </p>
      <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
        <div style={{ width: `${pct}%` }} />
      </div>
      <p className="muted" style={{ marginBottom: 0 }}>
        {t(
          `已读取 ${f.number(run.pages)} 页、${f.number(run.relations.seen)} 条跟进关系${run.estimate ? `（预计共 ${f.number(run.estimate)} 条）` : ''}，客户 ${f.number(run.customers.seen)} 位（新增 ${f.number(run.customers.created)}），接口调用 ${f.number(run.apiCalls)} 次，客户群 ${f.number(run.groups.seen)} 个。`,
          `Read ${f.number(run.pages)} pages, ${f.number(run.relations.seen)} relations${run.estimate ? ` (of about ${f.number(run.estimate)})` : ''}, ${f.number(run.customers.seen)} customers (${f.number(run.customers.created)} new), ${f.number(run.apiCalls)} API calls, ${f.number(run.groups.seen)} groups.`,
        )}
      </p>
      {run.errors.length > 0 ? (
        <p className="muted">
          {t('上次中断原因：', 'Last interruption: ')}
          {run.errors[run.errors.length - 1]!.message}
        </p>
      ) : null}
    </div>
  );
}

export function SyncHistory({ runs }: { runs: SyncRunJson[] }) {
  const t = useT();
  const f = useFormat();
  return (
    <div className="data-table">
      <table data-testid="sync-history">
        <thead>
          <tr>
            <th>{t('开始时间', 'Started')}</th>
            <th>{t('状态', 'Status')}</th>
            <th>{t('耗时', 'Duration')}</th>
            <th className="num">{t('员工', 'Staff')}</th>
            <th className="num">{t('客户（新增/更新）', 'Customers (new/updated)')}</th>
            <th className="num">{t('关系（新增/更新/解除）', 'Relations (new/updated/ended)')}</th>
            <th className="num">{t('客户群', 'Groups')}</th>
            <th className="num">{t('接口调用', 'API calls')}</th>
            <th>{t('发起', 'By')}</th>
          </tr>
        </thead>
        <tbody>
          {runs.length === 0 ? (
            <tr>
              <td colSpan={9} className="empty-cell">
                {t('还没有同步记录', 'No sync yet')}
              </td>
            </tr>
          ) : null}
          {runs.map((r) => {
            const st = STATUS[r.status];
            return (
              <tr key={r.id}>
                <td>{f.dateTime(r.startedAt ?? r.createdAt)}</td>
                <td style={{ whiteSpace: 'normal' }}>
                  <span className={`badge ${st[2]}`}>{t(st[0], st[1])}</span>
                  {r.status === 'running' || r.status === 'queued' ? <span className="muted"> {t(...PHASES[r.phase])}</span> : null}
                  {r.errorMessage ? <div className="muted">{r.errorMessage}</div> : r.errors.length ? <div className="muted">{t(`${r.errors.length} 次中断后续传`, `resumed after ${r.errors.length} interruption(s)`)}</div> : null}
                </td>
                <td>{duration(r.durationSeconds)}</td>
                <td className="num">
                  {f.number(r.staff.seen)}
                  {r.staff.created ? <span className="muted"> +{r.staff.created}</span> : null}
                </td>
                <td className="num">
                  {f.number(r.customers.seen)} <span className="muted">({f.number(r.customers.created)}/{f.number(r.customers.updated)})</span>
                </td>
                <td className="num">
                  {f.number(r.relations.seen)} <span className="muted">({f.number(r.relations.created)}/{f.number(r.relations.updated)}/{f.number(r.relations.ended)})</span>
                </td>
                <td className="num">{f.number(r.groups.seen)}</td>
                <td className="num">{f.number(r.apiCalls)}</td>
                <td>{r.createdBy}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
