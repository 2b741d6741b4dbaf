/**
 * Channel codes (渠道活码): ops create a contact way per store, per clerk and per campaign, each with a unique
 * state; customers who add through it are attributed to it. The list shows how many customers each acquired.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { DataTable } from '~/components/data-table';
import { FormResult } from '~/components/form-result';
import { SearchBar } from '~/components/search-bar';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';
import { CHANNEL_SORTS } from '~/lib/contracts/wecom';
import { createWecomChannel, loadChannels, retryWecomChannel } from '~/lib/wecom.server';

const params = tableParamsSchema(CHANNEL_SORTS, { sort: 'acquired', dir: 'desc' });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'channels.manage');
  const p = parseTableParams(request.url, params);
  const data = await loadChannels(context, actor, p);
  return json({ ...data, p });
}

const intent = z.enum(['create', 'retry']);

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'channels.manage');
  try {
    if (intent.parse(form.get('intent')) === 'retry') {
      const r = await retryWecomChannel(context, actor, z.string().uuid().parse(form.get('channelId')));
      return json({ ok: r.status === 'active', error: r.error ?? undefined, state: null as string | null });
    }
    const r = await createWecomChannel(context, actor, {
      name: form.get('name'),
      storeId: form.get('storeId'),
      staffId: form.get('staffId'),
      campaign: form.get('campaign'),
      state: form.get('state'),
      skipVerify: form.get('skipVerify') === 'on' ? true : 'false',
    });
    if (r.status === 'failed') return json({ ok: false, error: `渠道已保存，但企业微信创建活码失败：${r.error} / Saved, but WeCom did not create the code`, state: r.state });
    return json({ ok: true, error: undefined, state: r.state });
  } catch (e) {
    return actionError(e, context);
  }
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['list']['rows'][number];

export default function Channels() {
  const { list, options, p } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  const columns: ColumnDef<Row, unknown>[] = [
    {
      id: 'name',
      header: t('渠道', 'Channel'),
      cell: ({ row }) => (
        <>
          <strong>{row.original.name}</strong>
          <div className="muted">
            state <code>{row.original.state}</code>
          </div>
        </>
      ),
    },
    { id: 'store', header: t('门店', 'Store'), cell: ({ row }) => row.original.store ?? '—' },
    { id: 'clerk', header: t('导购', 'Clerk'), cell: ({ row }) => row.original.clerk ?? t(`门店导购 ${row.original.users} 人`, `${row.original.users} store clerks`) },
    { id: 'campaign', header: t('活动', 'Campaign'), cell: ({ row }) => row.original.campaign ?? '—' },
    { id: 'acquired', header: t('获客数', 'Acquired'), cell: ({ row }) => <span className="num" data-testid="acquired" data-value={row.original.acquired}>{f.number(row.original.acquired)}</span> },
    { id: 'following', header: t('仍在服务', 'Still served'), cell: ({ row }) => <span className="num">{f.number(row.original.following)}</span> },
    { id: 'last30', header: t('近 30 天', 'Last 30 days'), cell: ({ row }) => <span className="num">{f.number(row.original.last30)}</span> },
    {
      id: 'status',
      header: t('活码', 'Code'),
      cell: ({ row }) =>
        row.original.status === 'active' ? (
          row.original.qr_code ? (
            <a href={row.original.qr_code} target="_blank" rel="noreferrer">
              {t('查看二维码', 'QR code')}
            </a>
          ) : (
            <span className="badge good">{t('已生效', 'active')}</span>
          )
        ) : (
          <div style={{ whiteSpace: 'normal', maxWidth: 320 }}>
            <span className={`badge ${row.original.status === 'failed' ? 'bad' : 'warn'}`}>{row.original.status === 'failed' ? t('创建失败', 'failed') : t('创建中', 'pending')}</span>
            {row.original.error ? <div className="muted">{row.original.error}</div> : null}
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="retry" />
              <input type="hidden" name="channelId" value={row.original.id} />
              <button type="submit" className="secondary">
                {t('重试', 'Retry')}
              </button>
            </Form>
          </div>
        ),
    },
    {
      id: 'created_at',
      header: t('创建', 'Created'),
      // Who created it under the date, as the channel's state sits under its name: the table fits a 1280 px screen.
      cell: ({ row }) => (
        <>
          {f.date(row.original.created_at)}
          <div className="muted">{row.original.created_by_label}</div>
        </>
      ),
    },
  ];
  return (
    <>
      <h1>{t('渠道活码', 'Channel codes')}</h1>
      <p className="muted">
        {t(
          `每个渠道码带唯一的 state，客户扫码添加导购后自动归属到该渠道。已归属客户 ${f.number(list.totals.acquired)} 位；带有未知 state 的客户 ${f.number(list.totals.unattributed)} 位。`,
          `Every code carries a unique state; customers who add a clerk through it are attributed to its channel. ${f.number(list.totals.acquired)} customers attributed; ${f.number(list.totals.unattributed)} carry an unknown state.`,
        )}
      </p>
      <FormResult data={result} ok={result && 'state' in result && result.state ? t(`渠道码已创建（state ${result.state}）`, `Channel code created (state ${result.state})`) : t('已完成', 'Done')} />
      <Form method="post" className="toolbar card">
        <CsrfInput />
        <input type="hidden" name="intent" value="create" />
        <label>
          {t('渠道名称', 'Name')}
          <input name="name" required maxLength={60} placeholder={t('如：收银台海报', 'e.g. checkout poster')} />
        </label>
        <label>
          {t('门店', 'Store')}
          <select name="storeId" defaultValue="">
            <option value="">—</option>
            {options.stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.code} {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('导购（可选，选了则只加这位导购）', 'Clerk (optional: only this clerk)')}
          <select name="staffId" defaultValue="">
            <option value="">{t('门店全部导购', 'All clerks of the store')}</option>
            {options.clerks.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.wecom_userid})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('活动（可选）', 'Campaign (optional)')}
          <input name="campaign" maxLength={20} />
        </label>
        <label>
          {t('自定义 state（可选）', 'Custom state (optional)')}
          <input name="state" maxLength={30} pattern="[A-Za-z0-9_\-]{1,30}" />
        </label>
        <label className="inline-check">
          <input type="checkbox" name="skipVerify" defaultChecked /> {t('免验证添加', 'Skip verification')}
        </label>
        <button type="submit">{t('创建渠道码', 'Create code')}</button>
      </Form>
      <SearchBar q={p.q} placeholder={t('搜索渠道、state 或活动', 'Search name, state or campaign')} />
      <DataTable
        columns={columns}
        data={list.rows}
        total={list.total}
        sort={p.sort}
        dir={p.dir}
        page={p.page}
        size={p.size}
        sortable={['name', 'acquired', 'last30', 'created_at']}
        rowKey={(r) => r.id}
        empty={t('还没有渠道码：为门店或导购创建一个，客户扫码后即可归属。', 'No channel codes yet: create one for a store or a clerk.')}
      />
    </>
  );
}
