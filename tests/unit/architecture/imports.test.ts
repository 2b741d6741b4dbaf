import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP, ROOT as root, rel, sourceFiles as files } from './source-files';

describe('architecture', () => {
  it('no client module under app/ imports server/ or db/ (only *.server.ts bridges may)', () => {
    const offenders: string[] = [];
    for (const f of files(path.join(root, 'app'))) {
      if (/\.server\.tsx?$/.test(f)) continue;
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(f), spec);
        const rel = path.relative(root, target);
        if (rel.startsWith('server') || rel.startsWith('db')) {
          // Type-only imports are erased and never reach the browser.
          if (/^import\s+type\s/.test(m[0]) || /^export\s+type\s/.test(m[0])) continue;
          offenders.push(`${path.relative(root, f)} -> ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('no route or component imports a *.server module from a client-only file without the suffix rule', () => {
    // Remix replaces *.server.ts with an empty module in the browser; using one outside a loader/action would
    // crash at runtime. Components must not import them at all.
    const offenders = files(path.join(root, 'app/components')).filter((f) => /\.server['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('no SQL in app/', () => {
    const offenders = files(path.join(root, 'app')).filter((f) => !/\.server\.tsx?$/.test(f) && /\b(selectFrom|insertInto|sql`)/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('client-safe contracts (app/lib/contracts) import nothing but zod, other contracts and types', () => {
    const offenders: string[] = [];
    for (const f of files(path.join(APP, 'lib/contracts'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]/g)) {
        const spec = (m[2] ?? m[3])!;
        if (m[1] || spec === 'zod' || (spec.startsWith('./') && !spec.includes('.server'))) continue;
        offenders.push(`${rel(f)} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('e2e tests open browsers only through tests/support/browser.ts (which fails a test on any page error)', () => {
    const offenders = files(path.join(root, 'tests/e2e'), { tests: true }).filter((f) => /import\s+(?!type\b)[^;]*from\s+['"]playwright(-core)?['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });
});
