/** Chart colours: one hue per meaning, used consistently across the dashboards. */
export const COLORS = {
  brand: '#0f766e',
  brandLight: '#5eead4',
  identified: '#0f766e',
  anonymous: '#cbd5e1',
  refund: '#f97316',
  rate: '#7c3aed',
  active: '#16a34a',
  atRisk: '#f59e0b',
  lapsed: '#dc2626',
  predicted: '#2563eb',
  actual: '#0f766e',
  grid: '#e5e7eb',
  axis: '#6b7280',
} as const;

export const STAGE_COLORS: Record<string, string> = {
  prospect: '#94a3b8',
  new: '#38bdf8',
  active: '#16a34a',
  at_risk: '#f59e0b',
  lapsed: '#dc2626',
};

export const GROUP_COLORS: Record<string, string> = {
  champions: '#065f46',
  loyal: '#0f766e',
  potential_loyalist: '#14b8a6',
  new: '#38bdf8',
  promising: '#60a5fa',
  need_attention: '#facc15',
  about_to_sleep: '#fb923c',
  at_risk: '#f97316',
  cant_lose: '#dc2626',
  hibernating: '#a8a29e',
  lost: '#78716c',
};

/** A sequential teal scale for heatmaps: t in [0, 1]. */
export function heat(t: number): string {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0));
  // from #f0fdfa to #115e59
  const a = [240, 253, 250];
  const b = [17, 94, 89];
  const c = a.map((v, i) => Math.round(v + (b[i]! - v) * Math.pow(x, 0.8)));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Readable text on a heat colour. */
export function heatInk(t: number): string {
  return t > 0.55 ? '#ffffff' : '#1f2933';
}
