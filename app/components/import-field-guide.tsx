import { IMPORT_KINDS, type ImportFieldSpec, type ImportKind } from '~/lib/contracts/import-fields';
import { useT } from '~/lib/i18n';

/** The field guide beside the mapping: each field's meaning, whether it is required, its format and an example. */
export function ImportFieldGuide({ kind }: { kind: ImportKind }) {
  const t = useT();
  const spec = IMPORT_KINDS[kind];
  const fields: readonly ImportFieldSpec[] = spec.fields;
  const required = { required: t('必填', 'Required'), one_of: t('二选一', 'One of'), optional: t('可选', 'Optional') };
  return (
    <details className="card field-guide" open>
      <summary>
        <strong>{t('字段说明', 'Field guide')}</strong> · {t(spec.rule[0], spec.rule[1])}{' '}
        <a href={`/imports/templates/${kind}.csv`} download>
          {t('下载模板', 'Download the template')}
        </a>
      </summary>
      <div className="data-table">
        <table aria-label={t('字段说明', 'Field guide')}>
          <thead>
            <tr>
              <th>{t('字段', 'Field')}</th>
              <th>{t('必填', 'Required')}</th>
              <th>{t('含义', 'Meaning')}</th>
              <th>{t('格式', 'Format')}</th>
              <th>{t('示例', 'Example')}</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => (
              <tr key={f.id} data-field={f.id}>
                <td>
                  {t(f.label[0], f.label[1])}
                  {f.headers[0] !== f.label[0] ? (
                    <>
                      <br />
                      <small className="muted">{f.headers[0]}</small>
                    </>
                  ) : null}
                </td>
                <td>{required[f.required]}</td>
                <td>
                  {t(f.meaning[0], f.meaning[1])}
                  {f.note && f.required !== 'one_of' ? (
                    <>
                      <br />
                      <small className="muted">{t(f.note[0], f.note[1])}</small>
                    </>
                  ) : null}
                </td>
                <td>{t(f.format[0], f.format[1])}</td>
                <td>{f.example ? <code>{f.example}</code> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
