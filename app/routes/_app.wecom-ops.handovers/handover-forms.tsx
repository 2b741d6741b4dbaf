/**
 * The two ways to start a handover: a resigned clerk's customers (all of them: WeCom lists them as unassigned), and
 * an on-job handover where ops search the clerk's customers (remark, name, member number, last 4 mobile digits,
 * stage), tick some or take all N matching, with the takeover clerk suggested (same store, fewest customers).
 */
import { Form, useSearchParams } from '@remix-run/react';
import { useState } from 'react';
import { CsrfInput } from '~/components/csrf';
import { STAGE_LABELS, label } from '~/lib/analytics-labels';
import { useT } from '~/lib/i18n';

export interface Candidate {
  id: string;
  name: string;
  store: string | null;
  active: boolean;
  customers: number;
}

export interface PickerJson {
  from: Candidate;
  q: string | null;
  stage: string | null;
  total: number;
  rows: { id: string; name: string | null; stage: string | null; orders: number }[];
  suggested: { id: string; name: string; customers: number } | null;
}

function TakeoverSelect({ candidates, exclude, suggested }: { candidates: Candidate[]; exclude?: string; suggested?: PickerJson['suggested'] }) {
  const t = useT();
  return (
    <label>
      {t('接替导购', 'Takeover clerk')}
      <select name="toStaffId" defaultValue={suggested?.id ?? ''} data-testid="takeover">
        <option value="">{t('自动推荐：同门店、客户最少', 'Suggested: same store, fewest customers')}</option>
        {candidates
          .filter((c) => c.active && c.id !== exclude)
          .map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} · {c.store ?? '—'} · {t(`${c.customers} 位客户`, `${c.customers} customers`)}
              {suggested?.id === c.id ? t('（推荐）', ' (suggested)') : ''}
            </option>
          ))}
      </select>
    </label>
  );
}

export function ResignedForm({ candidates }: { candidates: Candidate[] }) {
  const t = useT();
  return (
    <Form method="post" className="toolbar card" data-testid="handover-form">
      <CsrfInput />
      <input type="hidden" name="kind" value="resigned" />
      <strong>{t('离职继承', 'Resigned clerk')}</strong>
      <label>
        {t('已离职导购', 'Resigned clerk')}
        <select name="fromStaffId" required>
          {candidates
            .filter((c) => !c.active && c.customers > 0)
            .map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
                {t('（已离职）', ' (resigned)')} · {c.store ?? '—'} · {t(`${c.customers} 位客户`, `${c.customers} customers`)}
              </option>
            ))}
        </select>
      </label>
      <TakeoverSelect candidates={candidates} />
      <button type="submit">{t('开始转接', 'Start handover')}</button>
    </Form>
  );
}

export function OnJobPicker({ candidates, picker }: { candidates: Candidate[]; picker: PickerJson | null }) {
  const t = useT();
  const [params] = useSearchParams();
  return (
    <section className="card stack" data-testid="on-job">
      <strong>{t('在职继承：选择客户', 'On-job handover: choose customers')}</strong>
      <Form method="get" className="toolbar" data-testid="on-job-search">
        <label>
          {t('原导购', 'From clerk')}
          <select name="from" defaultValue={picker?.from.id ?? params.get('from') ?? ''} required>
            <option value="" disabled>
              {t('选择导购', 'Choose a clerk')}
            </option>
            {candidates
              .filter((c) => c.active && c.customers > 0)
              .map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} · {c.store ?? '—'} · {t(`${c.customers} 位客户`, `${c.customers} customers`)}
                </option>
              ))}
          </select>
        </label>
        <label>
          {t('搜索客户', 'Search customers')}
          <input name="q" defaultValue={picker?.q ?? ''} placeholder={t('备注、姓名、会员号、手机后 4 位', 'Remark, name, member no., last 4 mobile digits')} />
        </label>
        <label>
          {t('阶段', 'Stage')}
          <select name="stage" defaultValue={picker?.stage ?? ''}>
            <option value="">{t('全部', 'All')}</option>
            {Object.keys(STAGE_LABELS).map((s) => (
              <option key={s} value={s}>
                {label(STAGE_LABELS, s, t)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="secondary">
          {t('查找', 'Find')}
        </button>
      </Form>
      {picker ? <PickerForm candidates={candidates} picker={picker} /> : null}
    </section>
  );
}

function PickerForm({ candidates, picker }: { candidates: Candidate[]; picker: PickerJson }) {
  const t = useT();
  const [selection, setSelection] = useState<'chosen' | 'matching'>('chosen');
  return (
    <Form method="post" className="stack" data-testid="on-job-form">
      <CsrfInput />
      <input type="hidden" name="kind" value="on_job" />
      <input type="hidden" name="fromStaffId" value={picker.from.id} />
      <input type="hidden" name="q" value={picker.q ?? ''} />
      <input type="hidden" name="stage" value={picker.stage ?? ''} />
      <p className="muted" data-testid="picker-total">
        {t(`${picker.from.name} 的客户中有 ${picker.total} 位符合条件`, `${picker.total} of ${picker.from.name}'s customers match`)}
        {picker.total > picker.rows.length ? t(`（列出前 ${picker.rows.length} 位）`, ` (first ${picker.rows.length} listed)`) : ''}
      </p>
      <div className="toolbar">
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.25rem' }}>
          <input type="radio" name="selection" value="chosen" checked={selection === 'chosen'} onChange={() => setSelection('chosen')} style={{ width: 'auto' }} />
          {t('只转接勾选的客户', 'Only the ticked customers')}
        </label>
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.25rem' }}>
          <input type="radio" name="selection" value="matching" checked={selection === 'matching'} onChange={() => setSelection('matching')} style={{ width: 'auto' }} data-testid="all-matching" />
          {t(`全部 ${picker.total} 位符合条件的客户`, `All ${picker.total} matching customers`)}
        </label>
      </div>
      <ul className="plain-list" data-testid="picker-customers" style={{ maxHeight: 240, overflow: 'auto', margin: 0, padding: 0, listStyle: 'none' }}>
        {picker.rows.map((c) => (
          <li key={c.id}>
            <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.5rem', fontWeight: 'normal' }}>
              <input type="checkbox" name="customerIds" value={c.id} disabled={selection === 'matching'} style={{ width: 'auto' }} />
              {c.name ?? t('（未命名）', '(no name)')}
              <span className="muted">
                {c.stage ? label(STAGE_LABELS, c.stage, t) : '—'} · {t(`${c.orders} 单`, `${c.orders} orders`)}
              </span>
            </label>
          </li>
        ))}
      </ul>
      {picker.suggested ? (
        <p className="muted" data-testid="suggested">
          {t(`推荐接替：${picker.suggested.name}（同门店，目前 ${picker.suggested.customers} 位客户）`, `Suggested: ${picker.suggested.name} (same store, ${picker.suggested.customers} customers now)`)}
        </p>
      ) : null}
      <TakeoverSelect candidates={candidates} exclude={picker.from.id} suggested={picker.suggested} />
      <label>
        {t('转接提示语（可选，≤200 字）', 'Message to customers (optional, ≤200)')}
        <input name="message" maxLength={200} placeholder={t('您好，之后由我为您服务', 'Hello, I will look after you from now on')} />
      </label>
      <button type="submit">{t('开始在职继承', 'Start the on-job handover')}</button>
    </Form>
  );
}
