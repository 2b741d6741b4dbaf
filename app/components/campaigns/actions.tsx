/** The campaign's lifecycle buttons (CSRF-protected forms; the service checks the state and audits) and the dry run. */
import { Form, useNavigation } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { EXCLUSION_LABELS, type DryRunResult } from '~/lib/contracts/campaign';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

interface Result {
  ok?: boolean;
  error?: string;
  intent?: string;
  status?: string;
  dryRun?: DryRunResult;
}

function Button({ intent, label, testId, confirm }: { intent: string; label: string; testId: string; confirm?: string }) {
  const nav = useNavigation();
  return (
    <Form method="post" onSubmit={(e) => { if (confirm && !window.confirm(confirm)) e.preventDefault(); }}>
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
      <button type="submit" disabled={nav.state !== 'idle'} data-testid={testId}>{label}</button>
    </Form>
  );
}

export function CampaignActions({ status, isAdmin, result }: { status: string; isAdmin: boolean; result?: Result }) {
  const t = useT();
  const f = useFormat();
  const dr = result?.dryRun;
  return (
    <section className="card">
      <div className="campaign-actions">
        {status === 'draft' ? <Button intent="dry-run" label={t('试算（不发送）', 'Dry run (sends nothing)')} testId="dry-run" /> : null}
        {status === 'draft' ? <Button intent="schedule" label={t('排期发送', 'Schedule')} testId="schedule" /> : null}
        {status === 'pending_approval' && isAdmin ? <Button intent="approve" label={t('审批通过', 'Approve')} testId="approve" /> : null}
        {status === 'pending_approval' && !isAdmin ? <span className="muted">{t('等待管理员审批', 'Waiting for an admin’s approval')}</span> : null}
        {['draft', 'pending_approval', 'scheduled', 'running'].includes(status) ? <Button intent="cancel" label={t('取消活动', 'Cancel campaign')} testId="cancel" confirm={t('确定取消这个活动？未发送的任务会被撤回。', 'Cancel this campaign? Unsent tasks are withdrawn.')} /> : null}
      </div>
      {result?.error ? <div className="alert error" role="alert">{result.error}</div> : null}
      {result?.status ? <div className="alert ok" role="status" data-testid="action-status">{t(`状态：${result.status}`, `Status: ${result.status}`)}</div> : null}
      {dr ? (
        <div data-testid="dry-run-result">
          <h2>{t('试算结果', 'Dry run')}</h2>
          <p>
            {t(`受众 ${f.number(dr.audience)} 人：发送 ${f.number(dr.recipients)} 人，对照组 ${f.number(dr.holdout)} 人，${f.number(dr.tasks)} 个群发任务；发送时间 ${f.dateTime(dr.send_at)}`, `Audience ${f.number(dr.audience)}: ${f.number(dr.recipients)} recipients, ${f.number(dr.holdout)} held out, ${f.number(dr.tasks)} tasks; sends ${f.dateTime(dr.send_at)}`)}
            {dr.deferred_by_quiet_hours ? t('（落在免打扰时段，延后发送）', ' (inside quiet hours: deferred)') : null}
          </p>
          {dr.group_chats > 0 ? <p data-testid="dry-run-groups">{t(`另发往导购的 ${f.number(dr.group_chats)} 个客户群，${f.number(dr.group_tasks)} 个群发到群任务`, `Also ${f.number(dr.group_chats)} customer group chats of the clerks, in ${f.number(dr.group_tasks)} group tasks`)}</p> : null}
          <h3>{t('排除原因', 'Exclusions by reason')}</h3>
          <ul data-testid="dry-run-exclusions">
            {Object.entries(dr.exclusions).map(([k, n]) => <li key={k}>{t(EXCLUSION_LABELS[k as keyof typeof EXCLUSION_LABELS]?.zh ?? k, EXCLUSION_LABELS[k as keyof typeof EXCLUSION_LABELS]?.en ?? k)}: {f.number(n)}</li>)}
          </ul>
          <div className="data-table">
            <table data-testid="dry-run-stores">
              <thead><tr><th>{t('门店', 'Store')}</th><th>{t('导购', 'Clerks')}</th><th>{t('发送人数', 'Recipients')}</th></tr></thead>
              <tbody>{dr.by_store.map((s) => <tr key={s.store_id ?? 'none'}><td>{s.store_name ?? t('未分配门店', 'No store')}</td><td className="num">{f.number(s.clerks)}</td><td className="num">{f.number(s.recipients)}</td></tr>)}</tbody>
            </table>
          </div>
          <details>
            <summary>{t(`按导购（${dr.by_clerk.length}）`, `By clerk (${dr.by_clerk.length})`)}</summary>
            <div className="data-table">
              <table data-testid="dry-run-clerks">
                <thead><tr><th>{t('导购', 'Clerk')}</th><th>{t('门店', 'Store')}</th><th>{t('发送人数', 'Recipients')}</th><th>{t('任务', 'Tasks')}</th></tr></thead>
                <tbody>{dr.by_clerk.map((c) => <tr key={c.staff_id}><td>{c.name}</td><td>{c.store_name ?? '—'}</td><td className="num">{f.number(c.recipients)}</td><td className="num">{f.number(c.tasks)}</td></tr>)}</tbody>
              </table>
            </div>
          </details>
        </div>
      ) : null}
    </section>
  );
}
