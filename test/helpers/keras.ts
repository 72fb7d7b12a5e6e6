/**
 * Finds a Python with real Keras (the venv scripts/keras-venv.sh makes) and runs Python
 * snippets in it with JSON in and out. Tests that need live Keras use:
 *
 *   import { keras, kerasSkipReason, runKeras } from "../helpers/keras.js";
 *   describe.skipIf(!keras)(`... ${kerasSkipReason}`, () => { ... runKeras(code, input) ... });
 *
 * Most tests should compare against the committed golden files under test/golden/ instead
 * (they need no Python); live Keras is for checks that cannot be precomputed.
 *
 * Where the python is looked for, in order:
 *   1. $SIMDNET_KERAS_PYTHON (.ci/run exports what scripts/keras-venv.sh printed);
 *   2. the venv scripts/keras-venv.sh makes: ${SIMDNET_KERAS_VENV:-$HOME/.cache/simdnet/keras-venv};
 *   3. /opt/keras-venv/bin/python (a development machine's preinstalled venv).
 * A candidate counts only if it runs and has keras 3.15.1 and tensorflow 2.21.0 (the
 * versions the golden files were made with).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The Keras and TensorFlow versions the golden files were generated with. */
export const KERAS_VERSION = "3.15.1";
export const TENSORFLOW_VERSION = "2.21.0";

/** Environment for every Python run: quiet TF, no GPU probing, reproducible numerics. */
const PYTHON_ENV: Record<string, string> = {
  TF_CPP_MIN_LOG_LEVEL: "2",
  // oneDNN reorders float sums; off, TF's results match the scripts that made the goldens.
  TF_ENABLE_ONEDNN_OPTS: "0",
  CUDA_VISIBLE_DEVICES: "",
  KERAS_BACKEND: "tensorflow",
  PYTHONHASHSEED: "0",
  PYTHONDONTWRITEBYTECODE: "1",
};

/** Checks a candidate python quickly (package metadata only; TensorFlow is not imported). */
function probe(python: string): string | undefined {
  if (!existsSync(python)) return `${python} does not exist`;
  const code =
    "import importlib.metadata as m, json; " +
    "print(json.dumps({p: m.version(p) for p in ('keras', 'tensorflow_cpu', 'h5py')}))";
  const r = spawnSync(python, ["-c", code], { encoding: "utf8", timeout: 30_000, env: { ...process.env, ...PYTHON_ENV } });
  if (r.error || r.status !== 0) return `${python} has no keras/tensorflow_cpu/h5py (${(r.error?.message ?? r.stderr).trim().split("\n").pop()})`;
  const v = JSON.parse(r.stdout) as Record<string, string>;
  if (v.keras !== KERAS_VERSION || v.tensorflow_cpu !== TENSORFLOW_VERSION) {
    return `${python} has keras ${v.keras} and tensorflow_cpu ${v.tensorflow_cpu}, expected ${KERAS_VERSION} and ${TENSORFLOW_VERSION}`;
  }
  return undefined;
}

function findKeras(): { python?: string; reason: string } {
  const fromEnv = process.env.SIMDNET_KERAS_PYTHON;
  if (fromEnv) {
    // An explicit choice that does not work is reported, not silently replaced.
    const bad = probe(fromEnv);
    return bad ? { reason: `SIMDNET_KERAS_PYTHON: ${bad}` } : { python: fromEnv, reason: "" };
  }
  const venv = process.env.SIMDNET_KERAS_VENV ?? join(homedir(), ".cache", "simdnet", "keras-venv");
  const tried: string[] = [];
  for (const python of [join(venv, "bin", "python"), "/opt/keras-venv/bin/python"]) {
    const bad = probe(python);
    if (!bad) return { python, reason: "" };
    tried.push(bad);
  }
  return { reason: `${tried.join("; ")}; run scripts/keras-venv.sh (needs the local package mirror) or set SIMDNET_KERAS_PYTHON` };
}

