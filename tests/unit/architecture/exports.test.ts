/**
 * Exports only tests use (#13.19): an exported function, class or constant that no production module uses — not even
 * its own — but a test does is dead code its test keeps alive. Either production calls it (when it is the one home of
 * that logic and production has a second copy) or the test goes through the entry point production uses.
 * The exceptions are the TypeScript twins of SQL rules, kept as the reference the set-based SQL is tested against.
 * An export nothing uses at all is dead code too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, rel, sourceFiles } from './source-files';

/** Twins of SQL rules and the test that checks the SQL against them, customer by customer. */
const REFERENCES: Record<string, { names: string[]; testedIn: string }> = {
  'server/analytics/lifecycle.ts': { names: ['lifecycleStage', 'expectedNextPurchase', 'isDue', 'compareDuePriority'], testedIn: 'tests/integration/analytics/definitions.test.ts' },
  'server/analytics/rfm.ts': { names: ['scoreRfm', 'scoreWithBreaks'], testedIn: 'tests/integration/analytics/definitions.test.ts' },
  'server/analytics/models/gamma-gamma.ts': { names: ['predictedValue'], testedIn: 'tests/integration/analytics/definitions.test.ts' },
  'server/campaigns/holdout.ts': { names: ['inCampaignHoldout', 'inGlobalControl'], testedIn: 'tests/integration/campaigns/lifecycle.test.ts' },
};

/** Left for the helpers who own this code (say why, and who uses it once it is wired). */
const PENDING: Record<string, string[]> = {};

/** Exports nothing uses, not even a test, still waiting for their production use (none left). */
const UNUSED_PENDING = new Set<string>([]);

/** Remix reads these exports of route modules, the root and the entries itself. */
const FRAMEWORK = (f: string) => f.startsWith('app/routes/') || /^app\/(root|entry\.[a-z]+)\.tsx?$/.test(f);

/** Names a declaration of `src` exports as a value (functions, classes, variables; not types or re-exports). */
export function exportedValues(src: ts.SourceFile): string[] {
  const out: string[] = [];
  for (const s of src.statements) {
    if (!(ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))) continue;
    if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) out.push(s.name.text);
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) out.push(d.name.text);
  }
  return out;
}

/** How often each name is referenced in code (comments, strings and property names do not count; `ns.name` of an `import * as ns` does). */
export function references(src: ts.SourceFile): Map<string, number> {
  const out = new Map<string, number>();
  const namespaces = new Set(
    src.statements.flatMap((s) => (ts.isImportDeclaration(s) && s.importClause?.namedBindings && ts.isNamespaceImport(s.importClause.namedBindings) ? [s.importClause.namedBindings.name.text] : [])),
  );
  const visit = (n: ts.Node) => {
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const member = ts.isPropertyAccessExpression(p) && p.name === n;
      const ofNamespace = member && ts.isIdentifier(p.expression) && namespaces.has(p.expression.text);
      const propertyName = (member && !ofNamespace) || ((ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p)) && p.name === n);
      if (!propertyName) out.set(n.text, (out.get(n.text) ?? 0) + 1);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

const parse = (f: string) => ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true, f.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);

/** `file: name` of every export production never uses: those a test or benchmark uses, and those nothing uses. */
export function unusedExports(production: string[], tests: string[]): { onlyTests: string[]; unused: string[] } {
  const parsed = new Map(production.map((f) => [f, parse(f)]));
  const refs = new Map([...parsed].map(([f, src]) => [f, references(src)]));
  const total = new Map<string, number>();
  for (const r of refs.values()) for (const [n, k] of r) total.set(n, (total.get(n) ?? 0) + k);
  const testRefs = new Set(tests.flatMap((f) => [...references(parse(f)).keys()]));
  const out = { onlyTests: [] as string[], unused: [] as string[] };
  for (const [f, src] of parsed) {
    const name = rel(f);
    if (FRAMEWORK(name)) continue;
    for (const n of exportedValues(src)) {
      // Used: anywhere in production besides its own declaration.
      if ((total.get(n) ?? 0) > 1 || REFERENCES[name]?.names.includes(n) || PENDING[name]?.includes(n)) continue;
      (testRefs.has(n) ? out.onlyTests : out.unused).push(`${name}: ${n}`);
    }
  }
  return out;
}

const under = (d: string, tests = false) => sourceFiles(path.join(ROOT, d), { tests });

describe('exports only tests use', () => {
  let found: { onlyTests: string[]; unused: string[] } | undefined;
  const scan = () => {
    const production = [...under('server'), ...under('app'), ...under('db'), ...under('scripts')].filter((f) => /\.tsx?$/.test(f));
    const tests = [...under('tests', true), ...under('bench', true)].filter((f) => /\.tsx?$/.test(f) && f !== import.meta.filename);
    return (found ??= unusedExports(production, tests));
  };

  it('none: production uses every export a test imports (the twins of SQL rules aside)', () => {
    expect(scan().onlyTests).toEqual([]);
  }, 60_000);

  it('no new export that nothing uses at all (those there when the check came are listed to go)', () => {
    expect(scan().unused.filter((x) => !UNUSED_PENDING.has(x))).toEqual([]);
  }, 60_000);

  it('the reference twins are what their test checks the SQL against', () => {
    for (const { names, testedIn } of Object.values(REFERENCES)) {
      const refs = references(parse(path.join(ROOT, testedIn)));
      expect(names.filter((n) => !refs.has(n)), testedIn).toEqual([]);
    }
  });
});

describe('what the check counts', () => {
  const src = (code: string) => ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest, true);
  it('exported functions, classes and constants, not types or re-exports', () => {
    expect(exportedValues(src('export function a() {}\nexport class B {}\nexport const c = 1, d = 2;\nexport type E = 1;\nexport { f } from "./f";\nfunction g() {}'))).toEqual(['a', 'B', 'c', 'd']);
  });
  it('a name in a comment, a string or as a property is no use of it', () => {
    const r = references(src('// isDue\nconst s = "isDue";\nconst o = { isDue: 1 };\no.isDue;\nisDue(1);'));
    expect(r.get('isDue')).toBe(1);
    expect(references(src("import * as repo from './repo';\nrepo.dueTasks();\nother.dueTasks;")).get('dueTasks')).toBe(1);
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-exports-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('an export only a test calls, or nothing calls, is reported; one production calls, or its own module uses, is not', () => {
    const file = (name: string, code: string) => {
      writeFileSync(path.join(dir, name), code);
      return path.join(dir, name);
    };
    const lib = file('lib.ts', 'export function used() {}\nexport function internal() {}\nexport const onlyTests = 1;\ninternal();\n');
    const app = file('app.ts', "import { used } from './lib';\nused();\n");
    const test = file('lib.test.ts', "import { onlyTests, used } from './lib';\nused(onlyTests);\n");
    const dead = file('dead.ts', 'export const nobody = 1;\n');
    expect(unusedExports([lib, app, dead], [test])).toEqual({ onlyTests: [`${rel(lib)}: onlyTests`], unused: [`${rel(dead)}: nobody`] });
  });
});
