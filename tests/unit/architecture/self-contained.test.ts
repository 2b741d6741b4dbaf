import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
/** A path that leaves the repository for the shared folder beside it (one or more parent steps, then `shared`). */
const OUTSIDE = /\.\.\/(?:\.\.\/)*shared\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'fixtures' || e.name.startsWith('.') ? [] : sourceFiles(p);
    return /\.(m?[jt]sx?)$/.test(e.name) ? [p] : [];
  });
}

describe('tests and benchmarks need nothing outside the repository', () => {
  const files = [...sourceFiles(path.join(root, 'tests')), ...sourceFiles(path.join(root, 'bench'))].filter((f) => f !== import.meta.filename);
  it('finds the test and benchmark sources', () => expect(files.length).toBeGreaterThan(20));
  it('no file under tests/ or bench/ reads the shared folder beside the repository (the data is in tests/fixtures/datasets)', () => {
    const offenders = files.filter((f) => OUTSIDE.test(readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });
});
