import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportsServerHandler, routeModules, ROUTES } from './source-files';

/** Routes that are public by design: sign-in, language switch, the root redirect (each still checks what it needs). */
const PUBLIC = new Set(['login.tsx', 'lang.tsx', 'logout.tsx', '_index.tsx', 'wecom.sidebar_.oauth.tsx']);
/** Stand-ins for the WeCom client (no Huike session yet): each refuses unless non-production and the tenant is simulator-mode. */
const SIMULATOR_ONLY = new Set(['wecom.harness.tsx', 'wecom.sim.authorize.tsx', 'wecom.sim.jssdk[.]js.tsx']);
const GUARDS = /\b(requireActor|pageActor|requireMutation|requirePlatformAdmin|requireApi|requireSidebarActor)\(/;

/** Route modules (at any depth) whose loader/action has no auth guard, or whose action has no CSRF check. */
function unguarded(routes: string): string[] {
  const out: string[] = [];
  for (const f of routeModules(routes)) {
    const name = path.relative(routes, f);
    const src = readFileSync(f, 'utf8');
    const action = exportsServerHandler(src, 'action');
    if (!(exportsServerHandler(src, 'loader') || action) || PUBLIC.has(name)) continue;
    if (SIMULATOR_ONLY.has(name)) {
      if (!/simulatorFor|simAuthorize|harnessData|isProduction/.test(src)) out.push(`${name}: must refuse outside the simulator`);
      continue;
    }
    if (!GUARDS.test(src)) out.push(`${name}: loader/action without a guard`);
    if (action && !/requireMutation\(|verifyCsrf\(/.test(src)) out.push(`${name}: action without a CSRF check`);
  }
  return out;
}

describe('every route checks auth itself (Remix runs loaders in parallel)', () => {
  it('finds the routes', () => expect(routeModules().length).toBeGreaterThan(8));
  it('no loader or action without its guard', () => expect(unguarded(ROUTES)).toEqual([]));
});

describe('the walk sees every shape of route module', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-routes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a folder route and `export const` handlers without guards are reported', () => {
    mkdirSync(path.join(dir, '_app.things.$id'));
    writeFileSync(path.join(dir, '_app.things.$id', 'route.tsx'), 'export const loader = async () => null;\nexport default function X() { return null; }\n');
    writeFileSync(path.join(dir, '_app.things.$id', 'parts.tsx'), 'export function Part() { return null; }\n');
    writeFileSync(path.join(dir, '_app.other.tsx'), "import { requireActor } from '~/lib/guards.server';\nexport const action = async (a) => { await requireActor(a.request, a.context, 'x'); };\n");
    writeFileSync(path.join(dir, '_app.fine.tsx'), "import { requireMutation } from '~/lib/guards.server';\nconst act = async (a) => requireMutation(a.request, a.context, 'x');\nexport { act as action };\n");
    expect(unguarded(dir).sort()).toEqual(['_app.other.tsx: action without a CSRF check', `${path.join('_app.things.$id', 'route.tsx')}: loader/action without a guard`]);
  });

  it('recognises every way to export a loader or action', () => {
    expect(exportsServerHandler('export const loader = async () => null;', 'loader')).toBe(true);
    expect(exportsServerHandler('export let action: ActionFunction = async () => null;', 'action')).toBe(true);
    expect(exportsServerHandler('const load = () => 1;\nexport { load as loader };', 'loader')).toBe(true);
    expect(exportsServerHandler('export async function loader({ request }) {}', 'loader')).toBe(true);
    expect(exportsServerHandler('export async function loaderish() {}', 'loader')).toBe(false);
  });
});
