/**
 * Typed access to the layer golden files real Keras wrote (test/golden/layers/*.json, made
 * by scripts/keras/make_layer_goldens.py, whose header documents the schema). Loading
 * checks the structure, so a test comparing a layer against a case can trust the shapes.
 *
 *   const { cases } = loadLayerGoldens("batch_normalization");
 *   for (const c of cases) { ... c.inputs[0].data, c.output.data, c.gradInputs[0] ... }
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Directory of the golden files (test/golden). */
export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "golden");

/** The layer golden files, by stem (test/golden/layers/<stem>.json). */
export const LAYER_GOLDEN_STEMS = [
  "batch_normalization",
  "depthwise_conv2d",
  "separable_conv2d",
  "conv2d_dilation",
  "global_average_pooling2d",
  "global_max_pooling2d",
  "zero_padding2d",
  "add",
  "concatenate",
  "relu",
  "leaky_relu",
  "softmax",
  "reshape",
  "rescaling",
  "activations",
] as const;

/** A stem of {@link LAYER_GOLDEN_STEMS}. */
export type LayerGoldenStem = (typeof LAYER_GOLDEN_STEMS)[number];

/** A tensor of a golden file: row-major float32 data and its shape (batch axis included). */
export interface GoldenTensor {
  shape: number[];
  data: Float32Array;
}

/** A weight: a tensor with Keras's variable name and trainability. */
export interface GoldenWeight extends GoldenTensor {
  name: string;
  trainable: boolean;
}

/** One call of one layer configuration (see make_layer_goldens.py for each field). */
export interface LayerGoldenCase {
  name: string;
  /** Keras class name; null for an activation called as a function (see `function`). */
  className: string | null;
  /** The layer's Keras get_config() (snake_case keys), or null with `function`. */
  config: Record<string, unknown> | null;
  function: { name: string; kwargs: Record<string, unknown> } | null;
  training: boolean | null;
  trainable: boolean;
  inputs: GoldenTensor[];
  weights: GoldenWeight[];
  output: GoldenTensor;
  /** w_out: the gradients are of sum(output * w_out). */
  outputWeights: GoldenTensor;
  gradInputs: GoldenTensor[];
  /** Per weight, null where the output does not depend on it (BN's moving stats in training). */
  gradWeights: (GoldenTensor | null)[];
  weightsAfter: GoldenWeight[];
}

/** A layer golden file. */
export interface LayerGoldenFile {
  kerasVersion: string;
  tensorflowVersion: string;
  layer: string;
  cases: LayerGoldenCase[];
}

type Json = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new Error(`golden file ${where}: ${what}`);
}

function obj(v: unknown, where: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(where, `expected an object, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v as Json;
}

function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) fail(where, `expected an array, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v;
}

/** Reads and checks a {shape, data} tensor: integer dims, data length = product, finite values. */
export function readGoldenTensor(v: unknown, where: string): GoldenTensor {
  const o = obj(v, where);
  const shape = arr(o.shape, `${where}.shape`).map((d, i) => {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) fail(`${where}.shape[${i}]`, `expected a dimension, got ${String(d)}`);
    return d;
  });
  const raw = arr(o.data, `${where}.data`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (raw.length !== size) fail(where, `data has ${raw.length} values, shape [${shape.join(", ")}] needs ${size}`);
  const data = new Float32Array(size);
  raw.forEach((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x)) fail(`${where}.data[${i}]`, `expected a finite number, got ${String(x)}`);
    data[i] = x;
  });
  return { shape, data };
}

function readWeight(v: unknown, where: string): GoldenWeight {
  const o = obj(v, where);
  if (typeof o.name !== "string" || typeof o.trainable !== "boolean") fail(where, "a weight needs a string name and a boolean trainable");
  return { name: o.name, trainable: o.trainable, ...readGoldenTensor(o, where) };
}

