/**
 * What no one can hold in their head (#13.18): a route module over 200 lines becomes a folder route (`route.tsx`
 * with its parts beside it), and a function in server/ stays within about 80 lines. The lists of what is still
 * over are a ratchet: nothing new joins them, and what is split leaves them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, ROUTES, rel, sourceFiles } from './source-files';

const ROUTE_LINES = 200;
const FUNCTION_LINES = 80;

/** Functions of server/ over the limit when the check came (file: function). */
const FUNCTIONS_PENDING = new Set<string>([]);

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').length;

/** `name lines` of every function in `code` longer than `max` lines (declarations, arrows, expressions, methods). */
export function longFunctions(fileName: string, code: string, max: number): { name: string; lines: number }[] {
  const src = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: { name: string; lines: number }[] = [];
  const visit = (n: ts.Node) => {
    if ((ts.isFunctionDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.body) {
      const span = src.getLineAndCharacterOfPosition(n.getEnd()).line - src.getLineAndCharacterOfPosition(n.getStart()).line + 1;
      const name = n.name?.getText() ?? (ts.isVariableDeclaration(n.parent) || ts.isPropertyAssignment(n.parent) ? n.parent.name.getText() : '(anonymous)');
      if (span > max) out.push({ name, lines: span });
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

describe('sizes', () => {
  it(`route modules and their parts fit in ${ROUTE_LINES} lines (a longer page becomes a folder route with parts)`, () => {
    const over = sourceFiles(ROUTES)
      .map((f) => ({ f: rel(f), n: lines(f) }))
      .filter(({ n }) => n > ROUTE_LINES)
      .map(({ f, n }) => `${f}: ${n} lines`);
    expect(over).toEqual([]);
  });

  it(`functions in server/ fit in ${FUNCTION_LINES} lines (those over it when the check came aside)`, () => {
    const over = sourceFiles(path.join(ROOT, 'server'))
      .filter((f) => /\.tsx?$/.test(f))
      .flatMap((f) => longFunctions(f, readFileSync(f, 'utf8'), FUNCTION_LINES).map((x) => ({ key: `${rel(f)}: ${x.name}`, lines: x.lines })))
      .filter((x) => !FUNCTIONS_PENDING.has(x.key))
      .map((x) => `${x.key} (${x.lines} lines)`);
    expect(over).toEqual([]);
  }, 60_000);

  it('the check sees declarations, arrows and methods by name', () => {
    const body = (k: number) => `{\n${'  x++;\n'.repeat(k)}}`;
    const code = `function a() ${body(3)}\nconst b = () => ${body(1)}\nclass C { m() ${body(4)} }\nconst o = { p: function () ${body(5)} };`;
    expect(longFunctions('x.ts', code, 4).map((x) => `${x.name} ${x.lines}`)).toEqual(['a 5', 'm 6', 'p 7']);
  });
});
