import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigate, useNavigation } from '@remix-run/react';
import { useRef, useState } from 'react';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { ImportFieldGuide } from '~/components/import-field-guide';
import { IMPORT_KINDS } from '~/lib/contracts/import-fields';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useRootData, useT } from '~/lib/i18n';
import {
  discardImport,
  getImportForActor,
  guessColumns,
  listPresetsForActor,
  ORDER_FIELDS,
  parseMapping,
  queueImport,
  receiveOrderUpload,
  requireUpload,
  setImportMapping,
  type OrderField,
} from '~/lib/ingest.server';

export const meta: MetaFunction = () => [{ title: '导入订单 Import orders · 回客 Huike' }];

const querySchema = z.object({ id: z.string().uuid().optional().catch(undefined), preset: z.string().max(60).optional().catch(undefined) });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'imports.manage');
  const q = querySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const presets = (await listPresetsForActor(context.services, actor)).map((p) => ({ name: p.name, mapping: parseMapping(p.mapping) }));
  if (!q.id) return json({ step: 'upload' as const, presets, draft: null });
  const row = await getImportForActor(context.services, actor, q.id).catch(() => {
    throw new Response('未找到（草稿可能已删除）/ Not found (the draft may have been deleted)', { status: 404 });
  });
  if (row.status !== 'uploaded') throw redirect(`/imports/${row.id}`);
  const header = row.header ?? [];
  const preset = q.preset ? presets.find((p) => p.name === q.preset) : undefined;
  const columns = preset ? preset.mapping.columns : guessColumns(header);
  return json({
    step: 'map' as const,
    presets,
    draft: {
      id: row.id,
      fileName: row.file_name,
      format: row.format,
      encoding: row.encoding,
      delimiter: row.delimiter,
      header,
      preview: (row.preview ?? []).slice(0, 10),
      columns: Object.fromEntries(Object.entries(columns).filter(([, c]) => header.includes(c ?? ''))) as Partial<Record<OrderField, string>>,
      preset: preset ? { name: preset.name, ...preset.mapping, columns: undefined } : null,
    },
  });
}

const mapForm = z.object({
  intent: z.enum(['start', 'discard']),
  id: z.string().uuid(),
  refundPrefix: z.string().trim().max(20).optional(),
  refundStatus: z.string().trim().max(300).optional(),
  refundNegative: z.literal('on').optional(),
  unknownStores: z.enum(['create', 'reject']).default('reject'),
  unknownClerks: z.enum(['create', 'reject']).default('reject'),
  defaultChannel: z.enum(['pos', 'mini_program', 'ecommerce', 'group_buy', 'other']).default('pos'),
  moneyUnit: z.enum(['yuan', 'fen']).default('yuan'),
  savePreset: z.string().trim().max(60).optional(),
  presetName: z.string().trim().max(60).optional(),
});

export async function action({ request, context }: ActionFunctionArgs) {
  try {
    if ((request.headers.get('Content-Type') ?? '').includes('multipart/form-data')) {
      const { actor } = await requireUpload(request, context);
      const r = await receiveOrderUpload(context.services, actor, request.headers, request.body);
      return json({ ok: true as const, id: r.id });
    }
    const { actor, form } = await requireMutation(request, context, 'imports.manage');
    const raw = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string' && v !== ''));
    const f = mapForm.parse(raw);
    if (f.intent === 'discard') {
      await discardImport(context.services, actor, f.id);
      return redirect('/imports/new');
    }
    const columns: Partial<Record<OrderField, string>> = {};
    for (const field of ORDER_FIELDS) {
      const v = form.get(`col_${field}`);
      if (typeof v === 'string' && v !== '') columns[field] = v;
    }
    const mapping = {
      columns,
      refund: {
        prefix: f.refundPrefix || undefined,
        statusValues: f.refundStatus ? f.refundStatus.split(/[,，]/).map((s) => s.trim()).filter(Boolean) : undefined,
        negativeTotal: f.refundNegative === 'on',
      },
      unknownStores: f.unknownStores,
      unknownClerks: f.unknownClerks,
      defaultChannel: f.defaultChannel,
      moneyUnit: f.moneyUnit,
    };
    await setImportMapping(context.services, actor, f.id, mapping, { presetName: f.presetName ?? null, savePresetAs: f.savePreset ?? null });
    await queueImport(context.services, actor, f.id);
    return redirect(`/imports/${f.id}`);
  } catch (e) {
    return actionError(e, context);
  }
}

