/**
 * package.json promises what npm users need (the packed tarball itself is checked by
 * `npm run test:consumers`), and the tarball checker it uses can fail.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without declarations
import { INSTALL_SCRIPTS, REQUIRED, checkPackageDir } from "./tarball.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  files: string[];
  engines: { node: string };
  type: string;
};

describe("package.json", () => {
  it("runs no script when a consumer installs the package", () => {
    for (const name of INSTALL_SCRIPTS as string[]) expect(pkg.scripts[name], name).toBeUndefined();
  });

  it("ships the docs the README links to, and leaves out the demo and the Node build's source maps", () => {
    for (const file of ["docs/*.md", "bench/RESULTS.md", "CHANGELOG.md"]) expect(pkg.files).toContain(file);
    expect(pkg.files).toContain("!dist/demo/");
    expect(pkg.files).toContain("!dist/**/*.map");
    expect(pkg.files.some((f) => f.startsWith("wasm"))).toBe(false); // shipped once, in dist/browser/
  });

  it("is ESM only and says which Node it needs, as README.md and docs/API.md do", async () => {
    expect(pkg.type).toBe("module");
    const major = /^>=(\d+)$/.exec(pkg.engines.node)?.[1];
    expect(major).toBeDefined();
    for (const doc of ["README.md", "docs/API.md"]) {
      const text = await readFile(join(root, doc), "utf8");
      expect(text, doc).toContain(`Node.js ${major} or newer`);
      expect(text, doc).not.toMatch(/Node(\.js)? 1[0-9]\+/);
    }
  });
});

describe("the tarball checker", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** A package directory holding `files` (path to text); REQUIRED ones get placeholder text. */
  async function packageDir(files: Record<string, string>): Promise<string[]> {
    const dir = await mkdtemp(join(tmpdir(), "simdnet-pkg-"));
    dirs.push(dir);
    const all: Record<string, string> = { ...Object.fromEntries((REQUIRED as string[]).map((f) => [f, ""])), "package.json": "{}", ...files };
    for (const [path, text] of Object.entries(all)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return checkPackageDir(dir, Object.keys(all));
  }

  it("passes a package with everything in place", async () => {
    expect(await packageDir({ "README.md": "[API](docs/API.md) [site](https://example.org)" })).toEqual([]);
  });

  it("reports each problem", async () => {
    const problems = await packageDir({
      "package.json": JSON.stringify({ scripts: { prepare: "bash build.sh" } }),
      "README.md": "[gone](docs/missing.md)",
      "wasm/simdnet-simd.wasm": "",
      "dist/index.js.map": JSON.stringify({ sources: ["../ts/index.ts"] }),
      "dist/tensor.js": "x\n//# sourceMappingURL=tensor.js.map\n",
      "dist/demo/digits.bin": "",
    });
    expect(problems.join("\n")).toMatch(/install-time script "prepare"/);
    expect(problems.join("\n")).toMatch(/links to docs\/missing\.md/);
    expect(problems.join("\n")).toMatch(/simdnet-simd\.wasm is shipped 2 times/);
    expect(problems.join("\n")).toMatch(/index\.js\.map names 1 sources without their content/);
    expect(problems.join("\n")).toMatch(/tensor\.js points at a source map that is not shipped/);
    expect(problems.join("\n")).toMatch(/demo's build output is shipped/);
  });
});
