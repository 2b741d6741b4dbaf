/**
 * The import graph of the source tree, as the architecture tests read it: relative imports and re-exports
 * resolved to files. Type-only imports (`import type`, `export type`) are erased by the compiler and left out;
 * dynamic `import()` is kept, because a cycle hidden behind one is still a cycle in the design.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './source-files';

const IMPORT = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const EXTENSIONS = ['.ts', '.tsx', '.js', '.mjs', '/index.ts', '/index.tsx'];

/** The file a relative specifier points at (undefined for packages and unresolvable paths). */
export function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  if (existsSync(base) && statSync(base).isFile()) return base;
  return EXTENSIONS.map((e) => base + e).find((p) => existsSync(p));
}

/** The files `file` imports (type-only imports left out unless asked for). */
export function importedFiles(file: string, opts: { types?: boolean } = {}): string[] {
  const out = new Set<string>();
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    if (m[2] && !opts.types) continue;
    const target = resolveImport(file, (m[3] ?? m[4])!);
    if (target) out.add(target);
  }
  return [...out];
}

/** Every import of `file`, type-only ones included, as [specifier, resolved path]. */
export function allImports(file: string): Array<[string, string | undefined]> {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => {
    const spec = (m[3] ?? m[4])!;
    return [spec, resolveImport(file, spec)];
  });
}

/**
 * The import cycles among `files` (Tarjan's strongly connected components of more than one file, or a file that
 * imports itself), each as the sorted list of its files relative to the repository root.
 */
export function importCycles(files: string[], opts: { types?: boolean } = {}): string[][] {
  const inSet = new Set(files);
  const edges = new Map(files.map((f) => [f, importedFiles(f, opts).filter((t) => inSet.has(t))]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || edges.get(v)!.includes(v)) cycles.push(scc.map((f) => path.relative(ROOT, f)).sort());
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}
