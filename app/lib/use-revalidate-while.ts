/** Re-reads the page's loaders every `ms` while `active` (work in a job: a fill, a bulk action), when visible and idle. */
import { useEffect } from 'react';
import { useRevalidator } from '@remix-run/react';

export function useRevalidateWhile(active: boolean, ms = 2000): void {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!active) return;
    const h = setInterval(() => {
      if (revalidator.state === 'idle' && document.visibilityState === 'visible') revalidator.revalidate();
    }, ms);
    return () => clearInterval(h);
  }, [active, ms, revalidator]);
}
