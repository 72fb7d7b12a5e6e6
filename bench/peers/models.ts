/**
 * The "next scale" benchmark networks (issue 14): ResNet-20 (32x32x3) and MobileNetV2
 * alpha 0.35 (96x96x3), 10 classes, with one set of weights made by real Keras
 * (scripts/keras/make_bench_models.py) into bench/.cache/models/, so that every engine
 * runs the same network with the same weights and its outputs can be checked against
 * Keras's on a few inputs.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The networks, by the directory name the Python script gives them. */
export const NETWORKS = ["resnet20", "mobilenetv2_0.35_96"] as const;
export type NetworkName = (typeof NETWORKS)[number];

/** A layer as scripts/keras/make_application_specs.py describes it. */
export interface SpecLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  output_shape: (number | null)[];
  inbound: string[];
  weights: { name: string; shape: number[]; trainable: boolean }[];
}

/** A network's layers, weights and the check data Keras produced for it. */
export interface BenchModel {
  name: NetworkName;
  dir: string;
  layers: SpecLayer[];
  params: number;
  /** Weights by Keras path ("conv2d/kernel"), in Keras's own layouts (HWIO kernels). */
  weights: Map<string, Float32Array>;
  /** Input shape without the batch axis, [H, W, C]. */
  inputShape: [number, number, number];
  classes: number;
  check: { n: number; x: Float32Array; probs: Float32Array; features: Float32Array; featureSize: number };
  onnxPath: string;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CACHE = `${ROOT}bench/.cache/models/`;
const SCRIPT = `${ROOT}scripts/keras/make_bench_models.py`;
const FILES = ["spec.json", "weights.bin", "check_x.bin", "check_y.bin", "check_f.bin", "model.onnx"];

/** The Python with Keras, onnx and onnxruntime: $SIMDNET_KERAS_PYTHON, else /opt/keras-venv. */
function kerasPython(): string {
  const candidates = [process.env.SIMDNET_KERAS_PYTHON, "/opt/keras-venv/bin/python"].filter((p): p is string => !!p);
  for (const python of candidates) {
    try {
      execFileSync(python, ["-c", "import keras, onnx, onnxruntime"], { stdio: "ignore" });
      return python;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `bench models: ${CACHE} is missing and no Python with keras, onnx and onnxruntime was found ` +
      `(tried ${candidates.join(", ") || "nothing"}). Make the Keras venv (bash scripts/keras-venv.sh), add ` +
      "`pip install --index-url file:///opt/pypi/simple --find-links /opt/wheels onnx onnxruntime`, " +
      "then set SIMDNET_KERAS_PYTHON to its python or run scripts/keras/make_bench_models.py with it.",
  );
}

/** Writes the model files with real Keras unless they are all there already. */
export function ensureBenchModels(): void {
  const missing = NETWORKS.some((n) => FILES.some((f) => !existsSync(`${CACHE}${n}/${f}`)));
  if (!missing) return;
  const python = kerasPython();
  console.log(`bench models: writing ${CACHE} with ${python} (real Keras, once) ...`);
  execFileSync(python, [SCRIPT, "--out", CACHE], { stdio: "inherit" });
}

async function floats(path: string, expected: number): Promise<Float32Array> {
  const bytes = await readFile(path);
  if (bytes.byteLength !== expected * 4) {
    throw new Error(`bench models: ${path} has ${bytes.byteLength} bytes, expected ${expected * 4} (${expected} float32); rerun scripts/keras/make_bench_models.py`);
  }
  // Copy into an aligned buffer: a Buffer may sit at any offset of a shared pool.
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Loads one network's files (call {@link ensureBenchModels} first). */
export async function loadBenchModel(name: NetworkName): Promise<BenchModel> {
  const dir = `${CACHE}${name}/`;
  const spec = JSON.parse(await readFile(`${dir}spec.json`, "utf8")) as {
    layers: SpecLayer[];
    weights: { path: string; shape: number[] }[];
    totals: { params: number };
    check: { n: number; input_shape: number[]; classes: number; features: number };
  };
  const sizes = spec.weights.map((w) => w.shape.reduce((a, b) => a * b, 1));
  const flat = await floats(`${dir}weights.bin`, sizes.reduce((a, b) => a + b, 0));
  const weights = new Map<string, Float32Array>();
  let offset = 0;
  spec.weights.forEach((w, i) => {
    weights.set(w.path, flat.subarray(offset, offset + sizes[i]!));
    offset += sizes[i]!;
  });
  const [h, w, c] = spec.check.input_shape as [number, number, number];
  const { n, classes, features } = spec.check;
  return {
    name,
    dir,
    layers: spec.layers,
    params: spec.totals.params,
    weights,
    inputShape: [h, w, c],
    classes,
    check: {
      n,
      x: await floats(`${dir}check_x.bin`, n * h * w * c),
      probs: await floats(`${dir}check_y.bin`, n * classes),
      features: await floats(`${dir}check_f.bin`, n * features),
      featureSize: features,
    },
    onnxPath: `${dir}model.onnx`,
  };
}

/** Largest absolute difference relative to the largest reference magnitude. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`relativeError: ${got.length} values against ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return Number.isFinite(diff) ? diff / Math.max(scale, 1e-12) : Infinity;
}

/** Deterministic uniform [0, 1) inputs for `n` images of `shape`. */
export function randomImages(n: number, shape: readonly number[], seed = 7): Float32Array {
  const x = new Float32Array(n * shape.reduce((a, b) => a * b, 1));
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 4294967296;
  }
  return x;
}

/** One-hot labels cycling through the classes. */
export function oneHot(n: number, classes: number): Float32Array {
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) y[i * classes + (i % classes)] = 1;
  return y;
}
