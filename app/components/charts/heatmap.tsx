/**
 * A grid heatmap (recharts has none): rows × columns of cells coloured by value, each with a tooltip and,
 * optionally, a link (the RFM grid links every cell to the customer list of that cell).
 */
import { Link } from '@remix-run/react';
import { useState, type ReactNode } from 'react';
import { heat, heatInk } from './palette';

export interface HeatCell {
  row: string;
  col: string;
  value: number | null;
  /** Text inside the cell. */
  label: string;
  /** Lines of the tooltip. */
  tooltip: string[];
  href?: string;
  /** Override the colour scale position (0..1). */
  intensity?: number;
  accent?: string;
  /** A cell whose period is not over yet (e.g. the current month of a cohort): hatched, `data-partial`. */
  partial?: boolean;
}

export function Heatmap({
  rows,
  cols,
  cells,
  rowTitle,
  colTitle,
  corner,
  minCellWidth = 56,
  caption,
  legend,
}: {
  rows: { key: string; label: ReactNode }[];
  cols: { key: string; label: ReactNode }[];
  cells: HeatCell[];
  rowTitle?: string;
  colTitle?: string;
  corner?: ReactNode;
  minCellWidth?: number;
  caption?: string;
  /** Shown under the grid (e.g. what a hatched cell means). */
  legend?: ReactNode;
}) {
  const [hover, setHover] = useState<HeatCell | null>(null);
  const max = Math.max(0, ...cells.map((c) => c.value ?? 0));
  const byKey = new Map(cells.map((c) => [`${c.row}|${c.col}`, c]));
  return (
    <div className="heatmap-wrap">
      {colTitle ? <div className="heatmap-coltitle muted">{colTitle}</div> : null}
      <div className="heatmap-scroll">
        <table className="heatmap" style={{ minWidth: (cols.length + 1) * minCellWidth }}>
          {caption ? <caption className="sr-only">{caption}</caption> : null}
          <thead>
            <tr>
              <th className="corner">{corner ?? rowTitle}</th>
              {cols.map((c) => (
                <th key={c.key} scope="col">
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.label}</th>
                {cols.map((c) => {
                  const cell = byKey.get(`${r.key}|${c.key}`);
                  if (!cell) return <td key={c.key} className="empty" />;
                  const tpos = cell.intensity ?? (max > 0 && cell.value !== null ? cell.value / max : 0);
                  const fill = cell.value === null ? '#f8fafc' : heat(tpos);
                  const style = {
                    // A partial cell: the colour under white diagonal stripes.
                    background: cell.partial ? `repeating-linear-gradient(135deg, rgba(255,255,255,.65) 0 4px, transparent 4px 9px), ${fill}` : fill,
                    color: heatInk(tpos),
                    boxShadow: cell.accent ? `inset 0 -3px 0 ${cell.accent}` : undefined,
                  };
                  const content = <span className="cell-label">{cell.label}</span>;
                  return (
                    <td
                      key={c.key}
                      style={style}
                      title={cell.tooltip.join('\n')}
                      onMouseEnter={() => setHover(cell)}
                      onMouseLeave={() => setHover(null)}
                      data-row={cell.row}
                      data-col={cell.col}
                      data-partial={cell.partial ? 'true' : undefined}
                      className={cell.partial ? 'partial' : undefined}
                    >
                      {cell.href ? (
                        <Link to={cell.href} className="cell-link" style={{ color: style.color }}>
                          {content}
                        </Link>
                      ) : (
                        content
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {legend ? <div className="heatmap-legend muted">{legend}</div> : null}
      <div className="heatmap-tip" aria-live="polite">
        {hover ? hover.tooltip.map((l, i) => <span key={i}>{l}</span>) : <span className="muted">{rowTitle ? `${rowTitle} · ` : ''}{'悬停查看明细 / hover for details'}</span>}
      </div>
    </div>
  );
}
