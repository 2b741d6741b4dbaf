import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { DataTable } from '~/components/data-table';
import { SearchBar } from '~/components/search-bar';
import { auditChanges } from '~/lib/audit-diff';
import { useFormat } from '~/lib/format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { listAudit } from '~/lib/settings.server';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';

const params = tableParamsSchema(['at'], { sort: 'at', dir: 'desc' });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'audit.view');
  const p = parseTableParams(request.url, params);
  const log = await listAudit(context.services, actor, p);
  return json({ log, p });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['log']['rows'][number];

/** The changed fields as a list: label, old → new (a creation lists the new values only). */
function Changes({ before, after }: { before: unknown; after: unknown }) {
  const t = useT();
  const f = useFormat();
  const changes = auditChanges(before, after, t, (iso) => f.dateTime(iso));
  if (changes.length === 0) return <span className="muted">—</span>;
  const shown = changes.slice(0, 8);
  return (
    <ul className="audit-changes">
      {shown.map((c) => (
        <li key={c.key} data-field={c.key}>
          <span className="audit-field">{c.label}</span>
          {': '}
          {c.kind === 'changed' ? (
            <>
              <s className="muted">{c.before}</s> → <b>{c.after}</b>
            </>
          ) : c.kind === 'added' ? (
            <b>{c.after}</b>
          ) : (
            <s className="muted">{c.before}</s>
          )}
        </li>
      ))}
      {changes.length > shown.length ? <li className="muted">{t(`另有 ${changes.length - shown.length} 项`, `${changes.length - shown.length} more`)}</li> : null}
    </ul>
  );
}

export default function Audit() {
  const { log, p } = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  const columns: ColumnDef<Row, unknown>[] = [
    { id: 'at', header: t('时间', 'When'), cell: ({ row }) => f.dateTime(row.original.at) },
    { id: 'actor', header: t('操作人', 'Who'), accessorKey: 'actor_label' },
    { id: 'action', header: t('操作', 'What'), cell: ({ row }) => <code>{row.original.action}</code> },
    { id: 'entity', header: t('对象', 'Object'), cell: ({ row }) => `${row.original.entity_type}${row.original.entity_id ? ' ' + row.original.entity_id.slice(0, 8) : ''}` },
    { id: 'change', header: t('变更', 'Change'), cell: ({ row }) => <Changes before={row.original.before} after={row.original.after} /> },
  ];
  return (
    <>
      <SearchBar q={p.q} placeholder={t('按操作、操作人或对象搜索', 'Search action, actor or object')} />
      <DataTable columns={columns} data={log.rows} total={log.total} sort={p.sort} dir={p.dir} page={p.page} size={p.size} rowKey={(r) => String(r.id)} />
    </>
  );
}
