#!/usr/bin/env node
/**
 * Data-parallel fit in a real browser (Debian's Chromium, headless, via playwright-core):
 * builds the browser library (scripts/build-browser.mjs: simdnet.js, replica_worker.js and
 * the wasm side by side, as shipped) and a page using it, serves them twice, once cross-origin
 * isolated (COOP/COEP headers: SharedArrayBuffer transport) and once not (postMessage
 * transport), and checks that `fit({ workers: 2 })` in module Web Workers trains the same
 * weights as `workers: 1`, also on a second fit that takes back the parked worker.
 *
 *   node test/parallel/browser_check.mjs      (CHROMIUM=/path overrides the browser)
 *
 * Prints one line per check; exits 1 when any failed.
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumPath, CHROMIUM_FLAGS, loadPlaywright } from "../browser/harness.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const PAGE = `
import { init, lenet5 } from "./simdnet.js";
const sharedTransportAvailable = () => crossOriginIsolated && typeof Atomics.waitAsync === "function";
window.result = (async () => {
  await init();
  const n = 96;
  const x = { data: new Float32Array(n * 784), shape: [n, 28, 28, 1] };
  for (let i = 0; i < x.data.length; i++) x.data[i] = ((i * 7919) % 1000) / 1000;
  const y = { data: new Float32Array(n).map((_, i) => i % 10), shape: [n] };
  const weights = [];
  // The third fit takes back the worker the second one parked.
  for (const workers of [1, 2, 2]) {
    const m = lenet5({ seed: 1 });
    m.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    await m.fit(x, y, { batchSize: 32, epochs: 1, seed: 2, workers, verbose: 0 });
    weights.push(m.getWeights().flatMap((w) => Array.from(w.data)));
  }
  let maxDiff = 0;
  for (const w of weights.slice(1)) for (let i = 0; i < weights[0].length; i++) maxDiff = Math.max(maxDiff, Math.abs(weights[0][i] - w[i]));
  return { isolated: crossOriginIsolated, shared: sharedTransportAvailable(), maxDiff };
})().catch((e) => ({ error: String(e && e.stack || e) }));
`;

/** The browser library as shipped (dist/browser/), and the page. */
async function bundle(dir) {
  execFileSync(process.execPath, [join(root, "scripts/build-browser.mjs")], { cwd: root, stdio: "ignore" });
  const built = join(root, "dist/browser");
  for (const file of await readdir(built)) if (/\.(js|wasm)$/.test(file)) await copyFile(join(built, file), join(dir, file));
  await writeFile(join(dir, "page.js"), PAGE);
}

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

function serve(dir) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const isolated = url.pathname.startsWith("/isolated/");
    const file = url.pathname.replace(/^\/(isolated|plain)\//, "");
    if (file === "favicon.ico") return void res.writeHead(204).end();
    const headers = isolated ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } : {};
    try {
      const body = file === "" ? '<!doctype html><script type="module" src="page.js"></script>' : await readFile(join(dir, file));
      res.writeHead(200, { "Content-Type": TYPES[extname(file) || ".html"] ?? "application/octet-stream", ...headers });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

const dir = await mkdtemp(join(tmpdir(), "simdnet-parallel-"));
let failed = 0;
const server = await serve(dir);
try {
  await bundle(dir);
  const { chromium } = await loadPlaywright();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_FLAGS });
  try {
    for (const [path, expectShared] of [["isolated", true], ["plain", false]]) {
      const page = await browser.newPage();
      page.on("pageerror", (e) => console.log(`  page error: ${e.message}`));
      page.on("console", (m) => console.log(`  console: ${m.text()}`));
      page.on("requestfailed", (q) => console.log(`  request failed: ${q.url()}`));
      await page.goto(`http://127.0.0.1:${server.address().port}/${path}/`);
      await page.waitForFunction(() => window.result !== undefined);
      const r = await page.evaluate(() => window.result);
      const ok = !r.error && r.shared === expectShared && r.maxDiff < 1e-4;
      if (!ok) failed++;
      console.log(`${ok ? "ok  " : "FAIL"} ${path}: ${JSON.stringify(r)}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
} finally {
  server.close();
  await rm(dir, { recursive: true, force: true });
}
console.log(failed === 0 ? "all passed" : `${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
