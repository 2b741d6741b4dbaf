import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allImports, importCycles } from './module-graph';
import { ROOT, rel, sourceFiles } from './source-files';

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
});
