/**
 * Finding, compiling and instantiating simdnet's wasm modules, in Node and in browsers.
 *
 * Two builds exist: `simd` (simd128 instructions, the fast one) and `scalar` (for engines
 * without SIMD). `init()` picks SIMD when the engine validates a SIMD instruction and
 * falls back to scalar otherwise.
 */
import { WasmCore } from "./core.js";

/** Which build of the kernels to run. */
export type WasmFlavor = "simd" | "scalar";

/**
 * Where a module's bytes come from: a URL or path (fetched in browsers, read from disk
 * in Node), the bytes themselves, an already compiled module, or a fetch Response.
 */
export type WasmSource = string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module | Response;

/** Options of {@link init}. */
export interface InitOptions {
  /** `"auto"` (default) uses SIMD when supported, else scalar. */
  flavor?: "auto" | WasmFlavor;
  /**
   * Where to load the modules from. By default the package's own files: in Node read from
   * `wasm/` (a clone) or `dist/browser/` (the installed package); in browsers fetched from
   * next to the bundle.
   */
  wasm?: Partial<Record<WasmFlavor, WasmSource>>;
}

/** What {@link init} loaded. */
export interface InitInfo {
  /** The build in use: "simd" or "scalar". */
  flavor: WasmFlavor;
  /** Whether this engine supports wasm SIMD (true even when "scalar" was asked for). */
  simdSupported: boolean;
}

// A 22-byte module whose one function returns a v128 constant: it validates exactly
// when the engine implements the SIMD proposal.
const SIMD_PROBE = /* @__PURE__ */ new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code: v128.const
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
]);

/** True when this JavaScript engine supports WebAssembly SIMD (128-bit). */
export function simdSupported(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

/**
 * The default location of a build: `wasm/simdnet-<flavor>.wasm` in this package. Both
 * ts/wasm/ (sources) and dist/wasm/ (compiled) sit two levels below the root; the browser
 * build rewrites this to the file next to the bundle.
 */
export function defaultWasmUrl(flavor: WasmFlavor): URL {
  // One literal per flavor, not a template: webpack 5 and Vite find and emit the file
  // only for `new URL("literal", import.meta.url)` (a template makes Vite look it up in a
  // glob table that is empty in a pre-bundled dependency: the URL ends in "undefined").
  return flavor === "simd"
    ? new URL("../../wasm/simdnet-simd.wasm", import.meta.url)
    : new URL("../../wasm/simdnet-scalar.wasm", import.meta.url);
}

/**
 * What to do when the browser cannot get the module from `url`: where the files are and the
 * one line each bundler needs (docs/browser.md, "Bundlers").
 */
function wasmHelp(url: URL): string {
  const name = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  const viteDeps = /\/\.vite[^/]*\/deps\//.test(url.pathname) ? " This URL is in Vite's pre-bundled dependencies, and node_modules/simdnet/dist/browser/ was not served either:" : " With the Vite dev server,";
  return `simdnet loads ${name} from next to its bundle (a URL relative to import.meta.url).${viteDeps} add \`optimizeDeps: { exclude: ["simdnet"] }\` to vite.config. With esbuild or a copied bundle, copy node_modules/simdnet/dist/browser/simdnet-*.wasm next to your bundle. Or pass init({ wasm: { ${url.pathname.includes("scalar") ? "scalar" : "simd"}: "/path/to/${name}" } }), or import from "simdnet/inline" (the modules inlined, nothing to serve).`;
}

/**
 * In Node, the package's own module file: wasm/ in a clone (beside ts/ and dist/), or
 * dist/browser/ in the published package, which ships each module once, there.
 */
async function readPackagedWasm(flavor: WasmFlavor): Promise<Uint8Array<ArrayBuffer>> {
  const { readFile } = await import("node:fs/promises");
  const { fileURLToPath } = await import("node:url");
  // Not `new URL("literal", import.meta.url)`: bundlers would try to emit these files.
  const here = import.meta.url;
  const name = `simdnet-${flavor}.wasm`;
  const places = [new URL(`../../wasm/${name}`, here), new URL(`../browser/${name}`, here)].map((u) => fileURLToPath(u));
  for (const path of places) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new Error(`simdnet: cannot read the wasm module at ${path} (${(e as Error).message})`);
      }
    }
  }
  throw new Error(`simdnet: cannot read the wasm module: none of ${places.join(", ")} exists; in a clone, build it with \`npm run build:wasm\``);
}

function isNode(): boolean {
  return typeof process !== "undefined" && typeof process.versions?.node === "string";
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer) return WebAssembly.compile(source);
  if (ArrayBuffer.isView(source)) {
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return WebAssembly.compile(bytes.slice());
  }
  if (typeof Response !== "undefined" && source instanceof Response) {
    if (!source.ok) throw new Error(`simdnet: fetching the wasm module failed: HTTP ${source.status}`);
    return WebAssembly.compile(await source.arrayBuffer());
  }
  const url = source instanceof URL ? source : new URL(String(source), isNode() ? `file://${process.cwd()}/` : globalThis.location?.href);
  if (url.protocol === "file:" && isNode()) {
    const { readFile } = await import("node:fs/promises");
    const { fileURLToPath } = await import("node:url");
    const path = fileURLToPath(url);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      throw new Error(`simdnet: cannot read the wasm module at ${path} (${(e as Error).message}); build it with \`npm run build:wasm\``);
    }
    return WebAssembly.compile(bytes);
  }
  return compileFetched(url, "");
}

