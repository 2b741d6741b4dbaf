/** A KPI card: value, and the change against the previous period (green when it moves the right way). */
import type { ReactNode } from 'react';

export function KpiCard({
  label,
  value,
  delta,
  better = 'up',
  hint,
  href,
}: {
  label: string;
  value: ReactNode;
  /** Change text (e.g. "+12.3%") and direction; null hides it. */
  delta?: { text: string; direction: 'up' | 'down' | 'flat' } | null;
  better?: 'up' | 'down';
  hint?: string;
  href?: string;
}) {
  const good = delta && delta.direction !== 'flat' ? (delta.direction === better ? 'good' : 'bad') : 'flat';
  const body = (
    <>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {delta ? (
        <div className={`delta ${good}`}>
          {delta.direction === 'up' ? '▲' : delta.direction === 'down' ? '▼' : '–'} {delta.text}
        </div>
      ) : (
        <div className="delta flat">&nbsp;</div>
      )}
      {hint ? <div className="hint muted">{hint}</div> : null}
    </>
  );
  return href ? (
    <a className="card kpi kpi-link" href={href}>
      {body}
    </a>
  ) : (
    <div className="card kpi">{body}</div>
  );
}
