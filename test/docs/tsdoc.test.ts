/**
 * Every public name a user of the package can see has a TSDoc comment (shown on hover in
 * editors).
 *
 * The declarations are built as `npm run build:ts` builds them (tsconfig.build.json), but
 * in memory, from ts/index.ts. Starting from the entry's exports, the check follows every
 * type the public declarations mention (a parameter's options type, a field's type,
 * `typeof` a function, a base class) and reports each reached declaration, and each public
 * member of it, without a doc comment. Public members are the non-private, non-protected
 * fields, accessors, methods and constructors of classes, and the properties and methods
 * of interfaces and object type literals (option bags written inline included). A member
 * tagged `@internal` is skipped along with everything only it refers to. A class member
 * that implements a documented interface or base-class member counts as documented, as
 * editors show the inherited comment.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Compiler options of tsconfig.build.json, set to emit declarations only. */
function buildOptions(): ts.CompilerOptions {
  const configPath = join(root, "tsconfig.build.json");
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
  return {
    ...parsed.options,
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
    sourceMap: false,
    declarationMap: false,
    incremental: false,
    composite: false,
  };
}

/**
 * A compiler host that reads `files` (absolute path to text) from memory first and
 * everything else (libraries, node_modules, package.json) from disk.
 */
function memoryHost(options: ts.CompilerOptions, files: ReadonlyMap<string, string>): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const diskFileExists = host.fileExists.bind(host);
  const diskReadFile = host.readFile.bind(host);
  const diskGetSourceFile = host.getSourceFile.bind(host);
  const diskDirectoryExists = host.directoryExists?.bind(host);
  const dirs = new Set<string>();
  for (const path of files.keys()) {
    for (let dir = dirname(path); !dirs.has(dir) && dir !== dirname(dir); dir = dirname(dir)) dirs.add(dir);
  }
  host.fileExists = (path) => files.has(resolve(path)) || diskFileExists(path);
  host.readFile = (path) => files.get(resolve(path)) ?? diskReadFile(path);
  host.directoryExists = (path) => dirs.has(resolve(path)) || (diskDirectoryExists?.(path) ?? ts.sys.directoryExists(path));
  host.getSourceFile = (path, language, onError, shouldCreate) => {
    const text = files.get(resolve(path));
    if (text === undefined) return diskGetSourceFile(path, language, onError, shouldCreate);
    return ts.createSourceFile(path, text, language, true);
  };
  host.writeFile = () => {
    throw new Error("the documentation check must not write files");
  };
  return host;
}

/**
 * The declaration files `tsc` would write for `entry` with `options`, by absolute output
 * path. `sources` replaces or adds source files (used by the self-test below).
 */
function emitDeclarations(
  entry: string,
  options: ts.CompilerOptions,
  sources: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const program = ts.createProgram([entry], options, memoryHost(options, sources));
  const errors = ts.getPreEmitDiagnostics(program);
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, formatHost));
  const declarations = new Map<string, string>();
  const result = program.emit(undefined, (path, text) => declarations.set(resolve(path), text), undefined, true);
  if (result.emitSkipped) throw new Error(ts.formatDiagnostics(result.diagnostics, formatHost));
  return declarations;
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (path) => path,
  getCurrentDirectory: () => root,
  getNewLine: () => "\n",
};

/** True when the declaration node carries the `@internal` tag. */
function isInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === "internal");
}

/** True when `node` is a class member a user cannot reach (private, protected or #name). */
function isHidden(node: ts.Node): boolean {
  const flags = ts.getCombinedModifierFlags(node as ts.Declaration);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return true;
  const name = (node as { name?: ts.Node }).name;
  return name !== undefined && ts.isPrivateIdentifier(name);
}

/** True when the doc comment `symbol` shows on hover (its own or an inherited one) has text. */
function documented(parts: ts.SymbolDisplayPart[]): boolean {
  return ts.displayPartsToString(parts).trim() !== "";
}

/**
 * The public names reachable from `entry` (a declaration file in `declarations`) that have
 * no doc comment, as "file: Name" or "file: Owner.member", sorted. Also returns every name
 * it checked, so that tests can see the walk reached what it should.
 */
