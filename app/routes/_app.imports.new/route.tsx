/**
 * A new import: upload a file (orders or members), then preview it, map its columns and start. The steps are the
 * sibling components; this module guards, parses and calls the ingest capability.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { IMPORT_KIND_IDS, type ImportKind } from '~/lib/contracts/import-fields';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import {
  discardImport,
  getImportForActor,
  guessColumns,
  listPresetsForActor,
  MEMBER_FIELDS,
  MEMBER_SYNONYMS,
  ORDER_FIELDS,
  parseMapping,
  queueImport,
  receiveOrderUpload,
  requireUpload,
  setImportMapping,
  type OrderField,
} from '~/lib/ingest.server';
import { MapStep } from './map-step';
import { UploadStep } from './upload-step';

export const meta: MetaFunction = () => [{ title: '导入订单 Import orders · 回客 Huike' }];

const querySchema = z.object({
  id: z.string().uuid().optional().catch(undefined),
  preset: z.string().max(60).optional().catch(undefined),
  kind: z.enum(IMPORT_KIND_IDS).catch('orders'),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'imports.manage');
  const q = querySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const presets = (await listPresetsForActor(context.services, actor)).map((p) => ({ name: p.name, mapping: parseMapping(p.mapping) }));
  if (!q.id) return json({ step: 'upload' as const, kind: q.kind, presets, draft: null });
  const row = await getImportForActor(context.services, actor, q.id).catch(() => {
    throw new Response('未找到（草稿可能已删除）/ Not found (the draft may have been deleted)', { status: 404 });
  });
  if (row.status !== 'uploaded') throw redirect(`/imports/${row.id}`);
  const header = row.header ?? [];
  const kind: ImportKind = row.kind;
  const preset = q.preset && kind === 'orders' ? presets.find((p) => p.name === q.preset) : undefined;
  const columns: Partial<Record<string, string>> = kind === 'members' ? guessColumns(header, MEMBER_FIELDS, MEMBER_SYNONYMS) : preset ? preset.mapping.columns : guessColumns(header);
  return json({
    step: 'map' as const,
    kind,
    presets: kind === 'orders' ? presets : [],
    draft: {
      id: row.id,
      fileName: row.file_name,
      format: row.format,
      encoding: row.encoding,
      delimiter: row.delimiter,
      header,
      preview: (row.preview ?? []).slice(0, 10),
      columns: Object.fromEntries(Object.entries(columns).filter(([, c]) => header.includes(c ?? ''))) as Partial<Record<string, string>>,
      preset: preset ? { name: preset.name, ...preset.mapping, columns: undefined } : null,
    },
  });
}

const mapForm = z.object({
  intent: z.enum(['start', 'discard']),
  id: z.string().uuid(),
  kind: z.enum(IMPORT_KIND_IDS).default('orders'),
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
      const kind = z.enum(IMPORT_KIND_IDS).catch('orders').parse(new URL(request.url).searchParams.get('kind'));
      const r = await receiveOrderUpload(context.services, actor, request.headers, request.body, kind);
      return json({ ok: true as const, id: r.id });
    }
    const { actor, form } = await requireMutation(request, context, 'imports.manage');
    const raw = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string' && v !== ''));
    const f = mapForm.parse(raw);
    if (f.intent === 'discard') {
      await discardImport(context.services, actor, f.id);
      return redirect('/imports/new');
    }
    if (f.kind === 'members') {
      const memberColumns: Partial<Record<string, string>> = {};
      for (const field of MEMBER_FIELDS) {
        const v = form.get(`col_${field}`);
        if (typeof v === 'string' && v !== '') memberColumns[field] = v;
      }
      await setImportMapping(context.services, actor, f.id, { columns: memberColumns });
      await queueImport(context.services, actor, f.id);
      return redirect(`/imports/${f.id}`);
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

export default function NewImport() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const kindTitle = (k: ImportKind) => (k === 'members' ? t('导入会员', 'Import members') : t('导入订单', 'Import orders'));
  if (data.step === 'map' && data.draft) return <MapStep data={data} draft={data.draft} title={kindTitle(data.kind)} />;
  return (
    <div>
      <div className="topbar">
        <h1>{kindTitle(data.kind)}</h1>
        <nav className="toolbar" aria-label={t('导入类型', 'Import kind')}>
          {IMPORT_KIND_IDS.map((k) => (
            <Link key={k} to={`/imports/new?kind=${k}`} aria-current={k === data.kind ? 'page' : undefined} className={k === data.kind ? 'button' : 'button secondary'}>
              {kindTitle(k)}
            </Link>
          ))}
          <Link to="/imports">{t('导入历史', 'Import history')}</Link>
        </nav>
      </div>
      <UploadStep key={data.kind} kind={data.kind} />
    </div>
  );
}