/** Fetches and compiles `url`; a 404 or a page that is not wasm gets `help`. */
async function compileFetched(url: URL, help: string): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`simdnet: fetching ${url.href} failed: HTTP ${response.status}.${help ? ` ${help}` : ""}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // Dev servers answer a missing file with their index.html (200): say so, not "bad magic".
  if (bytes.length < 4 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    const type = response.headers.get("content-type") ?? "no content-type";
    throw new Error(`simdnet: ${url.href} is not a WebAssembly module (${bytes.length} bytes, ${type}).${help ? ` ${help}` : ""}`);
  }
  return WebAssembly.compile(bytes);
}

/** The module of `flavor` from where this package keeps it. */
async function compileDefault(flavor: WasmFlavor): Promise<WebAssembly.Module> {
  const url = defaultWasmUrl(flavor);
  if (isNode() && url.protocol === "file:") return WebAssembly.compile(await readPackagedWasm(flavor));
  try {
    return await compileFetched(url, wasmHelp(url));
  } catch (e) {
    const fallback = vitePrebundleFallback(url);
    if (!fallback) throw e;
    return compileFetched(fallback, "").catch(() => Promise.reject(e));
  }
}

/**
 * Vite's dev server pre-bundles dependencies into node_modules/.vite/deps/, where no wasm
 * file follows (the URL above then gets Vite's index.html). In the usual layout the
 * package's own file is served from node_modules/simdnet/dist/browser/, so try there
 * before asking the user for `optimizeDeps.exclude`. Built from a variable, not
 * `new URL("literal", import.meta.url)`, so that bundlers do not look for this path.
 */
function vitePrebundleFallback(url: URL): URL | null {
  const match = /^(.*\/node_modules\/)\.vite[^/]*\/deps\/[^/]+$/.exec(url.pathname);
  if (!match) return null;
  const name = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  return new URL(`${match[1]}simdnet/dist/browser/${name}`, url.origin);
}

/**
 * Compiles and instantiates one build as a new, independent {@link WasmCore} (its own
 * memory). Models normally share the default core made by {@link init}; tests and
 * workers make their own.
 */
export async function createCore(flavor: WasmFlavor, source?: WasmSource): Promise<WasmCore> {
  if (flavor === "simd" && !simdSupported()) {
    throw new Error("simdnet: this engine does not support WebAssembly SIMD; use the scalar build");
  }
  const module = source === undefined ? await compileDefault(flavor) : await compile(source);
  const instance = await WebAssembly.instantiate(module, {});
  const core = new WasmCore(instance, flavor === "simd");
  modules.set(core, module);
  return core;
}

// Each core's compiled module, so that workers can instantiate it without a new fetch
// and compile (modules are structured-cloneable; the bytes may not exist as a file).
const modules = new WeakMap<WasmCore, WebAssembly.Module>();

/**
 * @internal The compiled module behind `core` (by default the one {@link init} loaded),
 * for instantiating the same kernels elsewhere, e.g. in a worker.
 */
export function getModule(core: WasmCore = getCore()): WebAssembly.Module {
  const module = modules.get(core);
  if (!module) throw new Error("getModule: this core was not made by createCore() or init()");
  return module;
}

let defaultCore: WasmCore | null = null;
let pending: Promise<InitInfo> | null = null;
let requestedFlavor: WasmFlavor = "simd";

/**
 * Loads the kernels. Call once before building models. Later calls return the first
 * result; asking them for another flavor or another wasm source is an error, since the
 * loaded kernels cannot be swapped under existing models.
 */
export function init(options: InitOptions = {}): Promise<InitInfo> {
  const flavorOption = options.flavor ?? "auto";
  if (pending) {
    // Idempotent for the same request; a different one cannot be honoured once loaded.
    if (flavorOption !== "auto" && flavorOption !== requestedFlavor) {
      return Promise.reject(new Error(`init: the ${requestedFlavor} kernels are already loaded; cannot switch to ${flavorOption} (call init() once, before building models)`));
    }
    if (options.wasm !== undefined) {
      return Promise.reject(new Error("init: the kernels are already loaded; a wasm source applies only to the first init() call"));
    }
    return pending;
  }
  if (!["auto", "simd", "scalar"].includes(flavorOption)) {
    return Promise.reject(new Error(`init: flavor must be "auto", "simd" or "scalar", received ${JSON.stringify(flavorOption)}`));
  }
  const supported = simdSupported();
  const flavor: WasmFlavor = flavorOption === "auto" ? (supported ? "simd" : "scalar") : flavorOption;
  requestedFlavor = flavor;
  pending = createCore(flavor, options.wasm?.[flavor]).then(
    (core) => {
      defaultCore = core;
      return { flavor, simdSupported: supported };
    },
    (e: unknown) => {
      pending = null; // let a corrected call try again
      throw e;
    },
  );
  return pending;
}

/** The core loaded by {@link init}; throws when `init()` has not finished. */
export function getCore(): WasmCore {
  if (!defaultCore) throw new Error("simdnet: call `await init()` before using models or kernels");
  return defaultCore;
}
