/** The callback inbox of the last 7 days, with the demo simulator's activities when the tenant runs on it. */
import type { SerializeFrom } from '@remix-run/node';
import { Form } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { SIM_ACTIVITIES } from '~/lib/contracts/wecom';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

const ACTIVITY_LABELS: Record<(typeof SIM_ACTIVITIES)[number], [string, string]> = {
  'customer-adds-via-channel': ['客户扫渠道码添加导购', 'A customer scans a channel code'],
  'clerk-edits-customer': ['导购修改备注并打标签', 'A clerk edits a remark and tags'],
  'clerk-deletes-customer': ['导购删除客户', 'A clerk deletes a customer'],
  'customer-deletes-clerk': ['客户删除导购', 'A customer deletes a clerk'],
  'console-creates-tag': ['后台新建企业标签', 'An admin creates a tag in the console'],
  'customer-joins-group': ['客户扫码入群', 'A customer joins a group'],
};

const INBOX_STATUS: Record<string, [string, string, string]> = {
  pending: ['待处理', 'pending', 'warn'],
  done: ['已处理', 'done', 'good'],
  failed: ['失败', 'failed', 'bad'],
  ignored: ['已忽略', 'ignored', ''],
};

export function CallbackInbox({ d }: { d: Data }) {
  const t = useT();
  const f = useFormat();
  const c = d.connection;
  return (
    <section className="card">
      <h2 style={{ marginTop: 0 }}>{t('回调事件', 'Callback events')}</h2>
      <p className="muted">
        {t(
          `近 7 天：已处理 ${d.inboxCounts.done}，待处理 ${d.inboxCounts.pending}，失败 ${d.inboxCounts.failed}，已忽略 ${d.inboxCounts.ignored}。每个事件按去重键只保存一次，立即应答，由任务重新读取企业微信后处理。`,
          `Last 7 days: ${d.inboxCounts.done} done, ${d.inboxCounts.pending} pending, ${d.inboxCounts.failed} failed, ${d.inboxCounts.ignored} ignored. Each event is stored once (dedupe key), acknowledged at once and processed by a job that re-reads WeCom.`,
        )}
      </p>
      {c.mode === 'simulator' ? (
        <div className="toolbar">
          <span className="muted">{t('演示：模拟企业微信中的操作', 'Demo: simulate what happens in WeCom')}</span>
          {SIM_ACTIVITIES.map((k) => (
            <Form method="post" key={k}>
              <CsrfInput />
              <input type="hidden" name="intent" value="simulate" />
              <input type="hidden" name="kind" value={k} />
              <button type="submit" className="secondary">
                {t(...ACTIVITY_LABELS[k])}
              </button>
            </Form>
          ))}
        </div>
      ) : null}
      <div className="data-table">
        <table>
          <thead>
            <tr>
              <th>{t('收到时间', 'Received')}</th>
              <th>{t('事件', 'Event')}</th>
              <th>{t('对象', 'Subject')}</th>
              <th>{t('状态', 'Status')}</th>
              <th>{t('处理结果', 'Result')}</th>
            </tr>
          </thead>
          <tbody>
            {d.inbox.length === 0 ? (
              <tr>
                <td colSpan={5} className="empty-cell">
                  {t('还没有收到回调事件：在企业微信后台填写上面的 URL、Token 与 EncodingAESKey。', 'No callback events yet: enter the URL, token and EncodingAESKey above in the WeCom console.')}
                </td>
              </tr>
            ) : null}
            {d.inbox.map((e) => {
              const st = INBOX_STATUS[e.status] ?? [e.status, e.status, ''];
              return (
                <tr key={e.id}>
                  <td>{f.dateTime(e.receivedAt)}</td>
                  <td>
                    {e.event}
                    {e.changeType ? <span className="muted"> · {e.changeType}</span> : null}
                  </td>
                  <td className="muted">{e.subject ?? '—'}</td>
                  <td>
                    <span className={`badge ${st[2]}`}>{t(st[0], st[1])}</span>
                    {e.attempts > 1 ? <span className="muted"> ×{e.attempts}</span> : null}
                  </td>
                  <td style={{ whiteSpace: 'normal' }}>{e.error ?? e.result ?? '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
