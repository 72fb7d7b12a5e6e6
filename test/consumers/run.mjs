#!/usr/bin/env node
/**
 * Consumer tests: what an npm user gets. Packs the package (`npm pack`, which runs the
 * prepack build), checks the tarball's file list, installs the tarball into a fresh app
 * directory, and uses it the way users do:
 *
 *   node      a TypeScript app compiled with module/moduleResolution "nodenext", run in Node
 *   esbuild   a browser bundle, with the wasm files copied beside it (docs/browser.md)
 *   vite-dev  Vite's dev server, with no config and with optimizeDeps.exclude
 *   vite-build  a Vite production build, no config
 *   webpack   a webpack 5 production build, no config beyond entry and output
 *
 * Each app trains lenet5 for one small epoch and predicts one image; the browser apps run
 * in headless Chromium (playwright-core, /usr/bin/chromium or CHROMIUM) and must give the
 * Node app's probabilities. The bundlers are this repo's devDependencies (real packages
 * from the npm registry); they run from here and resolve "simdnet" from the app's own
 * node_modules, where only the tarball is installed.
 *
 *   node test/consumers/run.mjs     (npm run test:consumers)
 *
 * Prints one line per check, then "N passed, N failed"; exits 1 when any check failed.
 * Screenshots of each app go to test/browser/screenshots/consumers/ (git-ignored).
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { startServer } from "../../scripts/serve-demo.mjs";
import { checkTarball } from "./tarball.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const apps = join(root, "test/consumers/apps");
const shots = join(root, "test/browser/screenshots/consumers");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const run = promisify(execFile);
const requireHere = createRequire(join(root, "package.json"));

const results = [];
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push(true);
    console.log(`ok    ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL  ${name}\n      ${(e instanceof Error ? e.message : String(e)).replaceAll("\n", "\n      ")}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Runs a command; a failure carries its output. */
async function sh(cmd, args, options = {}) {
  try {
    return await run(cmd, args, { maxBuffer: 64 << 20, ...options });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
}

/** What a browser app reported, compared with the Node app's prediction. */
function samePrediction(name, result, expected) {
  assert(result?.ok, `${name}: the page failed: ${result?.error ?? "no result"}`);
  assert(result.flavor === "simd", `${name}: init() loaded ${result.flavor}, expected simd`);
  const sum = result.probabilities.reduce((a, b) => a + b, 0);
  assert(Math.abs(sum - 1) < 1e-4, `${name}: the probabilities sum to ${sum}`);
  const diff = Math.max(...result.probabilities.map((p, k) => Math.abs(p - expected.probabilities[k])));
  assert(diff < 1e-5, `${name}: probabilities differ from Node's by ${diff}:\n${result.probabilities}\n${expected.probabilities}`);
}

/** Loads `url` in a new page, waits for window.result, keeps a screenshot. */
async function pageResult(context, url, name) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.result, null, { timeout: 60_000 }).catch(() => {
      throw new Error(`${name}: no result within 60 s; page errors: ${errors.join("; ") || "none"}`);
    });
    const result = await page.evaluate(() => window.result);
    await page.evaluate((r) => { document.body.textContent = JSON.stringify(r, null, 1); }, result);
    await page.screenshot({ path: join(shots, `${name}.png`) });
    return result;
  } finally {
    await page.close();
  }
}

async function servedResult(context, dir, name) {
  const server = await startServer({ dir, port: 0 });
  try {
    return await pageResult(context, server.url, name);
  } finally {
    await server.close();
  }
}

const HTML = (script, type = "module") => `<!doctype html><html><head><meta charset="utf-8"><title>consumer</title></head><body><script type="${type}" src="${script}"></script></body></html>\n`;

