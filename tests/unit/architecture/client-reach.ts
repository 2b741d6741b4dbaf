/**
 * Which values imported from `*.server` modules the browser bundle would evaluate. Remix replaces a `*.server`
 * module with an empty one in the browser build and keeps, of a route module, only its browser exports
 * (default, meta, links, …; not loader/action/headers), plus whatever top-level code runs when the module loads.
 * A server value reached from there is `undefined` in the browser: `z.enum(undefined)` throws, `ROLES.map`
 * throws, and the page falls back to a full reload (issue #12.14).
 *
 * The walk: start from the browser exports and every top-level statement that runs at load (not a function, not
 * a type), follow references to other top-level declarations, and report each server import reached. Type
 * positions (`typeof loader`, `Record<(typeof X)[number], …>`) are erased and not followed.
 */
import ts from 'typescript';

/** From @remix-run/dev's browserRouteModulesPlugin: the only route exports kept in the browser build. */
const BROWSER_ROUTE_EXPORTS = new Set(['clientAction', 'clientLoader', 'ErrorBoundary', 'HydrateFallback', 'Layout', 'default', 'handle', 'links', 'meta', 'shouldRevalidate']);

const hasModifier = (n: ts.Node, k: ts.SyntaxKind) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === k);
const isExported = (n: ts.Node) => hasModifier(n, ts.SyntaxKind.ExportKeyword);
const isDefault = (n: ts.Node) => hasModifier(n, ts.SyntaxKind.DefaultKeyword);
const lazy = (e: ts.Expression | undefined) => !!e && (ts.isArrowFunction(e) || ts.isFunctionExpression(e));

/** Identifiers used as values inside `node` (not property names, not types). */
function valueReferences(node: ts.Node, out: Set<string>): void {
  const visit = (n: ts.Node): void => {
    if (ts.isTypeNode(n) || ts.isTypeAliasDeclaration(n) || ts.isInterfaceDeclaration(n) || ts.isImportDeclaration(n)) return;
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const isName = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n) || (ts.isJsxAttribute(p) && p.name === n) || ((ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p)) && p.name === n);
      if (!isName) out.add(n.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
}

export interface ServerUse {
  name: string;
  from: string;
}

export function serverValuesReachedByBrowser(fileName: string, src: string, opts: { routeModule: boolean }): ServerUse[] {
  const sf = ts.createSourceFile(fileName, src, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const serverValues = new Map<string, string>();
  const decls = new Map<string, ts.Node[]>();
  const roots: ts.Node[] = [];
  const declare = (name: string, n: ts.Node) => decls.set(name, [...(decls.get(name) ?? []), n]);
  const browserExport = (name: string) => !opts.routeModule || BROWSER_ROUTE_EXPORTS.has(name);

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as ts.StringLiteral).text;
      const c = st.importClause;
      if (!/\.server(\.[jt]sx?)?$/.test(spec) || !c || c.isTypeOnly) continue;
      if (c.name) serverValues.set(c.name.text, spec);
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) serverValues.set(nb.name.text, spec);
      if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) if (!el.isTypeOnly) serverValues.set(el.name.text, spec);
    } else if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) {
      const name = isDefault(st) ? 'default' : st.name?.text;
      if (st.name) declare(st.name.text, st);
      if (name && isExported(st) && browserExport(name)) roots.push(st);
      // A class body with static initialisers runs at load.
      if (ts.isClassDeclaration(st) && !isExported(st)) roots.push(st);
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const names = new Set<string>();
        valueReferences(d.name, names);
        for (const n of names) declare(n, d);
        const exportedName = ts.isIdentifier(d.name) ? d.name.text : '';
        if (isExported(st) ? browserExport(exportedName) || !lazy(d.initializer) : !lazy(d.initializer)) roots.push(d);
      }
    } else if (ts.isExportAssignment(st)) {
      roots.push(st);
    } else if (ts.isExportDeclaration(st)) {
      if (st.isTypeOnly || !st.exportClause || !ts.isNamedExports(st.exportClause)) continue;
      for (const el of st.exportClause.elements) {
        if (!el.isTypeOnly && browserExport(el.name.text)) roots.push(el.propertyName ?? el.name);
      }
    } else if (!ts.isTypeAliasDeclaration(st) && !ts.isInterfaceDeclaration(st) && !ts.isModuleDeclaration(st)) {
      roots.push(st); // expression statements, if/for at top level: run at load
    }
  }

  const found = new Map<string, ServerUse>();
  const seen = new Set<ts.Node>();
  const queue = [...roots];
  while (queue.length) {
    const n = queue.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    const refs = new Set<string>();
    if (ts.isIdentifier(n)) refs.add(n.text);
    else valueReferences(n, refs);
    for (const r of refs) {
      const from = serverValues.get(r);
      if (from) found.set(r, { name: r, from });
      for (const d of decls.get(r) ?? []) queue.push(d);
    }
  }
  return [...found.values()];
}
