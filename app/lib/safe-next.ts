/**
 * The only place a user-supplied "where to go next" becomes a redirect target (login, language switch).
 *
 * Accepts a same-origin path only, decided by the URL parser the way a browser will read it: control characters
 * are dropped first (browsers strip tab, CR and LF anywhere in a URL, so `/<TAB>/evil.example` is `//evil.example`),
 * the rest is resolved against a dummy origin (which also reads `\` as `/`, so `/\evil.example` is
 * `//evil.example`), and anything that lands on another origin is refused. Returns the normalized
 * path + query + hash that was checked, or null.
 */
const DUMMY_ORIGIN = 'https://huike.invalid';

export function safeNext(next: string | null | undefined): string | null {
  if (typeof next !== 'string' || next.length > 2048) return null;
  // eslint-disable-next-line no-control-regex
  const cleaned = next.replace(/[\u0000-\u001f\u007f]/g, '');
  if (!cleaned.startsWith('/')) return null;
  const url = sameOrigin(cleaned);
  if (!url) return null;
  const out = `${url.pathname}${url.search}${url.hash}`;
  // Normalizing can itself produce a network path (`/.//evil.example` → `//evil.example`): the result must pass too.
  return out.startsWith('/') && !out.startsWith('//') && sameOrigin(out) ? out : null;
}

function sameOrigin(path: string): URL | null {
  try {
    const url = new URL(path, DUMMY_ORIGIN);
    return url.origin === DUMMY_ORIGIN ? url : null;
  } catch {
    return null;
  }
}
