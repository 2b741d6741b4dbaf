/**
 * A titled card holding one plain table: `head` is the header row's cells, the children are the body's rows. With
 * `empty` (a node, e.g. a muted line) the card shows it in place of the table.
 */
import type { ReactNode } from 'react';

export function TableCard({ title, head, children, testId, tableId, empty }: { title: ReactNode; head: ReactNode; children: ReactNode; testId?: string; tableId?: string; empty?: ReactNode }) {
  return (
    <section className="card" data-table-id={tableId}>
      <h2 style={{ marginTop: 0 }}>{title}</h2>
      {empty ?? (
        <div className="data-table">
          <table data-testid={testId}>
            <thead>
              <tr>{head}</tr>
            </thead>
            <tbody>{children}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}
