/**
 * A column header that sorts a server-sorted table through the URL: the first click sorts descending, the next
 * ascending. `sortKey`/`dirKey` name the URL parameters (a page with two tables gives each its own); `resetKey` is
 * a parameter to drop when the order changes (that table's page number).
 */
import { Link, useLocation } from '@remix-run/react';

export function SortHead({ id, label, current, dir, sortKey = 'sort', dirKey = 'dir', resetKey, numeric }: { id: string; label: string; current: string; dir: string; sortKey?: string; dirKey?: string; resetKey?: string; numeric?: boolean }) {
  const { search, pathname } = useLocation();
  const q = new URLSearchParams(search);
  const active = current === id;
  q.set(sortKey, id);
  q.set(dirKey, active && dir === 'desc' ? 'asc' : 'desc');
  if (resetKey) q.delete(resetKey);
  return (
    <th className={numeric ? 'num' : undefined} aria-sort={active ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <Link to={`${pathname}?${q.toString()}`} preventScrollReset className={active ? 'sort active' : 'sort'} data-testid={`sort-${id}`}>
        {label}
        <span className="sort-mark">{active ? (dir === 'asc' ? '▲' : '▼') : '↕'}</span>
      </Link>
    </th>
  );
}
