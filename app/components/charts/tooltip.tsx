/** A shared recharts tooltip body: a title and one row per series, values formatted by the caller. */
import type { ReactNode } from 'react';

export interface TipRow {
  name: string;
  value: ReactNode;
  color?: string;
}

interface PayloadItem {
  name?: string | number;
  value?: unknown;
  color?: string;
  dataKey?: unknown;
  payload?: Record<string, unknown>;
}

export function ChartTip({
  active,
  payload,
  label,
  title,
  format,
  extra,
}: {
  active?: boolean;
  payload?: readonly PayloadItem[];
  label?: string | number;
  title?: (label: string | number | undefined, row: Record<string, unknown> | undefined) => ReactNode;
  format: (value: unknown, key: string, row: Record<string, unknown> | undefined) => ReactNode;
  extra?: (row: Record<string, unknown> | undefined) => TipRow[];
}) {
  if (!active || !payload || payload.length === 0) return null;
  const row = payload[0]?.payload;
  return (
    <div className="chart-tip">
      <div className="chart-tip-title">{title ? title(label, row) : label}</div>
      {payload.map((p, i) => (
        <div key={i} className="chart-tip-row">
          <span className="dot" style={{ background: p.color }} />
          <span>{String(p.name ?? '')}</span>
          <strong>{format(p.value, String(p.dataKey ?? ''), row)}</strong>
        </div>
      ))}
      {extra?.(row).map((r, i) => (
        <div key={`x${i}`} className="chart-tip-row">
          <span className="dot" style={{ background: r.color ?? 'transparent' }} />
          <span>{r.name}</span>
          <strong>{r.value}</strong>
        </div>
      ))}
    </div>
  );
}