async function main() {
  const scratch = await mkdtemp(join(tmpdir(), "simdnet-consumers-"));
  await rm(shots, { recursive: true, force: true });
  await mkdir(shots, { recursive: true });
  try {
    // 1. Pack exactly as `npm publish` would (prepack builds dist/ from a clean slate).
    let tarball;
    await check("npm pack builds the package", async () => {
      await sh("npm", ["pack", "--pack-destination", scratch, "--silent"], { cwd: root });
      const name = (await readdir(scratch)).find((f) => f.endsWith(".tgz"));
      assert(name, "npm pack wrote no .tgz");
      tarball = join(scratch, name);
    });
    if (!tarball) return;

    await check("the tarball ships the docs, no source maps, each wasm module once, no install scripts, no demo", async () => {
      const problems = await checkTarball(tarball);
      assert(problems.length === 0, problems.join("\n"));
    });

    // 2. A fresh app with only the tarball installed (and so its one dependency, mnist).
    const app = join(scratch, "app");
    await mkdir(app, { recursive: true });
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "consumer-app", private: true, type: "module", dependencies: { simdnet: `file:${tarball}` } }, null, 2));
    let installed = false;
    await check("npm install of the tarball runs no install script", async () => {
      const { stdout, stderr } = await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--foreground-scripts"], { cwd: app });
      assert(!/simdnet@[^\s]* (pre|post)?install|> simdnet@|install-scripts\s+simdnet/.test(stdout + stderr), `npm ran a script of simdnet:\n${stdout}${stderr}`);
      const pkg = JSON.parse(await readFile(join(app, "node_modules/simdnet/package.json"), "utf8"));
      assert(pkg.name === "simdnet", "node_modules/simdnet/package.json is not simdnet's");
      installed = true;
    });
    if (!installed) return;
    await cp(join(apps, "browser"), join(app, "src"), { recursive: true });
    await cp(join(apps, "node-ts"), join(app, "node-ts"), { recursive: true });

    // 3. Node + TypeScript nodenext: the reference prediction.
    let expected;
    await check("node: a TypeScript (nodenext, strict) app type-checks against the package and trains and predicts in Node", async () => {
      const tsc = join(root, "node_modules/typescript/bin/tsc");
      await sh(process.execPath, [tsc, "-p", join(app, "node-ts/tsconfig.json")], { cwd: app });
      const { stdout } = await sh(process.execPath, [join(app, "node-ts/out/index.js")], { cwd: app });
      expected = JSON.parse(stdout.trim().split("\n").pop());
      assert(expected.ok && expected.flavor === "simd", `the Node app said ${stdout}`);
      assert(Math.abs(expected.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4, "Node's probabilities do not sum to 1");
    });
    if (!expected) return;

    await check("node: require() of the ESM-only package loads (Node 20.19+) or fails with ERR_REQUIRE_ESM, as docs/API.md says", async () => {
      const probe = join(app, "probe.cjs");
      await writeFile(probe, `try { require("simdnet"); console.log("loaded"); } catch (e) { console.log(e.code); }\n`);
      const { stdout } = await sh(process.execPath, [probe], { cwd: app });
      // Node 20.19+ and 22.12+ can require() ESM without top-level await; ours has none at
      // the entry, so either answer is honest. What must not happen is a crash elsewhere.
      assert(/^(loaded|ERR_REQUIRE_ESM|ERR_REQUIRE_ASYNC_MODULE)$/m.test(stdout), `require("simdnet") gave ${stdout}`);
    });

    await stat(chromiumPath).catch(() => {
      throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium, or set CHROMIUM`);
    });
    const { chromium } = requireHere("playwright-core");
    const context = await chromium.launchPersistentContext(join(scratch, "profile"), {
      executablePath: chromiumPath, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 900, height: 500 },
    });
    try {
      await check("esbuild: a browser bundle, with the wasm files copied beside it, predicts as Node does", async () => {
        const { build } = await import(pathToFileURL(requireHere.resolve("esbuild")).href);
        const out = join(app, "out-esbuild");
        await build({ entryPoints: [join(app, "src/app.js")], bundle: true, format: "esm", platform: "browser", minify: true, outfile: join(out, "app.js"), absWorkingDir: app, logLevel: "silent" });
        // The documented step (docs/browser.md, "Bundlers"): esbuild leaves the wasm URL alone.
        for (const flavor of ["simd", "scalar"]) await cp(join(app, `node_modules/simdnet/dist/browser/simdnet-${flavor}.wasm`), join(out, `simdnet-${flavor}.wasm`));
        await writeFile(join(out, "index.html"), HTML("./app.js"));
        samePrediction("esbuild", await servedResult(context, out, "esbuild"), expected);
      });

      await check("esbuild without the copied wasm: init() rejects with a message that says what to copy", async () => {
        const out = join(app, "out-esbuild");
        for (const flavor of ["simd", "scalar"]) await rm(join(out, `simdnet-${flavor}.wasm`));
        const r = await servedResult(context, out, "esbuild-missing-wasm");
        assert(!r.ok && /HTTP 404/.test(r.error) && r.error.includes("node_modules/simdnet/dist/browser/simdnet-*.wasm") && r.error.includes('optimizeDeps: { exclude: ["simdnet"] }'), `init() said: ${r.error}`);
      });

      const vite = await import(pathToFileURL(requireHere.resolve("vite")).href);
      await writeFile(join(app, "index.html"), HTML("/src/app.js"));
      await check("vite build: a production build with no config predicts as Node does", async () => {
        const out = join(app, "out-vite");
        await vite.build({ root: app, configFile: false, logLevel: "silent", build: { outDir: out, emptyOutDir: true } });
        const assets = await readdir(join(out, "assets"));
        assert(assets.some((f) => /^simdnet-simd-.*\.wasm$/.test(f)), `vite emitted no simdnet-simd wasm: ${assets.join(", ")}`);
        samePrediction("vite-build", await servedResult(context, out, "vite-build"), expected);
      });

      // Vite pre-bundles dependencies into node_modules/.vite/deps/, where no wasm file
      // follows (vitejs/vite#8427); init() then tries node_modules/simdnet/dist/browser/.
      const viteDev = async (name, config) => {
        const server = await vite.createServer({
          root: app, configFile: false, logLevel: "silent", cacheDir: join(app, `node_modules/.vite-${name}`),
          server: { host: "127.0.0.1", port: 0, hmr: false }, ...config,
        });
        await server.listen();
        try {
          return await pageResult(context, server.resolvedUrls.local[0], name);
        } finally {
          await server.close();
        }
      };
      await check("vite dev server, no config: predicts as Node does (init() finds the wasm past Vite's pre-bundling)", async () => {
        samePrediction("vite-dev", await viteDev("vite-dev", {}), expected);
      });
      await check("vite dev server with optimizeDeps.exclude (for layouts where that fallback is not served): predicts as Node does", async () => {
        samePrediction("vite-dev-excluded", await viteDev("vite-dev-excluded", { optimizeDeps: { exclude: ["simdnet"] } }), expected);
      });

      await check("webpack 5: a production build with no config beyond entry and output predicts as Node does", async () => {
        const webpack = requireHere("webpack");
        const out = join(app, "out-webpack");
        const stats = await new Promise((done, fail) => webpack({
          mode: "production", context: app, entry: "./src/app.js", target: "web",
          output: { path: out, filename: "app.js", clean: true },
          performance: { hints: false },
        }, (e, s) => (e ? fail(e) : done(s))));
        assert(!stats.hasErrors(), `webpack failed:\n${stats.toString("errors-only")}`);
        assert(!stats.hasWarnings(), `webpack warned:\n${stats.toString("errors-warnings")}`);
        await writeFile(join(out, "index.html"), HTML("./app.js", "text/javascript"));
        samePrediction("webpack", await servedResult(context, out, "webpack"), expected);
      });
    } finally {
      await context.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  results.push(false);
  console.log(`FAIL  setup: ${e instanceof Error ? e.message : String(e)}`);
}
const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
