/** Export, bulk tags and follow-up tasks on every member of a segment, and the progress of earlier actions. */
import { Form, type useActionData, type useLoaderData } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { useT } from '~/lib/i18n';
import type { action, loader } from './route';

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Result = ReturnType<typeof useActionData<typeof action>>;

const ACTION_LABELS: Record<string, [string, string]> = { tag_add: ['批量打标签', 'Add tag'], tag_remove: ['批量移除标签', 'Remove tag'], follow_up: ['导购跟进任务', 'Follow-up tasks'] };

/** Export, bulk tags and follow-up tasks on every member, and the progress of earlier actions. */
export function SegmentActions({ d, result }: { d: Data; result: Result }) {
  const t = useT();
  const intent = result && 'intent' in result ? result.intent : null;
  return (
    <section className="card stack segment-actions">
      <h2>{t('对全部成员操作', 'Act on all members')}</h2>
      <p>
        <a className="button secondary" href={`/segments/${d.segment.id}/members.csv`} download data-testid="export">
          {t('导出 CSV', 'Export CSV')}
        </a>
      </p>
      {d.canManage && d.options ? (
        <>
          <Form method="post" className="toolbar" data-testid="bulk-tag">
            <CsrfInput />
            <select name="op" aria-label={t('操作', 'Operation')} defaultValue="add">
              <option value="add">{t('添加标签', 'Add tag')}</option>
              <option value="remove">{t('移除标签', 'Remove tag')}</option>
            </select>
            <select name="tagId" aria-label={t('标签', 'Tag')} required defaultValue="">
              <option value="" disabled>
                {t('选择标签', 'Choose a tag')}
              </option>
              {d.options.tags.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.groupName} / {x.name}
                </option>
              ))}
            </select>
            <button type="submit" name="intent" value="tag">
              {t('对全部成员执行', 'Apply to all members')}
            </button>
          </Form>
          <Form method="post" className="toolbar" data-testid="follow-up">
            <CsrfInput />
            <input name="title" required maxLength={200} placeholder={t('跟进内容，如：回访关怀', 'Task, e.g. a care call')} aria-label={t('任务', 'Task')} />
            <input name="dueOn" type="date" aria-label={t('截止日期', 'Due on')} />
            <button type="submit" name="intent" value="follow_up" className="secondary">
              {t('交给服务导购跟进', 'Hand to serving clerks')}
            </button>
          </Form>
        </>
      ) : null}
      {intent === 'tag' || intent === 'follow_up' ? <FormResult data={result} ok={t('已提交', 'Submitted')} /> : null}
      {d.actions.length ? (
        <table className="plain" data-testid="actions">
          <tbody>
            {d.actions.map((a) => {
              // A follow-up's members without a serving clerk are handled too (skipped): they count towards its progress.
              const handled = a.kind === 'follow_up' ? a.done + a.skipped : a.done;
              return (
                <tr key={a.id}>
                  <td>{t(...(ACTION_LABELS[a.kind] ?? [a.kind, a.kind]))} {a.params.tagName ?? a.params.title ?? ''}</td>
                  <td>
                    <progress max={Math.max(a.total, 1)} value={handled} /> {handled.toLocaleString('en-US')} / {a.total.toLocaleString('en-US')}
                  </td>
                  <td className="muted">
                    {a.status === 'done' ? t('完成', 'done') : a.status === 'failed' ? t('失败', 'failed') : a.status === 'queued' ? t('排队中', 'queued') : t('进行中', 'running')}
                    {a.kind !== 'follow_up'
                      ? ` · ${t(`待写回企微 ${a.pending}，失败 ${a.failed}，无需变更 ${a.skipped}`, `write-back pending ${a.pending}, failed ${a.failed}, unchanged ${a.skipped}`)}`
                      : ` · ${t(`已建任务 ${a.done}，无服务导购 ${a.skipped}`, `tasks ${a.done}, without a clerk ${a.skipped}`)}`}
                    {a.error ? ` · ${a.error}` : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
