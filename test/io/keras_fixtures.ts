/**
 * The golden Keras files of test/golden/keras_files (written by real Keras 3.15.1 with
 * scripts/keras/make_keras_files.py) and a finder for a Python with real Keras, for the
 * tests that have Keras load what simdnet writes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "golden", "keras_files");
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** One model's entry of manifest.json. */
export interface GoldenModel {
  inputShape: number[];
  predictionShape: number[];
  layers: number;
  params: number;
  /** Keras's variable paths ("conv2d/kernel") and shapes, in `model.weights` order. */
  weights: { path: string; shape: number[] }[];
}

export const MODELS = ["lenet5", "resnet20", "mobilenetv2"] as const;
export type ModelName = (typeof MODELS)[number];

export const manifest = JSON.parse(readFileSync(join(GOLDEN_DIR, "manifest.json"), "utf8")) as { keras: string; models: Record<ModelName, GoldenModel> };

/** A golden file's bytes. */
export function golden(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(GOLDEN_DIR, file)));
}

/** A little-endian float32 golden file (inputs, predictions). */
export function goldenFloats(file: string): Float32Array {
  const b = readFileSync(join(GOLDEN_DIR, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/**
 * A Python with Keras 3.15.1: $SIMDNET_KERAS_PYTHON, else the venv scripts/keras-venv.sh
 * makes (${SIMDNET_KERAS_VENV:-~/.cache/simdnet/keras-venv}), else /opt/keras-venv/bin/python.
 * (The "goldens" work adds test/helpers/keras.ts with the same search plus the venv of
 * scripts/keras-venv.sh; once that is on main this can use it.)
 */
function findKerasPython(): { python: string | null; reason: string } {
  const venv = process.env.SIMDNET_KERAS_VENV ?? join(homedir(), ".cache", "simdnet", "keras-venv");
  const candidates = [process.env.SIMDNET_KERAS_PYTHON, join(venv, "bin", "python"), "/opt/keras-venv/bin/python"].filter((p): p is string => !!p);
  const reasons: string[] = [];
  for (const python of candidates) {
    if (!existsSync(python)) {
      reasons.push(`${python} does not exist`);
      continue;
    }
    const r = spawnSync(python, ["-c", "import importlib.metadata as m; print(m.version('keras'))"], { encoding: "utf8", timeout: 30_000 });
    const version = r.stdout?.trim();
    if (r.status === 0 && version === "3.15.1") return { python, reason: "" };
    reasons.push(`${python} has no keras 3.15.1 (${version || r.stderr?.trim().split("\n").pop() || "did not run"})`);
  }
  return { python: null, reason: `skipped: no Python with keras 3.15.1 (set SIMDNET_KERAS_PYTHON; ${reasons.join("; ") || "none given"})` };
}

export const kerasPython = findKerasPython();

/** One file for Keras to load and run. */
export interface KerasJob {
  model: string;
  inputs: string;
  shape: readonly number[];
}

/** What Keras made of one job. */
export interface KerasResult {
  predictions: number[];
  shape: number[];
  layers: string[];
  params: number;
}

/**
 * Keras's predictions for every job, from one Python process (importing TensorFlow takes
 * seconds). A job Keras could not load gives an Error naming its file and Keras's words.
 */
export function kerasPredict(jobs: readonly KerasJob[], scratch: string): (KerasResult | Error)[] {
  const python = kerasPython.python;
  if (!python) throw new Error(kerasPython.reason);
  const list = join(scratch, `jobs-${process.pid}-${Date.now()}.json`);
  writeFileSync(list, JSON.stringify(jobs));
  const r = spawnSync(python, [join(ROOT, "scripts", "keras", "predict_keras_file.py"), list], {
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3", CUDA_VISIBLE_DEVICES: "", KERAS_BACKEND: "tensorflow" },
  });
  if (r.status !== 0) throw new Error(`Keras failed:\n${(r.stderr ?? String(r.error)).split("\n").filter((l) => l.trim() !== "").slice(-8).join("\n")}`);
  const results = JSON.parse(r.stdout.trim().split("\n").pop()!) as (KerasResult | { error: string })[];
  return results.map((res, i) => ("error" in res ? new Error(`Keras could not load ${jobs[i]!.model}: ${res.error}`) : res));
}