function UploadStep() {
  const t = useT();
  const { csrfToken } = useRootData();
  const navigate = useNavigate();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const upload = (e: React.FormEvent) => {
    e.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) {
      setError(t('请选择文件', 'Choose a file'));
      return;
    }
    setError(null);
    setProgress(0);
    const body = new FormData();
    body.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/imports/new?_data=routes%2F_app.imports.new');
    xhr.setRequestHeader('X-CSRF-Token', csrfToken ?? '');
    xhr.upload.onprogress = (ev) => ev.lengthComputable && setProgress(ev.loaded / ev.total);
    xhr.onload = () => {
      let data: { ok?: boolean; id?: string; error?: string; message?: string } = {};
      try {
        data = JSON.parse(xhr.responseText) as typeof data;
      } catch {
        /* not JSON */
      }
      if (xhr.status < 300 && data.ok && data.id) navigate(`/imports/new?id=${data.id}`);
      else {
        setProgress(null);
        setError(data.error ?? data.message ?? t('上传失败', 'Upload failed'));
      }
    };
    xhr.onerror = () => {
      setProgress(null);
      setError(t('网络错误，上传失败', 'Network error: upload failed'));
    };
    xhr.send(body);
  };
  return (
    <form className="card stack" onSubmit={upload}>
      <h2>{t('1. 上传订单文件', '1. Upload an order file')}</h2>
      <p className="muted">
        {t(
          'CSV、TXT（逗号、分号、制表符或竖线分隔；UTF-8 或 GBK 编码自动识别）、XLSX，或 .csv.gz。每行一个商品或一个订单均可。',
          'CSV/TXT (comma, semicolon, tab or pipe; UTF-8 or GBK detected automatically), XLSX, or .csv.gz. One row per item or per order.',
        )}
      </p>
      <label>
        {t('文件', 'File')}
        <input ref={input} type="file" name="file" accept=".csv,.txt,.tsv,.xlsx,.gz" required />
      </label>
      {progress !== null ? (
        <div>
          <div className="progress" role="progressbar" aria-valuenow={Math.round(progress * 100)} aria-valuemin={0} aria-valuemax={100}>
            <div style={{ width: `${Math.round(progress * 100)}%` }} />
          </div>
          <small className="muted">{progress < 1 ? t(`上传中 ${Math.round(progress * 100)}%`, `Uploading ${Math.round(progress * 100)}%`) : t('正在识别文件…', 'Reading the file…')}</small>
        </div>
      ) : null}
      {error ? <div className="alert error">{error}</div> : null}
      <div className="toolbar">
        <button type="submit" disabled={progress !== null}>
          {t('上传并预览', 'Upload and preview')}
        </button>
        <a href="/imports/templates/orders.csv" download>
          {t('下载订单导入模板（CSV）', 'Download the order template (CSV)')}
        </a>
      </div>
    </form>
  );
}

