/** Execution per store or clerk: recipients by state, tasks confirmed / created and the execution rate as a bar. */
import { GroupTableCard, type GroupRow } from '~/components/campaigns/group-table';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

interface Row extends GroupRow {
  recipients: number;
  sent: number;
  pending: number;
  not_friend: number;
  cap_reached: number;
  tasks_created: number;
  tasks_confirmed: number;
  execution_rate: number;
}

export function ProgressTable({ title, rows, testId }: { title: string; rows: Row[]; testId: string }) {
  const t = useT();
  const f = useFormat();
  return (
    <GroupTableCard
      title={title}
      testId={testId}
      rows={rows}
      head={
        <>
          <th>{t('客户', 'Recipients')}</th>
          <th>{t('已送达', 'Reached')}</th>
          <th>{t('待发送', 'Pending')}</th>
          <th>{t('非好友', 'Not a friend')}</th>
          <th>{t('接收上限', 'Receive cap')}</th>
          <th>{t('任务确认', 'Tasks confirmed')}</th>
          <th style={{ minWidth: 160 }}>{t('执行率', 'Execution rate')}</th>
        </>
      }
      cells={(r) => (
        <>
          <td className="num">{f.number(r.recipients)}</td>
          <td className="num">{f.number(r.sent)}</td>
          <td className="num">{f.number(r.pending)}</td>
          <td className="num">{f.number(r.not_friend)}</td>
          <td className="num">{f.number(r.cap_reached)}</td>
          <td className="num">{`${f.number(r.tasks_confirmed)} / ${f.number(r.tasks_created)}`}</td>
          <td>
            <div className="progress" title={f.percent(r.execution_rate)}>
              <div style={{ width: `${r.execution_rate * 100}%` }} />
            </div>
            <span className="num" data-testid="execution-rate">
              {f.percent(r.execution_rate)}
            </span>
          </td>
        </>
      )}
    />
  );
}
