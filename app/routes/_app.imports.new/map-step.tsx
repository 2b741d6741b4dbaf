/** Steps 2 and 3 for an uploaded draft: the preview, a mapping preset to start from, the column mapping and options. */
import type { SerializeFrom } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { ImportFieldGuide } from '~/components/import-field-guide';
import { IMPORT_KINDS } from '~/lib/contracts/import-fields';
import { useT } from '~/lib/i18n';
import { OrderOptions } from './order-options';
import { DraftPreview } from './preview';
import type { action, loader } from './route';

type Data = SerializeFrom<typeof loader>;

export function MapStep({ data, draft: d, title }: { data: Data; draft: NonNullable<Data['draft']>; title: string }) {
  const actionData = useActionData<typeof action>();
  const nav = useNavigation();
  const t = useT();
  const spec = IMPORT_KINDS[data.kind];
  const p = d.preset;
  return (
    <div>
      <div className="topbar">
        <h1>{title}</h1>
        <Link to="/imports">{t('导入历史', 'Import history')}</Link>
      </div>
      <DraftPreview draft={d} />
      {data.presets.length ? (
        <Form method="get" className="toolbar">
          <input type="hidden" name="id" value={d.id} />
          <label>
            {t('使用映射预设', 'Use a mapping preset')}
            <select name="preset" defaultValue={p?.name ?? ''}>
              <option value="">{t('（自动识别列名）', '(guess from column names)')}</option>
              {data.presets.map((x) => (
                <option key={x.name} value={x.name}>
                  {x.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="secondary">
            {t('应用', 'Apply')}
          </button>
        </Form>
      ) : null}
      <Form method="post" className="card" key={`${d.id}:${p?.name ?? ''}`}>
        <CsrfInput />
        <input type="hidden" name="id" value={d.id} />
        <input type="hidden" name="kind" value={data.kind} />
        {p ? <input type="hidden" name="presetName" value={p.name} /> : null}
        <h2>{t('3. 列映射', '3. Map columns')}</h2>
        <p className="muted">{t(spec.rule[0], spec.rule[1])}</p>
        <div className="cards">
          {spec.fields.map((f) => (
            <label key={f.id}>
              {t(f.label[0], f.label[1])}
              {f.required === 'required' ? ' *' : ''}
              <select name={`col_${f.id}`} defaultValue={d.columns[f.id] ?? ''}>
                <option value="">{t('— 不导入 —', '— not in file —')}</option>
                {d.header.map((h) => (
                  <option key={h} value={h}>
                    {h}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
        {data.kind === 'orders' ? <OrderOptions preset={p} /> : null}
        {actionData && 'error' in actionData ? <div className="alert error">{actionData.error}</div> : null}
        <div className="toolbar">
          <button type="submit" name="intent" value="start" disabled={nav.state !== 'idle'}>
            {t('开始导入', 'Start import')}
          </button>
          <button type="submit" name="intent" value="discard" className="secondary" formNoValidate>
            {t('删除草稿', 'Delete the draft')}
          </button>
        </div>
      </Form>
      <ImportFieldGuide kind={data.kind} />
    </div>
  );
}
