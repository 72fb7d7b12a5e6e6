#!/usr/bin/env node
/**
 * Keras files in a real browser (Debian's Chromium through playwright-core): a page loads
 * the prebuilt dist/browser/simdnet.js, with an import map for h5wasm and fflate (what a
 * page without a bundler needs), fetches Keras's LeNet-5 `.keras` and `.h5` golden files,
 * loads them from a Blob and from bytes, predicts Keras's numbers (1e-4), and saves with
 * toKerasFile and loads the bytes back; it loads Keras's MobileNetV2 (alpha 0.35, 96x96)
 * `.keras`, predicts Keras's numbers, and gives its weights to `applications.mobileNetV2`,
 * which predicts them too. It also checks that a page that never touches a
 * Keras file never requests simdnet-keras.js or h5wasm.
 *
 *   node test/browser/keras_files.mjs      (after npm run build:wasm)
 *
 * Prints one line per check, then "N passed, N failed"; exits 1 when any check failed.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildLibrary } from "../../scripts/build-browser.mjs";
import { startServer } from "../../scripts/serve-demo.mjs";
import { chromiumPath, CHROMIUM_FLAGS, finish, loadPlaywright, record } from "./harness.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = await mkdtemp(join(tmpdir(), "simdnet-keras-browser-"));
const dist = await buildLibrary();
for (const name of ["simdnet.js", "simdnet-keras.js", "simdnet-simd.wasm", "simdnet-scalar.wasm", "replica_worker.js"]) await copyFile(join(dist, name), join(dir, name));
await mkdir(join(dir, "lib"), { recursive: true });
await copyFile(join(root, "node_modules/h5wasm/dist/esm/hdf5_hl.js"), join(dir, "lib/hdf5_hl.js"));
await copyFile(join(root, "node_modules/h5wasm/dist/esm/hdf5_util.js"), join(dir, "lib/hdf5_util.js"));
await copyFile(join(root, "node_modules/fflate/esm/browser.js"), join(dir, "lib/fflate.js"));
for (const ext of ["keras", "h5"]) await copyFile(join(root, `test/golden/keras_files/lenet5.${ext}`), join(dir, `lenet5.${ext}`));
for (const f of ["inputs", "predictions"]) await copyFile(join(root, `test/golden/keras_files/lenet5.${f}.bin`), join(dir, `${f}.bin`));
await copyFile(join(root, "test/golden/keras_files/mobilenetv2.keras"), join(dir, "mobilenetv2.keras"));
for (const f of ["inputs", "predictions"]) await copyFile(join(root, `test/golden/keras_files/mobilenetv2.${f}.bin`), join(dir, `mobilenetv2.${f}.bin`));
const models = JSON.parse(await readFile(join(root, "test/golden/keras_files/manifest.json"), "utf8")).models;
const manifest = models.lenet5;

const importMap = `<script type="importmap">{"imports": {"h5wasm": "./lib/hdf5_hl.js", "fflate": "./lib/fflate.js"}}</script>`;
await writeFile(join(dir, "keras.html"), `<!doctype html>${importMap}<script type="module">
const floats = async (url) => new Float32Array(await (await fetch(url)).arrayBuffer());
window.result = (async () => {
  const lib = await import("./simdnet.js");
  await lib.init();
  const x = { data: await floats("./inputs.bin"), shape: ${JSON.stringify(manifest.inputShape)} };
  const want = await floats("./predictions.bin");
  const diff = (y) => Math.max(...Array.from(y.data, (v, i) => Math.abs(v - want[i])));
  const out = {};
  for (const ext of ["keras", "h5"]) {
    const blob = await (await fetch("./lenet5." + ext)).blob();
    const fromBlob = await lib.loadModel(blob);
    const fromBytes = await lib.loadModel(new Uint8Array(await blob.arrayBuffer()));
    out[ext] = { blob: diff(fromBlob.predict(x)), bytes: diff(fromBytes.predict(x)) };
    const saved = await lib.toKerasFile(fromBlob, { format: ext });
    out[ext].resaved = diff((await lib.loadModel(saved)).predict(x));
  }
  out.unsupported = await lib.loadModel(new Uint8Array([80, 75, 3, 4, 0, 0])).then(() => "loaded", (e) => String(e.message));
  // MobileNetV2 written by keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), classes=10).
  const mx = { data: await floats("./mobilenetv2.inputs.bin"), shape: ${JSON.stringify(models.mobilenetv2.inputShape)} };
  const mwant = await floats("./mobilenetv2.predictions.bin");
  const mdiff = (y) => Math.max(...Array.from(y.data, (v, i) => Math.abs(v - mwant[i])));
  const mobile = await lib.loadModel(await (await fetch("./mobilenetv2.keras")).blob());
  const app = lib.applications.mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], classes: 10 });
  app.setWeights(mobile.getWeights());
  out.mobilenet = { params: mobile.countParams(), loaded: mdiff(mobile.predict(mx)), application: mdiff(app.predict(mx)) };
  return { ok: true, ...out };
})().catch((e) => ({ ok: false, error: String(e && e.stack || e) }));
</script>`);
await writeFile(join(dir, "plain.html"), `<!doctype html><script type="module">
window.result = (async () => {
  const lib = await import("./simdnet.js");
  await lib.init();
  const model = lib.lenet5({ seed: 1 });
  const copy = await lib.loadModel(await model.save());
  return { ok: true, same: copy.predict({ data: new Float32Array(784), shape: [1, 28, 28, 1] }).data.length === 10 };
})().catch((e) => ({ ok: false, error: String(e && e.stack || e) }));
</script>`);

const { chromium } = await loadPlaywright();
const server = await startServer({ dir, port: 0 });
const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_FLAGS });
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}keras.html`);
  await page.waitForFunction(() => window.result, null, { timeout: 120_000 });
  const r = await page.evaluate(() => window.result);
  const detail = JSON.stringify(r);
  record("a page loads Keras's LeNet-5 .keras from a Blob and from bytes and predicts Keras's numbers (1e-4)", r.ok && r.keras.blob < 1e-4 && r.keras.bytes < 1e-4, detail);
  record("... and the .h5", r.ok && r.h5.blob < 1e-4 && r.h5.bytes < 1e-4, detail);
  record("toKerasFile's bytes load back in the page, both formats", r.ok && r.keras.resaved < 1e-6 && r.h5.resaved < 1e-6, detail);
  record("a page loads Keras's MobileNetV2 .keras (423,018 parameters) and predicts Keras's numbers (1e-4)", r.ok && r.mobilenet.params === 423018 && r.mobilenet.loaded < 1e-4, detail);
  record("applications.mobileNetV2 with those weights predicts them too (1e-4)", r.ok && r.mobilenet.application < 1e-4, detail);
  record("a broken file is refused by name", r.ok && /zip/.test(r.unsupported), detail);
  record("no page errors", errors.length === 0, errors.join("; "));
  await page.close();

  const plain = await browser.newPage();
  const requested = [];
  plain.on("request", (req) => requested.push(req.url()));
  await plain.goto(`${server.url}plain.html`);
  await plain.waitForFunction(() => window.result, null, { timeout: 60_000 });
  const p = await plain.evaluate(() => window.result);
  const keras = requested.filter((u) => /simdnet-keras|hdf5|fflate/.test(u));
  record("a page that never touches a Keras file loads neither simdnet-keras.js nor h5wasm", p.ok && keras.length === 0, `${JSON.stringify(p)} requested ${keras.join(", ")}`);
} finally {
  await browser.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
finish();