function undocumented(
  entry: string,
  options: ts.CompilerOptions,
  declarations: ReadonlyMap<string, string>,
): { missing: string[]; checked: string[] } {
  const program = ts.createProgram([entry], { ...options, noEmit: true }, memoryHost(options, declarations));
  const checker = program.getTypeChecker();
  const ours = (node: ts.Node): boolean => declarations.has(resolve(node.getSourceFile().fileName));
  const where = (node: ts.Node): string =>
    node.getSourceFile().fileName.slice(dirname(entry).length + 1).replace(/\.d\.ts$/, ".ts");

  const missing = new Set<string>();
  const checked = new Set<string>();
  const seen = new Set<ts.Symbol>();
  const queue: ts.Symbol[] = [];

  const report = (node: ts.Node, name: string, parts: ts.SymbolDisplayPart[]): void => {
    const label = `${where(node)}: ${name}`;
    checked.add(label);
    if (!documented(parts)) missing.add(label);
  };
  const enqueue = (symbol: ts.Symbol | undefined): void => {
    if (symbol === undefined) return;
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    // A type parameter is documented, if at all, by its function's or class's comment.
    if (target.flags & ts.SymbolFlags.TypeParameter) return;
    if (seen.has(target) || !(target.declarations ?? []).some(ours)) return;
    seen.add(target);
    queue.push(target);
  };

  /** Follows the names `node`'s types mention and checks the object type literals in it. */
  const visitTypes = (node: ts.Node, owner: string): void => {
    if (ts.isTypeReferenceNode(node)) enqueue(checker.getSymbolAtLocation(node.typeName));
    else if (ts.isExpressionWithTypeArguments(node)) enqueue(checker.getSymbolAtLocation(node.expression));
    else if (ts.isTypeQueryNode(node)) enqueue(checker.getSymbolAtLocation(node.exprName));
    else if (ts.isTypeParameterDeclaration(node)) {
      // A constraint such as `T extends { length: number }` describes what callers pass,
      // not fields of the API: follow its names, but do not ask for comments inside it.
      ts.forEachChild(node, function follow(child): void {
        if (ts.isTypeReferenceNode(child)) enqueue(checker.getSymbolAtLocation(child.typeName));
        ts.forEachChild(child, follow);
      });
      return;
    } else if (ts.isTypeLiteralNode(node)) {
      checkMembers(node.members, owner);
      return;
    }
    ts.forEachChild(node, (child) => visitTypes(child, owner));
  };

  /** Checks each public member of a class, interface or type literal, then its types. */
  const checkMembers = (members: ts.NodeArray<ts.Node>, owner: string): void => {
    for (const member of members) {
      if (isHidden(member) || isInternal(member)) continue;
      // Names an inline option bag's fields after the member: `Sequential.summary.explain`.
      let memberName = owner;
      if (ts.isConstructorDeclaration(member)) {
        // A constructor without parameters needs no words beyond the class's own.
        if (member.parameters.length > 0) {
          const signature = checker.getSignatureFromDeclaration(member);
          report(member, `${owner} constructor`, signature?.getDocumentationComment(checker) ?? []);
        }
      } else if (
        ts.isPropertyDeclaration(member) ||
        ts.isMethodDeclaration(member) ||
        ts.isGetAccessorDeclaration(member) ||
        ts.isSetAccessorDeclaration(member) ||
        ts.isPropertySignature(member) ||
        ts.isMethodSignature(member)
      ) {
        const symbol = checker.getSymbolAtLocation(member.name);
        const name = `${owner}.${member.name.getText()}`;
        memberName = name;
        // Overloads: one comment on the first signature covers the member on hover.
        if (symbol === undefined || symbol.declarations?.[0] === member) {
          report(member, name, symbol?.getDocumentationComment(checker) ?? []);
        }
      }
      // Index and call signatures have no name to document; their types are still followed.
      ts.forEachChild(member, (child) => visitTypes(child, memberName));
    }
  };

  const entryFile = program.getSourceFile(entry);
  const entryModule = entryFile && checker.getSymbolAtLocation(entryFile);
  if (entryModule === undefined) throw new Error(`no module symbol for ${entry}`);
  for (const exported of checker.getExportsOfModule(entryModule)) enqueue(exported);

  while (queue.length > 0) {
    const symbol = queue.shift()!;
    const name = symbol.getName();
    for (const declaration of (symbol.declarations ?? []).filter(ours)) {
      if (isInternal(declaration)) continue;
      if (ts.isModuleDeclaration(declaration) || ts.isSourceFile(declaration)) continue;
      // An overloaded function's comment sits on its first signature.
      if (symbol.declarations![0] === declaration) report(declaration, name, symbol.getDocumentationComment(checker));
      if (ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration)) {
        for (const clause of declaration.heritageClauses ?? []) visitTypes(clause, name);
        declaration.typeParameters?.forEach((parameter) => visitTypes(parameter, name));
        checkMembers(declaration.members, name);
      } else if (ts.isVariableDeclaration(declaration) && declaration.type !== undefined) {
        visitTypes(declaration.type, name);
      } else {
        ts.forEachChild(declaration, (child) => visitTypes(child, name));
      }
    }
  }
  return { missing: [...missing].sort(), checked: [...checked].sort() };
}

