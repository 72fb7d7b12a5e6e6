/**
 * What `npm pack` put in the tarball, checked against what an npm user needs (issue 13):
 * the docs the README links to, no source maps without their sources, each wasm module
 * once, no install-time scripts, and none of the demo's build output.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, posix } from "node:path";
import { promisify } from "node:util";

/** Files every published package must hold. */
export const REQUIRED = [
  "package.json", "README.md", "LICENSE", "CHANGELOG.md",
  "docs/API.md", "docs/ARCHITECTURE.md", "docs/browser.md", "docs/reliability.md", "bench/RESULTS.md",
  "dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "dist/wasm/loader.js", "dist/parallel/replica_worker.js",
  "dist/browser/simdnet.js", "dist/browser/simdnet-inline.js", "dist/browser/replica_worker.js",
  "dist/browser/simdnet-simd.wasm", "dist/browser/simdnet-scalar.wasm",
];

/** Scripts npm runs when a consumer installs the package (`prepare` runs for git installs). */
export const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];

async function walk(dir, prefix = "") {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await walk(join(dir, entry.name), path)));
    else files.push(path);
  }
  return files;
}

/** Problems found in `tarball` (a .tgz from npm pack), as sentences; empty when all is well. */
export async function checkTarball(tarball) {
  const dir = await mkdtemp(join(tmpdir(), "simdnet-tarball-"));
  try {
    await promisify(execFile)("tar", ["-xzf", tarball, "-C", dir]);
    const pkgDir = join(dir, "package");
    return await checkPackageDir(pkgDir, await walk(pkgDir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The checks, on an unpacked package directory and its file list (posix paths). */
export async function checkPackageDir(pkgDir, files) {
  const problems = [];
  const have = new Set(files);
  for (const file of REQUIRED) if (!have.has(file)) problems.push(`missing ${file}`);

  for (const file of files.filter((f) => f.endsWith(".map"))) {
    const map = JSON.parse(await readFile(join(pkgDir, file), "utf8"));
    const content = map.sourcesContent ?? [];
    if (content.length !== map.sources.length || content.some((c) => typeof c !== "string")) {
      problems.push(`${file} names ${map.sources.length} sources without their content`);
    }
  }
  for (const file of files.filter((f) => f.endsWith(".js"))) {
    const text = await readFile(join(pkgDir, file), "utf8");
    const match = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text);
    if (match && !match[1].startsWith("data:") && !have.has(posix.join(posix.dirname(file), match[1]))) {
      problems.push(`${file} points at a source map that is not shipped (${match[1]})`);
    }
  }

  const wasmByName = new Map();
  for (const file of files.filter((f) => f.endsWith(".wasm"))) wasmByName.set(basename(file), [...(wasmByName.get(basename(file)) ?? []), file]);
  for (const [name, copies] of wasmByName) if (copies.length > 1) problems.push(`${name} is shipped ${copies.length} times: ${copies.join(", ")}`);

  const demo = files.filter((f) => f.startsWith("dist/demo/"));
  if (demo.length > 0) problems.push(`the demo's build output is shipped: ${demo.slice(0, 3).join(", ")}…`);
  const tests = files.filter((f) => /^(test|ts|crates|scripts|examples)\//.test(f));
  if (tests.length > 0) problems.push(`sources or tests are shipped: ${tests.slice(0, 3).join(", ")}…`);

  const pkg = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8"));
  for (const name of INSTALL_SCRIPTS) if (pkg.scripts?.[name]) problems.push(`package.json has an install-time script "${name}": ${pkg.scripts[name]}`);

  // Every relative link of the shipped Markdown files must reach a shipped file.
  for (const file of files.filter((f) => f.endsWith(".md"))) {
    const text = await readFile(join(pkgDir, file), "utf8");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:|^#/.test(target)) continue;
      const path = posix.normalize(posix.join(posix.dirname(file), target.split("#")[0]));
      if (!have.has(path) && !files.some((f) => f.startsWith(`${path}/`))) problems.push(`${file} links to ${target}, which is not in the package`);
    }
  }
  return problems;
}

