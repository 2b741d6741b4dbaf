/**
 * @remix-run/router is patched (patches/, applied by `patch-package` on install; docs/decisions/0015): a route table's
 * ranked branches and each pattern's matcher are computed once instead of on every match (they were ≈ 10 % of the
 * server's CPU per request). Matching must give what it gave before, however often and in whatever order it runs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
// The build the server runs (Remix's server runtime requires the CommonJS build).
const router = require('@remix-run/router') as typeof import('@remix-run/router');

const routes = [
  {
    id: 'root',
    path: '',
    children: [
      { id: 'login', path: 'login' },
      {
        id: 'app',
        children: [
          { id: 'customers', path: 'customers', children: [{ id: 'customers-index', index: true }, { id: 'customer', path: ':id' }] },
          { id: 'segments-new', path: 'segments/new' },
          { id: 'segment', path: 'segments/:id' },
          { id: 'errors-csv', path: 'imports/:id/errors.csv' },
          { id: 'splat', path: '*' },
        ],
      },
    ],
  },
];

const ids = (pathname: string) => router.matchRoutes(routes, pathname)?.map((m) => m.route.id).join('>') ?? null;

describe('route matching (patched @remix-run/router)', () => {
  it('the patch is applied to the installed package', () => {
    expect(readFileSync(require.resolve('@remix-run/router'), 'utf8')).toContain('Huike patch');
  });

  it('ranks static segments before dynamic ones and splats last, the same on every call', () => {
    for (let round = 0; round < 3; round++) {
      expect(ids('/segments/new')).toBe('root>app>segments-new');
      expect(ids('/segments/7')).toBe('root>app>segment');
      expect(ids('/customers')).toBe('root>app>customers>customers-index');
      expect(ids('/customers/abc')).toBe('root>app>customers>customer');
      expect(ids('/imports/9/errors.csv')).toBe('root>app>errors-csv');
      expect(ids('/nowhere/at/all')).toBe('root>app>splat');
    }
  });

  it('keeps params, case-insensitivity and trailing slashes per match (a cached matcher holds no state)', () => {
    const a = router.matchRoutes(routes, '/Customers/ONE/');
    const b = router.matchRoutes(routes, '/customers/two');
    expect(a?.at(-1)?.params).toEqual({ id: 'ONE' });
    expect(b?.at(-1)?.params).toEqual({ id: 'two' });
    expect(router.matchPath('/imports/:id/errors.csv', '/imports/5/errors.csv')?.params).toEqual({ id: '5' });
    expect(router.matchPath({ path: '/imports/:id', end: false }, '/imports/5/errors.csv')?.pathnameBase).toBe('/imports/5');
    expect(router.matchPath({ path: '/Imports/:id', caseSensitive: true }, '/imports/5')).toBeNull();
    expect(router.matchPath({ path: '/imports/:id', caseSensitive: false }, '/IMPORTS/5')?.params).toEqual({ id: '5' });
  });

  it('a different route table is matched on its own', () => {
    const other = [{ id: 'only', path: 'customers/:id' }];
    expect(router.matchRoutes(other, '/customers/1')?.map((m) => m.route.id)).toEqual(['only']);
    expect(ids('/customers/1')).toBe('root>app>customers>customer');
  });
});
