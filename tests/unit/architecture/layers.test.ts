import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allImports, importCycles } from './module-graph';
import { APP, ROOT, ROUTES, rel, sourceFiles } from './source-files';

describe('layers', () => {
  it('db/ is the ground floor: nothing under db/ imports from server/ or app/ (type imports included)', () => {
    const offenders: string[] = [];
    for (const f of sourceFiles(path.join(ROOT, 'db'))) {
      for (const [spec, target] of allImports(f)) {
        const to = target ? rel(target) : '';
        if (to.startsWith('server/') || to.startsWith('app/')) offenders.push(`${rel(f)} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('server/ and db/ have no import cycles (type imports included)', () => {
    const files = [...sourceFiles(path.join(ROOT, 'server')), ...sourceFiles(path.join(ROOT, 'db'))];
    expect(importCycles(files, { types: true })).toEqual([]);
  });

  it('routes never open a tenant transaction themselves: they call server functions that own it', () => {
    const offenders = sourceFiles(ROUTES)
      .map(rel)
      .filter((f) => /\bwithTenant\b/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('route bridges (app/lib/*.server.ts) neither open nor hand out a tenant transaction: they re-export or adapt server functions', () => {
    const offenders = sourceFiles(APP)
      .filter((f) => f.endsWith('.server.ts'))
      .map(rel)
      .filter((f) => /\bwithTenant\b/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('services keep their SQL in repositories: no Kysely query or sql template in a server/**/*.service.ts', () => {
    const query = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql(<[^>]*>)?`|\bsql\.(raw|ref|join|lit|id|table)\(/;
    const offenders = sourceFiles(path.join(ROOT, 'server'))
      .filter((f) => f.endsWith('.service.ts'))
      .map(rel)
      .filter((f) => query.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