const found = findKeras();

/** Path of a python with real Keras, or undefined when none is available here. */
export const keras: string | undefined = found.python;

/**
 * Empty when Keras is available; otherwise "(skipped: real Keras unavailable: <why>)",
 * meant to be appended to the name of a describe.skipIf(!keras) block so the skip says why.
 */
export const kerasSkipReason: string = keras ? "" : `(skipped: real Keras unavailable: ${found.reason})`;

if (!keras && !process.env.SIMDNET_QUIET_KERAS_SKIP) {
  // Printed once per test file that imports this helper: skipped tests should never be silent.
  console.warn(`[keras] tests against live Keras skip: ${found.reason}`);
}

/** Options of {@link runKeras}. */
export interface RunKerasOptions {
  /** Milliseconds before the Python process is killed (default 120 s: importing TF alone takes seconds). */
  timeoutMs?: number;
}

const OUT_MARKER = "@@simdnet-json@@";

/**
 * Runs a Python snippet with real Keras and returns its result. The snippet sees `inp` (the
 * JSON-decoded `input`), `np`, `keras` and `tf`, and must assign `out` a JSON-serializable
 * value (numpy arrays and scalars are converted). Printing is allowed: the result travels
 * after a marker line. Throws with Python's stderr on a failure or timeout.
 */
export function runKeras<T = unknown>(code: string, input: unknown = null, options: RunKerasOptions = {}): T {
  if (!keras) throw new Error(`runKeras: real Keras is not available ${kerasSkipReason}`);
  const wrapper = [
    "import json, sys",
    "import numpy as np",
    "import tensorflow as tf",
    "import keras",
    "inp = json.loads(sys.stdin.read())",
    "out = None",
    "def _plain(o):",
    "    if isinstance(o, np.ndarray): return o.tolist()",
    "    if isinstance(o, np.generic): return o.item()",
    "    if hasattr(o, 'numpy'): return o.numpy().tolist()",
    "    raise TypeError(f'not JSON-serializable: {type(o).__name__}')",
    "exec(compile(sys.argv[1], '<snippet>', 'exec'))",
    `sys.stdout.write('\\n${OUT_MARKER}\\n' + json.dumps(out, default=_plain))`,
  ].join("\n");
  const timeout = options.timeoutMs ?? 120_000;
  const r = spawnSync(keras, ["-c", wrapper, code], {
    input: JSON.stringify(input),
    encoding: "utf8",
    timeout,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ...PYTHON_ENV },
  });
  if (r.error) {
    const why = (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT" ? `timed out after ${timeout} ms` : r.error.message;
    throw new Error(`runKeras: ${why}\n${r.stderr ?? ""}`);
  }
  if (r.status !== 0) throw new Error(`runKeras: python exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  const at = r.stdout.lastIndexOf(`\n${OUT_MARKER}\n`);
  if (at < 0) throw new Error(`runKeras: no result in the output:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.slice(at + OUT_MARKER.length + 2)) as T;
}

/**
 * Runs a Python script file with real Keras (e.g. one of scripts/keras/*.py) and returns
 * its stdout. `env` adds environment variables. Throws with stderr on a failure or timeout.
 */
export function runKerasScript(script: string, env: Record<string, string> = {}, options: RunKerasOptions = {}): string {
  if (!keras) throw new Error(`runKerasScript: real Keras is not available ${kerasSkipReason}`);
  const timeout = options.timeoutMs ?? 300_000;
  const r = spawnSync(keras, [script], { encoding: "utf8", timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...PYTHON_ENV, ...env } });
  if (r.error) {
    const why = (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT" ? `timed out after ${timeout} ms` : r.error.message;
    throw new Error(`runKerasScript ${script}: ${why}\n${r.stderr ?? ""}`);
  }
  if (r.status !== 0) throw new Error(`runKerasScript ${script}: python exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  return r.stdout;
}