export default function NewImport() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const nav = useNavigation();
  const t = useT();
  if (data.step === 'upload' || !data.draft) {
    return (
      <div>
        <div className="topbar">
          <h1>{t('导入订单', 'Import orders')}</h1>
          <Link to="/imports">{t('导入历史', 'Import history')}</Link>
        </div>
        <UploadStep />
      </div>
    );
  }
  const d = data.draft;
  const p = d.preset;
  const delimiterName = d.delimiter === '\t' ? t('制表符', 'tab') : d.delimiter === ';' ? t('分号', 'semicolon') : d.delimiter === '|' ? t('竖线', 'pipe') : t('逗号', 'comma');
  return (
    <div>
      <div className="topbar">
        <h1>{t('导入订单', 'Import orders')}</h1>
        <Link to="/imports">{t('导入历史', 'Import history')}</Link>
      </div>
      <div className="card">
        <h2>{t('2. 预览', '2. Preview')}: {d.fileName}</h2>
        <p className="muted">
          {d.format === 'xlsx' ? 'Excel (XLSX)' : `CSV · ${d.encoding === 'gb18030' ? 'GBK/GB18030' : d.encoding === 'utf16le' ? 'UTF-16' : 'UTF-8'} · ${delimiterName}`} ·{' '}
          {t(`${d.header.length} 列`, `${d.header.length} columns`)}
        </p>
        <div className="data-table">
          <table>
            <thead>
              <tr>
                {d.header.map((h, i) => (
                  <th key={i}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {d.preview.map((r, i) => (
                <tr key={i}>
                  {d.header.map((_, j) => (
                    <td key={j}>{r[j] ?? ''}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
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
        {p ? <input type="hidden" name="presetName" value={p.name} /> : null}
        <h2>{t('3. 列映射', '3. Map columns')}</h2>
        <p className="muted">{t(IMPORT_KINDS.orders.rule[0], IMPORT_KINDS.orders.rule[1])}</p>
        <div className="cards">
          {IMPORT_KINDS.orders.fields.map((f) => (
            <label key={f.id}>
              {t(f.label[0], f.label[1])}
              {f.required === 'required' ? ' *' : ''}
              <select name={`col_${f.id}`} defaultValue={d.columns[f.id as OrderField] ?? ''}>
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
        <h2>{t('退款规则', 'Refund rule')}</h2>
        <div className="cards">
          <label>
            {t('订单号前缀', 'Order-number prefix')}
            <input name="refundPrefix" placeholder="C" defaultValue={p?.refund.prefix ?? ''} />
          </label>
          <label>
            {t('状态值（逗号分隔）', 'Status values (comma-separated)')}
            <input name="refundStatus" placeholder="退款,已退款,refunded" defaultValue={p?.refund.statusValues?.join(',') ?? ''} />
          </label>
          <label style={{ alignContent: 'end' }}>
            <span>
              <input type="checkbox" name="refundNegative" defaultChecked={p?.refund.negativeTotal ?? false} /> {t('合计为负即退款', 'Negative total means refund')}
            </span>
          </label>
        </div>
        <h2>{t('选项', 'Options')}</h2>
        <div className="cards">
          <label>
            {t('未知门店编码', 'Unknown store codes')}
            <select name="unknownStores" defaultValue={p?.unknownStores ?? 'reject'}>
              <option value="reject">{t('拒绝该行，写入错误报告（推荐）', 'Reject the row, listed in the error report (recommended)')}</option>
              <option value="create">{t('自动创建门店（标记为导入，无区域）', 'Create the store (marked as imported, no region)')}</option>
            </select>
          </label>
          <label>
            {t('未知导购', 'Unknown clerks')}
            <select name="unknownClerks" defaultValue={p?.unknownClerks ?? 'reject'}>
              <option value="reject">{t('拒绝该行，写入错误报告（推荐）', 'Reject the row, listed in the error report (recommended)')}</option>
              <option value="create">{t('自动创建导购（标记为导入）', 'Create the clerk (marked as imported)')}</option>
            </select>
          </label>
          <label>
            {t('默认渠道', 'Default channel')}
            <select name="defaultChannel" defaultValue={p?.defaultChannel ?? 'pos'}>
              <option value="pos">{t('门店 POS', 'Store POS')}</option>
              <option value="mini_program">{t('小程序', 'Mini program')}</option>
              <option value="ecommerce">{t('电商', 'E-commerce')}</option>
              <option value="group_buy">{t('团购', 'Group buy')}</option>
              <option value="other">{t('其他', 'Other')}</option>
            </select>
          </label>
          <label>
            {t('金额单位', 'Money unit')}
            <select name="moneyUnit" defaultValue={p?.moneyUnit ?? 'yuan'}>
              <option value="yuan">{t('元', 'Yuan')}</option>
              <option value="fen">{t('分', 'Fen')}</option>
            </select>
          </label>
          <label>
            {t('保存为预设（可选）', 'Save as preset (optional)')}
            <input name="savePreset" maxLength={60} placeholder={t('例如：门店POS导出', 'e.g. POS export')} />
          </label>
        </div>
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
      <ImportFieldGuide kind="orders" />
    </div>
  );
}
