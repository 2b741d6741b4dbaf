import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allImports, importCycles } from './module-graph';
import { ROOT, ROUTES, rel, sourceFiles } from './source-files';

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
    // Left for the helpers who own these pages this session (#13.15): the segment pages and the customer list.
    const pending = /^app\/routes\/(_app\.segments\.|_app\.customers\._index\.tsx)/;
    const offenders = sourceFiles(ROUTES)
      .map(rel)
      .filter((f) => !pending.test(f) && /\bwithTenant\b/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
