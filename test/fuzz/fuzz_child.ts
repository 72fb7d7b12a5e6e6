/**
 * The fuzzing itself, run in a child process by fuzz.test.ts (so that a hang, a crash or
 * a memory blow-up is seen from outside rather than taking the test runner down).
 *
 * Mutates a saved model (model.json + weights.bin), an IDX file (plain and gzipped), a
 * Digit Recognizer CSV (plain and gzipped) and a PNG, loads each mutant with the loader
 * a user would call, and prints one JSON line per case: before it `{"start": i}` (so a
 * case that never ends is known), after it the outcome, the error's class and message,
 * and the process's peak resident memory. Deterministic: everything derives from
 * SIMDNET_FUZZ_SEED; SIMDNET_FUZZ_CASES sets how many cases to run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { encodeIdx } from "../../ts/data/idx.js";
import { loadDigitCsv, loadIdxImages, loadIdxLabels } from "../../ts/data/files.js";
import { decodePng, encodePng } from "../../ts/data/png.js";
import { loadModel, saveModel } from "../../ts/io/handlers.js";
import { buildSequential } from "../../ts/io/sequential_io.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";

const seed = Number(process.env.SIMDNET_FUZZ_SEED ?? 1);
const cases = Number(process.env.SIMDNET_FUZZ_CASES ?? 200);
const root = mkdtempSync(join(tmpdir(), "simdnet-fuzz-"));

/** xorshift32: a small seeded generator, so any failing case can be replayed. */
let state = (seed >>> 0) || 1;
function next(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 2 ** 32;
}
const int = (n: number): number => Math.floor(next() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

/** Byte-level damage: flips, overwrites, cuts, insertions, repeated slices. */
function mutateBytes(input: Uint8Array): Uint8Array {
  let bytes: Uint8Array = input.slice();
  const edits = 1 + int(4);
  for (let e = 0; e < edits; e++) {
    const at = int(Math.max(1, bytes.length));
    switch (int(7)) {
      case 0: bytes[at] = bytes[at]! ^ (1 << int(8)); break;
      case 1: bytes[at] = pick([0x00, 0xff, 0x7f, 0x80, 0x01]); break;
      case 2: bytes = bytes.slice(0, at); break;
      case 3: {
        const extra = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
        bytes = concat(bytes.subarray(0, at), extra, bytes.subarray(at));
        break;
      }
      case 4: {
        const len = 1 + int(64);
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at, at + len), bytes.subarray(at));
        break;
      }
      case 5: for (let k = 0; k < 4 && at + k < bytes.length; k++) bytes[at + k] = 0xff; break;
      default: bytes = bytes.subarray(int(Math.min(16, bytes.length)));
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const NASTY: readonly unknown[] = [
  -1, 0, 1e300, -1e300, 2 ** 53, 0.5, "", "x", "../../etc/passwd", "/dev/zero", "constructor", "__proto__",
  null, true, [], {}, [-1280], [1e9, 1e9], { class_name: "Dense" }, "DEEP", "WIDE",
];

/** JSON-aware damage: one value anywhere in the document replaced by a nasty one. */
function mutateJson(text: string): string {
  const doc = JSON.parse(text) as unknown;
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((item, i) => (nodes.push({ parent: v, key: i }), walk(item)));
    else if (typeof v === "object" && v !== null) for (const [k, item] of Object.entries(v)) nodes.push({ parent: v as Record<string, unknown>, key: k }), walk(item);
  };
  walk(doc);
  const edits = 1 + int(3);
  for (let e = 0; e < edits && nodes.length > 0; e++) {
    const { parent, key } = pick(nodes);
    const value = pick(NASTY);
    if (int(5) === 0 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
    else (parent as Record<string, unknown>)[key as string] = value;
  }
  // Nesting and width written as text: JSON.stringify would itself recurse on deep values.
  return JSON.stringify(doc)
    .replaceAll('"DEEP"', `${"[".repeat(20_000)}1${"]".repeat(20_000)}`)
    .replaceAll('"WIDE"', `[${new Array(100_000).fill(7).join(",")}]`);
}

interface Sample {
  kind: string;
  run(): unknown | Promise<unknown>;
  /** What a clear error from this loader starts with (the call, and the file where there is one). */
  prefix: RegExp;
}

async function main(): Promise<void> {
  await init();
  // A small saved model with its optimizer state, so that every part of the format is there.
  const m = new Sequential({ seed: 3, layers: [
    layers.conv2d({ filters: 2, kernelSize: 3, activation: "relu", inputShape: [6, 6, 1] }),
    layers.maxPooling2d(), layers.flatten(), layers.dropout({ rate: 0.2 }), layers.dense({ units: 3, activation: "softmax" }),
  ] });
  m.compile({ optimizer: optimizers.adam(), loss: "sparseCategoricalCrossentropy" });
  const saved = await saveModel(m, undefined, { includeOptimizer: true });
  m.dispose();
  const modelJson = JSON.stringify(saved.modelJson);
  const weights = new Uint8Array(saved.weights);
  const unfingerprinted = JSON.stringify({ ...saved.modelJson, userDefinedMetadata: { simdnet: { epoch: 0 } } });

  const images = encodeIdx([5, 4, 4], Uint8Array.from({ length: 80 }, (_, i) => (i * 37) % 256));
  const labels = encodeIdx([5], Uint8Array.from([1, 2, 3, 4, 5]));
  const header = ["label", ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(",");
  const csv = new TextEncoder().encode(`${header}\n${[3, ...new Array(784).fill(0).map((_, i) => i % 256)].join(",")}\n${[7, ...new Array(784).fill(9)].join(",")}\n`);
  const png = encodePng(Uint8Array.from({ length: 64 }, (_, i) => i * 4), 8, 8);

  const file = (name: string, bytes: Uint8Array | string): string => {
    const dir = join(root, `c${Math.floor(next() * 1e9)}`);
    mkdirSync(dir);
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const samples: (() => Sample)[] = [
    () => {
      const json = int(2) === 0 ? mutateJson(int(2) === 0 ? modelJson : unfingerprinted) : new TextDecoder().decode(mutateBytes(new TextEncoder().encode(modelJson)));
      const dir = join(root, `m${Math.floor(next() * 1e9)}`);
      mkdirSync(dir);
      writeFileSync(join(dir, "model.json"), json);
      writeFileSync(join(dir, "weights.bin"), int(3) === 0 ? mutateBytes(weights) : weights);
      return { kind: "model files", prefix: /^loadModel: /, run: async () => (await loadModel(`file://${dir}`, buildSequential)).dispose() };
    },
    () => {
      const json = int(2) === 0 ? unfingerprinted : modelJson;
      const bin = mutateBytes(weights);
      return { kind: "model in memory", prefix: /^(loadModel: |load: |source\.|weights|format|modelTopology|layer |optimizer|trainingConfig|userDefinedMetadata)/, run: async () => (await loadModel({ modelJson: json, weights: bin }, buildSequential)).dispose() };
    },
    () => {
      const gz = int(2) === 0;
      const path = file("images.idx", mutateBytes(gz ? gzipSync(images) : images));
      return { kind: gz ? "gzipped IDX images" : "IDX images", prefix: new RegExp(`^loadIdxImages: ${path}`), run: () => loadIdxImages(path) };
    },
    () => {
      const gz = int(2) === 0;
      const path = file("labels.idx", mutateBytes(gz ? gzipSync(labels) : labels));
      return { kind: gz ? "gzipped IDX labels" : "IDX labels", prefix: new RegExp(`^loadIdxLabels: ${path}`), run: () => loadIdxLabels(path) };
    },
    () => {
      const gz = int(4) === 0;
      const path = file("digits.csv", mutateBytes(gz ? gzipSync(csv) : csv));
      return { kind: gz ? "gzipped CSV" : "CSV", prefix: new RegExp(`^loadDigitCsv: ${path}`), run: () => loadDigitCsv(path) };
    },
    () => {
      const bytes = mutateBytes(png);
      return { kind: "PNG", prefix: /^decodePng: /, run: () => decodePng(bytes) };
    },
  ];

  for (let i = 0; i < cases; i++) {
    const sample = pick(samples)();
    console.log(JSON.stringify({ start: i, kind: sample.kind }));
    let outcome: Record<string, unknown>;
    try {
      await sample.run();
      outcome = { outcome: "ok" };
    } catch (e) {
      const error = e as Error;
      outcome = { outcome: "error", errorClass: error?.constructor?.name ?? typeof e, message: String(error?.message ?? e).slice(0, 400), clear: error instanceof Error && error.constructor === Error && sample.prefix.test(error.message) };
    }
    console.log(JSON.stringify({ done: i, kind: sample.kind, ...outcome, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
  }
  rmSync(root, { recursive: true, force: true });
}

main().catch((e) => {
  console.log(JSON.stringify({ fatal: String((e as Error)?.stack ?? e) }));
  process.exitCode = 1;
});