function readCase(v: unknown, where: string): LayerGoldenCase {
  const o = obj(v, where);
  if (typeof o.name !== "string") fail(where, "missing name");
  const w = `${where} (${o.name})`;
  const className = o.class_name === null ? null : String(o.class_name);
  const fn = o.function === null ? null : (obj(o.function, `${w}.function`) as LayerGoldenCase["function"]);
  if ((className === null) === (fn === null)) fail(w, "exactly one of class_name and function must be set");
  return {
    name: o.name,
    className,
    config: o.config === null ? null : obj(o.config, `${w}.config`),
    function: fn,
    training: o.training === null ? null : Boolean(o.training),
    trainable: Boolean(o.trainable),
    inputs: arr(o.inputs, `${w}.inputs`).map((t, i) => readGoldenTensor(t, `${w}.inputs[${i}]`)),
    weights: arr(o.weights, `${w}.weights`).map((t, i) => readWeight(t, `${w}.weights[${i}]`)),
    output: readGoldenTensor(o.output, `${w}.output`),
    outputWeights: readGoldenTensor(o.output_weights, `${w}.output_weights`),
    gradInputs: arr(o.grad_inputs, `${w}.grad_inputs`).map((t, i) => readGoldenTensor(t, `${w}.grad_inputs[${i}]`)),
    gradWeights: arr(o.grad_weights, `${w}.grad_weights`).map((t, i) => (t === null ? null : readGoldenTensor(t, `${w}.grad_weights[${i}]`))),
    weightsAfter: arr(o.weights_after, `${w}.weights_after`).map((t, i) => readWeight(t, `${w}.weights_after[${i}]`)),
  };
}

/** Reads any JSON file under test/golden/ (path relative to it). */
export function readGoldenJson(relative: string): unknown {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, relative), "utf8"));
}

/** Loads test/golden/layers/<stem>.json with every tensor checked. */
export function loadLayerGoldens(stem: LayerGoldenStem): LayerGoldenFile {
  const where = `layers/${stem}.json`;
  const o = obj(readGoldenJson(where), where);
  return {
    kerasVersion: String(o.keras_version),
    tensorflowVersion: String(o.tensorflow_version),
    layer: String(o.layer),
    cases: arr(o.cases, `${where}.cases`).map((c, i) => readCase(c, `${where}.cases[${i}]`)),
  };
}

/** The optimizer-step golden (test/golden/layers/optimizer_step.json), tensors checked. */
export interface OptimizerStepGolden {
  /** The functional model's Keras get_config(). */
  model: Json;
  layers: { name: string; className: string; config: Json; inbound: string[] }[];
  weights: GoldenWeight[];
  x: GoldenTensor;
  /** Class indices (sparse labels), one per sample. */
  y: GoldenTensor;
  steps: {
    optimizer: Json;
    loss: number;
    weightsAfter: GoldenWeight[];
    movingStatsAfter: Record<string, { movingMean: GoldenTensor; movingVariance: GoldenTensor }>;
  }[];
}

/** Loads test/golden/layers/optimizer_step.json. */
export function loadOptimizerStepGolden(): OptimizerStepGolden {
  const where = "layers/optimizer_step.json";
  const o = obj(readGoldenJson(where), where);
  return {
    model: obj(o.model, `${where}.model`),
    layers: arr(o.layers, `${where}.layers`).map((l, i) => {
      const lo = obj(l, `${where}.layers[${i}]`);
      return { name: String(lo.name), className: String(lo.class_name), config: obj(lo.config, `${where}.layers[${i}].config`), inbound: arr(lo.inbound, `${where}.layers[${i}].inbound`).map(String) };
    }),
    weights: arr(o.weights, `${where}.weights`).map((t, i) => readWeight(t, `${where}.weights[${i}]`)),
    x: readGoldenTensor(o.x, `${where}.x`),
    y: readGoldenTensor(o.y, `${where}.y`),
    steps: arr(o.steps, `${where}.steps`).map((s, i) => {
      const so = obj(s, `${where}.steps[${i}]`);
      if (typeof so.loss !== "number") fail(`${where}.steps[${i}].loss`, "expected a number");
      const stats = obj(so.moving_stats_after, `${where}.steps[${i}].moving_stats_after`);
      return {
        optimizer: obj(so.optimizer, `${where}.steps[${i}].optimizer`),
        loss: so.loss,
        weightsAfter: arr(so.weights_after, `${where}.steps[${i}].weights_after`).map((t, j) => readWeight(t, `${where}.steps[${i}].weights_after[${j}]`)),
        movingStatsAfter: Object.fromEntries(
          Object.entries(stats).map(([layer, st]) => {
            const sto = obj(st, `${where}.steps[${i}].moving_stats_after.${layer}`);
            return [layer, { movingMean: readGoldenTensor(sto.moving_mean, `${layer}.moving_mean`), movingVariance: readGoldenTensor(sto.moving_variance, `${layer}.moving_variance`) }];
          }),
        ),
      };
    }),
  };
}
