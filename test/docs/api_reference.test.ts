/**
 * docs/API.md must keep up with the package entry: every name ts/index.ts exports (values
 * and types) has a heading in the reference, and so does every member of the exported
 * namespaces (layers.conv2d, optimizers.adam, ...). A new export without documentation
 * fails here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as entry from "../../ts/index.js";

const root = new URL("../../", import.meta.url);
const indexSource = readFileSync(new URL("ts/index.ts", root), "utf8");
const apiText = readFileSync(new URL("docs/API.md", root), "utf8");

/**
 * The names `export { ... } from` and `export type { ... } from` statements of `source`
 * make public: the alias after `as` when there is one, without the `type` modifier.
 */
function exportedNames(source: string): { values: string[]; types: string[] } {
  const values: string[] = [];
  const types: string[] = [];
  const statement = /^export\s+(type\s+)?\{([^}]*)\}\s*from\s*["'][^"']+["'];?/gm;
  for (const match of source.matchAll(statement)) {
    const allTypes = match[1] !== undefined;
    for (const raw of match[2]!.split(",")) {
      const item = raw.trim();
      if (item === "") continue;
      const isType = allTypes || item.startsWith("type ");
      const name = item.replace(/^type\s+/, "").split(/\s+as\s+/).pop()!.trim();
      (isType ? types : values).push(name);
    }
  }
  return { values, types };
}

/** The text of every Markdown heading of `markdown` (lines starting with #). */
function headings(markdown: string): string[] {
  return markdown.split("\n").filter((line) => /^#{1,6}\s/.test(line));
}

/** True when `name` appears as a word inside a code span of one of `lines`. */
function inCodeSpan(lines: readonly string[], name: string): boolean {
  const word = new RegExp(`(^|[^A-Za-z0-9_$])${name.replace(/\$/g, "\\$")}([^A-Za-z0-9_$]|$)`);
  return lines.some((line) => [...line.matchAll(/`([^`]+)`/g)].some((span) => word.test(span[1]!)));
}

describe("docs/API.md", () => {
  const { values, types } = exportedNames(indexSource);
  const titles = headings(apiText);

  it("reads the export list of ts/index.ts completely", () => {
    // The parser must see exactly the runtime exports, or names could slip past it.
    expect([...values].sort()).toEqual(Object.keys(entry).sort());
    expect(types.length).toBeGreaterThan(20);
    expect(types).toContain("Tensor");
    expect(values).toContain("loadModel"); // exported as an alias of loadSequential
    expect(values).not.toContain("loadSequential");
  });

  it.each([...values, ...types])("has a heading for the export %s", (name) => {
    expect(inCodeSpan(titles, name), `docs/API.md has no heading naming \`${name}\``).toBe(true);
  });

  const namespaces: Record<string, object> = {
    layers: entry.layers,
    optimizers: entry.optimizers,
    initializers: entry.initializers,
    callbacks: entry.callbacks,
    datasets: entry.datasets,
  };
  const members = Object.entries(namespaces).flatMap(([ns, object]) => Object.keys(object).map((key) => `${ns}.${key}`));

  it.each(members)("documents the namespace member %s", (qualified) => {
    const [ns, key] = qualified.split(".") as [string, string];
    // Either as `ns.key` anywhere in code, or as a row or heading of the namespace's section.
    const sectionStart = apiText.search(new RegExp(`^#+ .*\`${ns}\``, "m"));
    expect(sectionStart, `docs/API.md has no section for \`${ns}\``).toBeGreaterThanOrEqual(0);
    const qualifiedUse = apiText.includes(`${ns}.${key}`);
    const section = apiText.slice(sectionStart, sectionStart + 20_000);
    const listed = new RegExp(`(^|[^A-Za-z0-9_$.])${key}\\(`, "m").test(section);
    expect(qualifiedUse || listed, `docs/API.md does not document ${qualified}`).toBe(true);
  });

  it("documents every public method of Sequential", () => {
    const methods = ["add", "compile", "summary", "countParams", "fit", "evaluate", "predict", "getWeights", "setWeights", "save", "dispose"];
    for (const method of methods) {
      expect(typeof (entry.Sequential.prototype as unknown as Record<string, unknown>)[method], method).toBe("function");
      expect(inCodeSpan(titles, `model.${method}`) || inCodeSpan(titles, method), `no heading for model.${method}`).toBe(true);
    }
  });
});
