/** The builder for a new segment: from scratch, a template (?template=) or a rule handed over (?rule=, "save as segment"). */
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useState } from 'react';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { SegmentEditor } from '~/components/segments/segment-editor';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { saveNewSegment, saveUploadedSegment, segmentBuilderOptions } from '~/lib/segments.server';
import { EMPTY_RULE, parseRule, type Rule } from '~/lib/segments/rule';
import { segmentForm } from '~/lib/segments/form';
import { templateByKey } from '~/lib/segments/templates';
import styles from '~/styles/segments.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];

function initialRule(url: URL): { rule: Rule; template: string | null; name: string } {
  const tpl = templateByKey(url.searchParams.get('template') ?? '');
  if (tpl) return { rule: tpl.rule, template: tpl.key, name: tpl.name[0] };
  const raw = url.searchParams.get('rule');
  if (raw) {
    try {
      const p = parseRule(JSON.parse(raw));
      if (p.ok) return { rule: p.rule, template: null, name: url.searchParams.get('name') ?? '' };
    } catch {
      // a hand-edited link: start empty
    }
  }
  return { rule: { ...EMPTY_RULE, all: [{ any: [{ field: 'stage', op: 'in', value: ['at_risk'] }] }] }, template: null, name: '' };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'segments.manage');
  const options = await segmentBuilderOptions(context.services, actor);
  return json({ options, initial: initialRule(new URL(request.url)) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'segments.manage');
  try {
    if (form.get('intent') === 'upload') {
      const input = { name: form.get('name'), description: form.get('description'), idType: form.get('idType'), text: String(form.get('text') ?? '') };
      const r = await saveUploadedSegment(context.services, actor, input);
      return json({ ok: true as const, upload: r });
    }
    const input = segmentForm(form);
    const row = await saveNewSegment(context.services, actor, input);
    return redirect(`/segments/${row.id}`);
  } catch (e) {
    return actionError(e, context);
  }
}

export default function NewSegment() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  return (
    <>
      <p>
        <Link to="/segments">← {t('客户分群', 'Segments')}</Link>
      </p>
      <h1>{t('新建分群', 'New segment')}</h1>
      <SegmentEditor initial={{ ...d.initial, description: null, kind: 'dynamic' }} options={d.options} canSave result={result && !('upload' in result) ? result : undefined} submitLabel={t('保存分群', 'Save segment')} />
      <UploadForm result={result} />
    </>
  );
}

const REASONS: Record<string, [string, string]> = { invalid_mobile: ['不是有效的手机号', 'not a mobile number'], no_customer: ['未匹配到客户', 'matched no customer'] };

/** A static segment from a pasted or uploaded list, with the report of the rows that matched nobody. */
function UploadForm({ result }: { result: ReturnType<typeof useActionData<typeof action>> }) {
  const t = useT();
  const [text, setText] = useState('');
  const upload = result && 'upload' in result ? result.upload : null;
  return (
    <Form method="post" className="card stack segment-save" data-testid="upload">
      <h2>{t('上传名单，建立静态分群', 'Upload a list as a static segment')}</h2>
      <CsrfInput />
      <label>
        {t('分群名称', 'Name')}
        <input name="name" required maxLength={60} />
      </label>
      <label>
        {t('名单内容', 'Identifier')}
        <select name="idType" defaultValue="mobile">
          <option value="mobile">{t('手机号', 'Mobiles')}</option>
          <option value="member_no">{t('会员号', 'Member numbers')}</option>
          <option value="external_userid">{t('企业微信客户 ID (external_userid)', 'WeCom external user ids')}</option>
        </select>
      </label>
      <input type="file" accept=".csv,.txt" aria-label={t('选择文件', 'Choose a file')} onChange={(e) => e.target.files?.[0]?.text().then(setText)} />
      <textarea name="text" rows={5} value={text} onChange={(e) => setText(e.target.value)} placeholder={t('每行一个；CSV 取第一列', 'One per line; for a CSV the first column')} />
      <button type="submit" name="intent" value="upload" className="secondary">
        {t('上传并建立', 'Upload and create')}
      </button>
      {result && !result.ok && 'error' in result ? <FormResult data={result} /> : null}
      {upload ? (
        <div role="status">
          <p>
            {t(`共 ${upload.rows} 行，匹配 ${upload.matched} 位客户，${upload.unmatched.length} 行未匹配。`, `${upload.rows} rows, ${upload.matched} customers matched, ${upload.unmatched.length} rows unmatched.`)}{' '}
            <Link to={`/segments/${upload.segmentId}`}>{t('查看分群', 'Open the segment')}</Link>
          </p>
          {upload.unmatched.length ? (
            <table className="plain">
              <tbody>
                {upload.unmatched.slice(0, 200).map((u) => (
                  <tr key={u.line}>
                    <td>{t(`第 ${u.line} 行`, `line ${u.line}`)}</td>
                    <td>{u.value}</td>
                    <td>{t(...(REASONS[u.reason] ?? [u.reason, u.reason]))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
      ) : null}
    </Form>
  );
}
