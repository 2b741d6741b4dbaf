/**
 * The builder page's body: the rule builder, a live count that follows each edit (debounced, through
 * /segments/preview; marked "≈" when the server answered with an estimate because the exact count would take too
 * long, with "count exactly" on demand; actions always count exactly), a preview of matching customers in the shared data table, and the save form.
 */
import { Form, useFetcher, useNavigation } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { useEffect, useMemo, useState } from 'react';
import { CsrfInput } from '~/components/csrf';
import { DataTable } from '~/components/data-table';
import { FormResult } from '~/components/form-result';
import { GROUP_LABELS, STAGE_LABELS, label } from '~/lib/analytics-labels';
import { yuan } from '~/lib/dashboard-format';
import { useT } from '~/lib/i18n';
import { parseRule, type MatchingCustomerRow, type Rule } from '~/lib/segments/rule';
import { RuleBuilder, type BuilderOptionsJson } from './rule-builder';

/** The preview's rows: the same shape the server lists (one definition, in the client-safe rule module). */
export type PreviewRow = MatchingCustomerRow;
type PreviewData = { ok: true; count: number; exact: boolean; as_of: string; rows: PreviewRow[] } | { ok: false; error: string };

export function usePreviewColumns(): ColumnDef<PreviewRow, unknown>[] {
  const t = useT();
  return [
    { id: 'name', header: t('客户', 'Customer'), cell: ({ row }) => <a href={`/customers/${row.original.id}`}>{row.original.display_name ?? t('（未命名）', '(no name)')}</a> },
    { id: 'mobile', header: t('手机', 'Mobile'), cell: ({ row }) => row.original.mobile_masked ?? '—' },
    { id: 'store', header: t('门店', 'Store'), cell: ({ row }) => row.original.store ?? '—' },
    { id: 'stage', header: t('阶段', 'Stage'), cell: ({ row }) => label(STAGE_LABELS, row.original.stage, t) },
    { id: 'group', header: t('RFM 分组', 'RFM group'), cell: ({ row }) => label(GROUP_LABELS, row.original.rfm_group, t) },
    { id: 'frequency', header: t('购买天数', 'Purchase days'), cell: ({ row }) => row.original.frequency ?? '—' },
    { id: 'monetary', header: t('累计消费', 'Net spend'), cell: ({ row }) => yuan(row.original.monetary_fen) },
    { id: 'last', header: t('最近购买', 'Last purchase'), cell: ({ row }) => row.original.last_purchase ?? '—' },
  ];
}

export function SegmentEditor({
  initial,
  options,
  canSave,
  result,
  submitLabel,
}: {
  initial: { name: string; description: string | null; kind: 'dynamic' | 'static'; rule: Rule; template: string | null };
  options: BuilderOptionsJson;
  canSave: boolean;
  result?: { ok?: boolean; error?: string };
  submitLabel: string;
}) {
  const t = useT();
  const [rule, setRule] = useState<Rule>(initial.rule);
  const preview = useFetcher<PreviewData>();
  const nav = useNavigation();
  const json = useMemo(() => JSON.stringify(rule), [rule]);
  const local = parseRule(rule);
  useEffect(() => {
    if (!local.ok) return;
    const h = setTimeout(() => preview.load(`/segments/preview?rule=${encodeURIComponent(json)}`), 350);
    return () => clearTimeout(h);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [json]);
  const columns = usePreviewColumns();
  const data = preview.data;
  const loading = preview.state !== 'idle';
  return (
    <div className="segment-editor">
      <RuleBuilder rule={rule} onChange={setRule} options={options} />
      <div className="card live-count" aria-live="polite">
        {!local.ok ? (
          <div className="alert error" role="alert">
            {local.issues.map((i) => (
              <div key={i.path + i.message}>{i.message}</div>
            ))}
          </div>
        ) : data && !data.ok ? (
          <div className="alert error" role="alert">
            {data.error}
          </div>
        ) : (
          <p>
            {t('符合条件的客户', 'Matching customers')}{' '}
            <strong data-testid="live-count" data-loading={loading ? 'true' : 'false'}>
              {data?.ok ? `${data.exact ? '' : '≈'}${data.count.toLocaleString('en-US')}` : '…'}
            </strong>{' '}
            {data?.ok && data.exact ? <span className="muted">{t(`（精确计数，指标截至 ${data.as_of}）`, `(exact, metrics as of ${data.as_of})`)}</span> : null}
            {data?.ok && !data.exact ? (
              <>
                <span className="muted">{t(`（估算，指标截至 ${data.as_of}）`, `(estimate, metrics as of ${data.as_of})`)}</span>{' '}
                <button type="button" className="link" data-testid="count-exact" onClick={() => preview.load(`/segments/preview?rule=${encodeURIComponent(json)}&exact=1`)}>
                  {t('精确计数', 'Count exactly')}
                </button>
              </>
            ) : null}
            {loading ? <span className="muted"> {t('计算中…', 'counting…')}</span> : null}
          </p>
        )}
      </div>
      {data?.ok && data.rows.length ? <h3>{t(`预览：累计消费最高的 ${data.rows.length} 位`, `Preview: the top ${data.rows.length} by net spend`)}</h3> : null}
      {data?.ok ? <DataTable columns={columns} data={data.rows} total={Math.min(data.count, data.rows.length)} size={Math.max(data.rows.length, 1)} rowKey={(r) => r.id} caption={t('预览', 'Preview')} empty={t('没有符合条件的客户', 'No customers match')} /> : null}
      {canSave ? (
        <Form method="post" className="card stack segment-save" data-testid="save">
          <CsrfInput />
          <input type="hidden" name="rule" value={json} />
          {initial.template ? <input type="hidden" name="template" value={initial.template} /> : null}
          <label>
            {t('分群名称', 'Name')}
            <input name="name" required maxLength={60} defaultValue={initial.name} />
          </label>
          <label>
            {t('说明', 'Description')}
            <input name="description" maxLength={500} defaultValue={initial.description ?? ''} />
          </label>
          <label>
            {t('类型', 'Kind')}
            <select name="kind" defaultValue={initial.kind}>
              <option value="dynamic">{t('动态（随数据自动更新）', 'Dynamic (follows the data)')}</option>
              <option value="static">{t('静态（保存时冻结名单）', 'Static (frozen when saved)')}</option>
            </select>
          </label>
          <FormResult data={result} />
          <button type="submit" name="intent" value="save" disabled={!local.ok || nav.state !== 'idle'}>
            {submitLabel}
          </button>
        </Form>
      ) : null}
    </div>
  );
}
