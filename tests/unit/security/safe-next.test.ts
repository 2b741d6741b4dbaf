/** Issue 12 point 10: the post-login (and language-switch) redirect accepts same-origin paths only. */
import { describe, expect, it } from 'vitest';
import { safeNext } from '~/lib/safe-next';

const ORIGIN = 'https://app.huike.example';
/** Where a browser would go with `Location: <target>` from a page on ORIGIN. */
const browserLands = (target: string) => new URL(target.replace(/[\t\n\r]/g, ''), `${ORIGIN}/login`).origin;

const attacks = [
  '/\\evil.example/phish',
  '/\\/evil.example',
  '\\\\evil.example',
  '/\t/evil.example/phish',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/\u0000/evil.example',
  '\t//evil.example',
  '//evil.example',
  '///evil.example',
  '/\\\t\\evil.example',
  'https://evil.example/',
  'http:evil.example',
  'javascript:alert(1)',
  ' //evil.example',
  'evil.example',
];

describe('safeNext', () => {
  it.each(attacks)('refuses %j (a browser would leave the site or it is not a path)', (next) => {
    expect(safeNext(next)).toBeNull();
  });

  it('keeps same-origin paths with their query and hash', () => {
    expect(safeNext('/dashboard')).toBe('/dashboard');
    expect(safeNext('/customers?sort=recency&dir=desc#top')).toBe('/customers?sort=recency&dir=desc#top');
    expect(safeNext('/imports/7')).toBe('/imports/7');
    // Encoded characters stay encoded, so they stay a path.
    expect(safeNext('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
    expect(safeNext('/%5Cevil.example')).toBe('/%5Cevil.example');
  });

  it('refuses empty, missing and absurdly long values', () => {
    expect(safeNext('')).toBeNull();
    expect(safeNext(null)).toBeNull();
    expect(safeNext(undefined)).toBeNull();
    expect(safeNext(`/${'a'.repeat(5000)}`)).toBeNull();
  });

  it('whatever it accepts, a browser resolves on our own origin', () => {
    const inputs = [...attacks, '/ok', '/a/../b', '/%09/x', '/?next=//evil.example', '/#//evil.example', '/.//evil.example', '/./\\evil.example'];
    for (const next of inputs) {
      const to = safeNext(next);
      if (to !== null) expect({ next, lands: browserLands(to) }).toEqual({ next, lands: ORIGIN });
    }
  });
});
