import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverValuesReachedByBrowser } from './client-reach';
import { APP, rel, routeModules, sourceFiles } from './source-files';

describe('the browser never needs a value from a *.server module (they are empty in the client bundle)', () => {
  it('no module under app/ reaches a *.server value from its component, browser exports or load-time code', () => {
    const routes = new Set([path.join(APP, 'root.tsx'), ...routeModules()]);
    const offenders = sourceFiles(APP)
      .filter((f) => !/\.server\.[jt]sx?$/.test(f))
      .flatMap((f) => serverValuesReachedByBrowser(f, readFileSync(f, 'utf8'), { routeModule: routes.has(f) }).map((u) => `${rel(f)}: ${u.name} from ${u.from}`));
    // Put what the browser needs (sort lists, enums, schemas) in app/lib/contracts/ and import it from there.
    expect(offenders).toEqual([]);
  });
});

describe('what the check sees', () => {
  const check = (src: string, routeModule = true) => serverValuesReachedByBrowser('x.tsx', src, { routeModule }).map((u) => u.name);

  it('a schema built at module level from a server sort list (the old /channels)', () => {
    const src = `import { CHANNEL_SORTS, loadChannels } from '~/lib/wecom.server';
      import { tableParamsSchema } from '~/lib/table-params';
      const params = tableParamsSchema(CHANNEL_SORTS, { sort: 'acquired' });
      export async function loader({ request }) { return loadChannels(params.parse(request)); }
      export default function Channels() { return null; }`;
    expect(check(src)).toEqual(['CHANNEL_SORTS']);
  });

  it('a server list rendered by the component, directly or through a helper (the old /settings/staff)', () => {
    const src = `import { ROLES, listStaff } from '~/lib/settings.server';
      import type { Actor } from '~/lib/auth.server';
      function RoleOptions() { return ROLES.map((r) => <option key={r}>{r}</option>); }
      export async function loader() { return listStaff(); }
      export default function Staff() { const a: Actor | null = null; return <select><RoleOptions /></select>; }`;
    expect(check(src)).toEqual(['ROLES']);
  });

  it('values used only by the loader and action, type positions and `import type` are fine', () => {
    const src = `import { METRIC_SORTS, can, list } from '~/lib/analytics.server';
      import type { Row } from '~/lib/analytics.server';
      import { z } from 'zod';
      const parse = (u) => z.enum(METRIC_SORTS).parse(u);
      type Labels = Record<(typeof METRIC_SORTS)[number], string>;
      export const loader = async ({ request }) => ({ rows: await list(parse(request.url)), canEdit: can('x') });
      export async function action() { return METRIC_SORTS.length; }
      export const headers = () => ({ 'x-sorts': METRIC_SORTS.join(',') });
      export default function Page() { const d = useLoaderData<typeof loader>(); const r: Row | null = null; return <p title={d.canEdit}>{r}</p>; }`;
    expect(check(src)).toEqual([]);
  });

  it('an eager `export const loader = wrap(…)` and load-time statements run in the browser too', () => {
    expect(check(`import { guard } from './g.server';\nexport const loader = guard(async () => null);`)).toEqual(['guard']);
    expect(check(`import { register } from './g.server';\nregister('x');`)).toEqual(['register']);
  });

  it('outside route modules every export counts (a component file keeps its loader-named export)', () => {
    expect(check(`import { X } from './a.server';\nexport function loader() { return X; }`, false)).toEqual(['X']);
  });
});
