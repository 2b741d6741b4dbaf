/**
 * A campaign's per-store or per-clerk table (run progress, report): the store's or the clerk's name first, and for
 * clerk rows (those that carry a store) the store beside it, then the table's own columns.
 */
import type { ReactNode } from 'react';
import { TableCard } from '~/components/table-card';
import { useT } from '~/lib/i18n';

export interface GroupRow {
  key: string;
  name: string;
  store?: string;
}

export function GroupTableCard<R extends GroupRow>({ title, testId, rows, nameHead = (label) => <th>{label}</th>, head, cells, rowTestId }: { title: string; testId: string; rows: R[]; nameHead?: (label: string) => ReactNode; head: ReactNode; cells: (row: R) => ReactNode; rowTestId?: string }) {
  const t = useT();
  const withStore = rows.some((r) => r.store !== undefined);
  return (
    <TableCard
      title={title}
      testId={testId}
      head={
        <>
          {nameHead(withStore ? t('导购', 'Clerk') : t('门店', 'Store'))}
          {withStore ? <th>{t('门店', 'Store')}</th> : null}
          {head}
        </>
      }
    >
      {rows.map((r) => (
        <tr key={r.key} data-testid={rowTestId}>
          <td>{r.name}</td>
          {withStore ? <td>{r.store}</td> : null}
          {cells(r)}
        </tr>
      ))}
    </TableCard>
  );
}
