/**
 * What the architecture tests read: source files found by walking folders recursively, and which of them Remix
 * treats as route modules (flat files in app/routes, `route.*`/`index.*` of a folder route, and app/root).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const APP = path.join(ROOT, 'app');
export const ROUTES = path.join(APP, 'routes');

const SOURCE = /\.(tsx?|jsx?)$/;

/** Every source file under `dir`, at any depth (test files only when asked). */
export function sourceFiles(dir: string, opts: { tests?: boolean } = {}): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p, opts) : SOURCE.test(f) && (opts.tests || !/\.test\.[jt]sx?$/.test(f)) ? [p] : [];
  });
}

/** Route modules as Remix v2 flat routes sees them (remix.config.js ignores dot files and tests). */
export function routeModules(routes = ROUTES): string[] {
  const out: string[] = [];
  for (const f of readdirSync(routes)) {
    if (f.startsWith('.')) continue;
    const p = path.join(routes, f);
    if (statSync(p).isDirectory()) {
      const mod = readdirSync(p).find((x) => /^(route|index)\.(tsx?|jsx?)$/.test(x));
      if (mod) out.push(path.join(p, mod));
    } else if (SOURCE.test(f) && !/\.test\./.test(f)) out.push(p);
  }
  return out;
}

/** `export function loader`, `export async function action`, `export const loader = …`, `export { x as loader }`. */
export function exportsServerHandler(src: string, name: 'loader' | 'action'): boolean {
  return new RegExp(`export\\s+(?:async\\s+)?function\\s+${name}\\b|export\\s+(?:const|let|var)\\s+${name}\\b|export\\s*\\{[^}]*\\b(?:as\\s+)?${name}\\s*[,}]`).test(src);
}

export const rel = (f: string) => path.relative(ROOT, f);