/** Builds the declarations of `sources` (file name to text, under a fake directory) and checks them. */
function checkFixture(sources: Record<string, string>): string[] {
  const dir = join(root, "test", "docs", ".tsdoc-fixture");
  const options = { ...buildOptions(), rootDir: dir, outDir: join(dir, "dist") };
  const files = new Map(Object.entries(sources).map(([name, text]) => [join(dir, name), text]));
  const declarations = emitDeclarations(join(dir, "index.ts"), options, files);
  return undocumented(join(dir, "dist", "index.d.ts"), options, declarations).missing;
}

describe("TSDoc on the public API", () => {
  it("finds an undocumented member where it should and nowhere else", () => {
    const missing = checkFixture({
      "index.ts": [
        'export { Thing, type ThingArgs } from "./thing.js";',
        'export { helper } from "./helper.js";',
        "",
      ].join("\n"),
      "thing.ts": [
        'import type { Hidden } from "./hidden.js";',
        "/** Documented options. */",
        "export interface ThingArgs {",
        "  /** Documented. */",
        "  size?: number;",
        "  bare?: string;",
        "  nested?: { inner: number };",
        "}",
        "export interface Shape {",
        "  /** Area in square units. */",
        "  area(): number;",
        "}",
        "/** A documented class. */",
        "export class Thing implements Shape {",
        "  readonly plain: number = 1;",
        "  /** Documented. */",
        "  readonly fine: number = 2;",
        "  private secret = 3;",
        "  #hash = 4;",
        "  /** @internal For tests. */",
        "  inside(): Hidden { return { x: this.#hash + this.secret }; }",
        "  constructor(readonly args: ThingArgs = {}) {}",
        "  area(): number { return 1; }",
        "  get volume(): number { return 2; }",
        "  static make(): Thing { return new Thing(); }",
        "}",
        "",
      ].join("\n"),
      "hidden.ts": "export interface Hidden { x: number }\n",
      "helper.ts": "export function helper(): void {}\n",
    });
    expect(missing).toEqual([
      "helper.ts: helper",
      "thing.ts: Shape", // reachable through `implements`, although not exported by the entry
      "thing.ts: Thing constructor",
      "thing.ts: Thing.args", // a parameter property is a public field
      "thing.ts: Thing.make",
      "thing.ts: Thing.plain",
      "thing.ts: Thing.volume",
      "thing.ts: ThingArgs.bare",
      "thing.ts: ThingArgs.nested",
      "thing.ts: ThingArgs.nested.inner",
    ]);
  });

  it("every exported name and public member reachable from ts/index.ts has a doc comment", () => {
    const options = buildOptions();
    const declarations = emitDeclarations(join(root, "ts", "index.ts"), options);
    const outDir = resolve(options.outDir!);
    const { missing, checked } = undocumented(join(outDir, "index.d.ts"), options, declarations);
    // The walk reaches exports, their members, inline option fields and types the entry
    // does not export itself; were it to stop early, this test would pass vacuously.
    expect(checked).toEqual(
      expect.arrayContaining([
        "model/model.ts: Model.fit",
        "model/model.ts: Model.summary",
        "callbacks/early_stopping.ts: EarlyStoppingArgs.patience",
        "callbacks/monitor.ts: MonitorMode",
        "layers/index.ts: layers.conv2d",
      ]),
    );
    expect(checked.length).toBeGreaterThan(200);
    expect(missing).toEqual([]);
  });
});
