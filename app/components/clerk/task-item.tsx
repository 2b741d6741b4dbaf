/**
 * One task of 今日 (the clerk's workspace): what to do and for whom, with done / skip-with-a-reason. Each kind says
 * what it is about: a due customer's rhythm, a birthday, an ended relation, and a campaign's personalised script when
 * its payload carries one (1:1 campaign sends, kind 'campaign').
 */
import { Link, useFetcher } from '@remix-run/react';
import { useState } from 'react';
import { CsrfInput } from '~/components/csrf';
import { STAGE_LABELS, label } from '~/lib/analytics-labels';
import { KIND_LABELS, SKIP_LABELS, SKIP_REASONS, taskAttachments, taskScript, type TaskView } from '~/lib/clerk-contract';
import type { CampaignAttachment } from '~/lib/contracts/campaign';
import { useT } from '~/lib/i18n';

type CloseResult = { ok: true; error: undefined; taskId: string } | { ok: false; error: string };

function useDetail(task: TaskView): string {
  const t = useT();
  const p = task.payload;
  if (task.kind === 'due' && task.median_interval_days)
    return t(`通常每 ${Math.round(task.median_interval_days)} 天回购，已 ${task.recency_days ?? '—'} 天`, `Buys every ${Math.round(task.median_interval_days)} d, ${task.recency_days ?? '—'} d since`);
  if (task.kind === 'relation_ended') return t('客户已删除你或关系已转移', 'The customer removed you or was transferred');
  if (task.kind === 'birthday')
    return typeof p.age === 'number' ? t(`今天 ${p.age} 岁生日，送上祝福吧`, `Turns ${p.age} today: send your wishes`) : t('今天生日，送上祝福吧', 'Birthday today: send your wishes');
  return task.title ?? '';
}

/** What a 1:1 task sends besides its script: an image to open (and save), a link, a mini-program to share. */
function AttachmentList({ items }: { items: CampaignAttachment[] }) {
  const t = useT();
  if (items.length === 0) return null;
  return (
    <ul className="m-attachments" data-testid="task-attachments">
      {items.map((a, i) => (
        <li key={i}>
          {a.msgtype === 'image' && a.image.pic_url ? (
            <a href={a.image.pic_url} target="_blank" rel="noreferrer">
              {t('图片（打开后保存，随话术发送）', 'Image (open, save, send with the script)')}
            </a>
          ) : a.msgtype === 'image' ? (
            t('图片（在侧边栏发送）', 'Image (send it from the sidebar)')
          ) : a.msgtype === 'link' ? (
            <a href={a.link.url} target="_blank" rel="noreferrer">
              {t('链接：', 'Link: ')}
              {a.link.title}
            </a>
          ) : (
            `${t('小程序：', 'Mini-program: ')}${a.miniprogram.title}`
          )}
        </li>
      ))}
    </ul>
  );
}

/** A 1:1 campaign's personalised script: the clerk copies it into the chat, then marks the task as sent. */
function CampaignScript({ text }: { text: string }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="m-script" data-testid="campaign-script">
      <blockquote className="sub" data-testid="task-script" style={{ margin: '.25rem 0 0', whiteSpace: 'pre-wrap' }}>
        {text}
      </blockquote>
      <button type="button" className="secondary" onClick={copy}>
        {copied ? t('已复制，去聊天里粘贴发送', 'Copied: paste it into the chat') : t('复制话术', 'Copy script')}
      </button>
    </div>
  );
}

export function TaskItem({ task }: { task: TaskView }) {
  const t = useT();
  const fetcher = useFetcher<CloseResult>();
  const [skipping, setSkipping] = useState(false);
  const kind = KIND_LABELS[task.kind] ?? [task.kind, task.kind];
  const detail = useDetail(task);
  const script = taskScript(task.payload);
  const failed = fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  const closing = fetcher.state !== 'idle' || (fetcher.data && fetcher.data.ok);
  if (closing && !failed) return null;
  return (
    <li data-testid="task" data-kind={task.kind}>
      <div className="m-row">
        <div className="grow">
          <div>
            <span className="badge">{t(kind[0], kind[1])}</span> <strong>{task.customer_name ?? t('（未命名）', '(no name)')}</strong>
            {task.stage ? <span className="m-muted"> · {label(STAGE_LABELS, task.stage, t)}</span> : null}
          </div>
          {detail ? <div className="sub">{detail}</div> : null}
          {script ? <CampaignScript text={script} /> : null}
          {script ? <AttachmentList items={taskAttachments(task.payload)} /> : null}
        </div>
        {task.customer_id && task.in_scope ? (
          <Link to={`/m/customers/${task.customer_id}`} className="button secondary tap" data-testid="task-open">
            {t('查看', 'Open')}
          </Link>
        ) : null}
      </div>
      {failed ? <div className="alert error">{failed}</div> : null}
      <div className="m-actions">
        {!skipping ? (
          <fetcher.Form method="post">
            <CsrfInput />
            <input type="hidden" name="taskId" value={task.id} />
            <button type="submit" name="intent" value="done" style={{ flex: 1 }}>
              {script ? t('已发送', 'Sent') : t('完成', 'Done')}
            </button>
            <button type="button" className="secondary" style={{ flex: 1 }} onClick={() => setSkipping(true)}>
              {t('跳过', 'Skip')}
            </button>
          </fetcher.Form>
        ) : (
          <fetcher.Form method="post">
            <CsrfInput />
            <input type="hidden" name="taskId" value={task.id} />
            <select name="reason" required defaultValue="" aria-label={t('跳过原因', 'Reason')}>
              <option value="" disabled>
                {t('选择跳过原因', 'Choose a reason')}
              </option>
              {SKIP_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(SKIP_LABELS[r]![0], SKIP_LABELS[r]![1])}
                </option>
              ))}
            </select>
            <button type="submit" name="intent" value="skip">
              {t('确认跳过', 'Skip')}
            </button>
          </fetcher.Form>
        )}
      </div>
    </li>
  );
}

export interface MassTaskJson {
  run_id: string;
  campaign: string;
  text: string;
  tasks: number;
  customers: number;
}

/** 群发 tasks waiting for the clerk's confirmation in WeCom: what to send, to how many customers. */
export function MassTasks({ tasks }: { tasks: MassTaskJson[] }) {
  const t = useT();
  if (tasks.length === 0) return null;
  return (
    <section className="m-card" data-testid="mass-tasks">
      <h2>{t('待确认群发', '群发 to confirm')}</h2>
      <p className="m-muted" style={{ marginTop: 0 }}>
        {t('在企业微信「客户联系 → 群发助手」中确认发送', 'Confirm them in WeCom: Customer Contact → Mass Messages')}
      </p>
      <ul className="m-list">
        {tasks.map((m) => (
          <li key={m.run_id} data-testid="mass-task">
            <div>
              <span className="badge">{t('群发', '群发')}</span> <strong>{m.campaign}</strong>
            </div>
            <div className="sub" data-testid="mass-task-count">
              {t(`确认发送给 ${m.customers} 位客户`, `Confirm the send to ${m.customers} customers`)}
              {m.tasks > 1 ? t(`（${m.tasks} 条群发任务）`, ` (${m.tasks} tasks)`) : ''}
            </div>
            <blockquote className="sub" style={{ margin: '.25rem 0 0', whiteSpace: 'pre-wrap' }}>
              {m.text.length > 120 ? `${m.text.slice(0, 120)}…` : m.text}
            </blockquote>
          </li>
        ))}
      </ul>
    </section>
  );
}
