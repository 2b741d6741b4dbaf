/**
 * Recharts draws nothing during server rendering (it needs the DOM to measure). Charts render after mount; the
 * box keeps its height reserved so the page does not jump.
 */
import { useEffect, useState, type ReactNode } from 'react';

export function useMounted(): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return mounted;
}

export function ClientOnly({ children, height, label }: { children: () => ReactNode; height: number; label?: string }) {
  const mounted = useMounted();
  return (
    <div className="chart-area" style={{ height }} role={label ? 'img' : undefined} aria-label={label}>
      {mounted ? children() : <div className="chart-placeholder" aria-hidden />}
    </div>
  );
}
