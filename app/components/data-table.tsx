/**
 * The shared data table (tanstack v8, server-side sorting and paging): the URL holds sort/dir/page/size/q, the
 * loader does the work in SQL and passes one page plus the total.
 */
import { Link, useSearchParams } from '@remix-run/react';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import type { ReactNode } from 'react';
import { numberFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

export interface DataTableProps<T> {
  columns: ColumnDef<T, unknown>[];
  data: T[];
  total: number;
  sort?: string;
  dir?: 'asc' | 'desc';
  page?: number;
  size?: number;
  /** Column ids that may be sorted (must match the loader's allow-list). */
  sortable?: string[];
  empty?: ReactNode;
  rowKey?: (row: T) => string;
  caption?: string;
  /** Extra attributes of a row (e.g. data-status for styling and tests). */
  rowProps?: (row: T) => Record<string, string | undefined>;
  /** false: a short list shown whole, without the pager. */
  paged?: boolean;
}

/** A column's `meta.className` (e.g. 'num' for right-aligned numbers) goes on its header and cells. */
type ColumnMeta = { className?: string } | undefined;

export function DataTable<T>({ columns, data, total, sort, dir = 'desc', page = 1, size = 50, sortable = [], empty, rowKey, caption, rowProps, paged = true }: DataTableProps<T>) {
  const t = useT();
  const [params] = useSearchParams();
  const table = useReactTable({
    data,
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualPagination: true,
    pageCount: Math.max(1, Math.ceil(total / size)),
    getRowId: rowKey ? (r) => rowKey(r) : undefined,
  });
  const hrefWith = (changes: Record<string, string | number | undefined>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') p.delete(k);
      else p.set(k, String(v));
    }
    return `?${p.toString()}`;
  };
  const pages = Math.max(1, Math.ceil(total / size));
  return (
    <div className="data-table">
      <table>
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => {
                const id = h.column.id;
                const canSort = sortable.includes(id);
                const active = sort === id;
                const label = h.isPlaceholder ? null : flexRender(h.column.columnDef.header, h.getContext());
                return (
                  <th key={h.id} className={(h.column.columnDef.meta as ColumnMeta)?.className} aria-sort={active ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                    {canSort ? (
                      <Link to={hrefWith({ sort: id, dir: active && dir === 'desc' ? 'asc' : 'desc', page: 1 })} preventScrollReset className={active ? 'sort active' : 'sort'}>
                        {label}
                        <span className="sort-mark">{active ? (dir === 'asc' ? '▲' : '▼') : '↕'}</span>
                      </Link>
                    ) : (
                      label
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="empty-cell">
                {empty ?? t('暂无数据', 'Nothing here yet')}
              </td>
            </tr>
          ) : (
            table.getRowModel().rows.map((row) => (
              <tr key={row.id} {...rowProps?.(row.original)}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={(cell.column.columnDef.meta as ColumnMeta)?.className}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
      {paged && total > 0 ? (
        <nav className="pager" aria-label={t('分页', 'Pagination')}>
          <span>
            {rowsText(total, t)} · {t(`第 ${page}/${pages} 页`, `page ${page} of ${pages}`)}
          </span>
          {page > 1 ? <Link to={hrefWith({ page: page - 1 })} preventScrollReset>{t('上一页', 'Previous')}</Link> : <span className="disabled">{t('上一页', 'Previous')}</span>}
          {page < pages ? <Link to={hrefWith({ page: page + 1 })} preventScrollReset>{t('下一页', 'Next')}</Link> : <span className="disabled">{t('下一页', 'Next')}</span>}
        </nav>
      ) : null}
    </div>
  );
}

/** "N rows" of the pager: the number formatted once with a kept formatter (t() builds both languages' texts). */
function rowsText(total: number, t: (zh: string, en: string) => string): string {
  const n = numberFormat('en-US', {}).format(total);
  return t(`共 ${n} 条`, `${n} rows`);
}
