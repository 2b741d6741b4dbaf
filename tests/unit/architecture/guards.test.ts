import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const routes = path.resolve(import.meta.dirname, '../../../app/routes');
/** Routes that are public by design: sign-in, language switch, the root redirect (each still checks what it needs). */
const PUBLIC = new Set(['login.tsx', 'lang.tsx', 'logout.tsx', '_index.tsx', 'wecom.sidebar_.oauth.tsx']);
/** Stand-ins for the WeCom client (no Huike session yet): each refuses unless non-production and the tenant is simulator-mode. */
const SIMULATOR_ONLY = new Set(['wecom.harness.tsx', 'wecom.sim.authorize.tsx', 'wecom.sim.jssdk[.]js.tsx']);
const GUARDS = /\b(requireActor|requireMutation|requirePlatformAdmin|requireApi|requireSidebarActor)\(/;

describe('every route checks auth itself (Remix runs loaders in parallel)', () => {
  const files = readdirSync(routes).filter((f) => /\.tsx?$/.test(f));
  it('finds the routes', () => expect(files.length).toBeGreaterThan(8));
  for (const f of files) {
    it(`${f}`, () => {
      const src = readFileSync(path.join(routes, f), 'utf8');
      const hasServerExport = /export (async )?function (loader|action)\b/.test(src);
      if (!hasServerExport || PUBLIC.has(f)) return;
      if (SIMULATOR_ONLY.has(f)) return expect(/simulatorFor|simAuthorize|harnessData|isProduction/.test(src), `${f} must refuse outside the simulator`).toBe(true);
      expect(GUARDS.test(src), `${f} exports a loader/action without a guard`).toBe(true);
      if (/export (async )?function action\b/.test(src)) {
        expect(/requireMutation\(|verifyCsrf\(/.test(src), `${f} has an action without a CSRF check`).toBe(true);
      }
    });
  }
});
