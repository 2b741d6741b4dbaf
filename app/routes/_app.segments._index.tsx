/** Segments: the saved segments (size, kind, last refresh) and the ready-made templates. */
import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { DataTable } from '~/components/data-table';
import { EmptyState } from '~/components/empty-state';
import { can } from '~/lib/auth.server';
import { useFormat } from '~/lib/format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { useRevalidateWhile } from '~/lib/use-revalidate-while';
import { segmentsList } from '~/lib/segments.server';
import { SEGMENT_TEMPLATES } from '~/lib/segments/templates';
import styles from '~/styles/segments.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'segments.view');
  const rows = await segmentsList(context.services, actor);
  return json({
    segments: rows.map((s) => ({ id: s.id, name: s.name, description: s.description, kind: s.kind, size: s.size, filling: s.fill_owed_since !== null, refreshed_at: s.refreshed_at, template: s.template })),
    canManage: can(actor.role, 'segments.manage'),
  });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['segments'][number];

export default function Segments() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  useRevalidateWhile(d.segments.some((s) => s.filling));
  const columns: ColumnDef<Row, unknown>[] = [
    { id: 'name', header: t('分群', 'Segment'), cell: ({ row }) => <Link to={`/segments/${row.original.id}`}>{row.original.name}</Link> },
    { id: 'kind', header: t('类型', 'Kind'), cell: ({ row }) => (row.original.kind === 'dynamic' ? t('动态', 'Dynamic') : t('静态', 'Static')) },
    { id: 'size', header: t('人数（全租户）', 'Members (tenant)'), cell: ({ row }) => (row.original.filling ? <span className="muted">{t('计算中…', 'Computing…')}</span> : <span className="num">{row.original.size.toLocaleString('en-US')}</span>) },
    { id: 'refreshed', header: t('最近更新', 'Refreshed'), cell: ({ row }) => f.dateTime(row.original.refreshed_at) },
    { id: 'description', header: t('说明', 'Description'), cell: ({ row }) => row.original.description ?? '' },
  ];
  return (
    <>
      <div className="dash-title">
        <h1>{t('客户分群', 'Segments')}</h1>
        {d.canManage ? (
          <Link to="/segments/new" className="button">
            {t('新建分群', 'New segment')}
          </Link>
        ) : null}
      </div>
      {d.canManage ? (
        <>
          <h2>{t('模板', 'Templates')}</h2>
          <div className="templates">
            {SEGMENT_TEMPLATES.map((tpl) => (
              <Link key={tpl.key} to={`/segments/new?template=${tpl.key}`} className="card" data-template={tpl.key}>
                <strong>{t(...tpl.name)}</strong>
                <div className="muted">{t(...tpl.description)}</div>
              </Link>
            ))}
          </div>
        </>
      ) : null}
      {d.segments.length === 0 ? (
        <EmptyState title={t('还没有分群', 'No segments yet')}>
          <p>{t('用规则圈选客户：复购指标、标签、企业微信关系与购买行为。', 'Pick customers by rule: repurchase metrics, tags, WeCom relations and order behaviour.')}</p>
        </EmptyState>
      ) : (
        <DataTable columns={columns} data={d.segments} total={d.segments.length} size={Math.max(d.segments.length, 1)} rowKey={(r) => r.id} caption={t('分群', 'Segments')} />
      )}
    </>
  );
}
