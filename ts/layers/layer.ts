/**
 * The one small interface every layer implements, and the pieces layers share: their
 * weights (windows into the model's single parameter buffer) and the buffers a plan
 * hands them for one pass.
 *
 * Each layer family is one class implementing {@link Layer}, holding a {@link LayerWeights}
 * for its parameters; the single-input ones extend base.ts's one shallow base for what
 * they all do alike.
 */
import type { Initializer } from "../initializers.js";
import { activationBackward, activationForward, type ActivationKind } from "../kernels/activation.js";
import { sizeOf } from "../shapes.js";
import { formatShape, type Tensor } from "../tensor.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import type { SymbolicTensor } from "../model/symbolic.js";
import type { KernelOptions } from "./args.js";

/** One weight of a layer: its Keras name ("kernel", "bias"), shape and initializer. */
export interface WeightSpec {
  /** Keras name within the layer: "kernel" or "bias". */
  readonly name: string;
  /** Its shape, e.g. [kh, kw, inChannels, filters] for a conv2d kernel. */
  readonly shape: readonly number[];
  /** Fills the weight when the model first places it in wasm memory. */
  readonly initializer: Initializer;
  /**
   * False for a weight no optimizer updates (BatchNormalization's moving mean and
   * variance, which its forward pass updates itself); default true.
   */
  readonly trainable?: boolean;
}

/**
 * Per-batch buffers a layer needs beyond its output, as element counts. The plan keeps
 * a layer's own buffers from its forward pass to its backward pass of the same step
 * (e.g. a dropout mask, a pooling arg-max, batch statistics) and may reuse their memory
 * for other buffers outside that span: nothing in them survives from one step to the
 * next (state that must, like BatchNormalization's moving statistics, is a weight).
 */
export interface Workspace {
  /** Floats of its own (e.g. a dropout mask). */
  f32: number;
  /** u32 elements of its own (e.g. max-pooling arg-max). */
  u32: number;
  /** Floats of scratch, shared by all layers since they run one at a time. */
  scratch: number;
}

/**
 * The buffers a plan gives one layer: windows into the model's arena. A single-input
 * layer reads `x` and writes `dx`; a merge layer (one with `buildInputs`) reads `xs` and
 * writes `dxs`, one per input in order (`x` and `dx` are then its first input's).
 */
export interface LayerBuffers {
  /** Input activations, [batch, ...inputShape]. */
  readonly x: WasmBuffer;
  /** Every input's activations, in order (`[x]` for a single-input layer). */
  readonly xs: readonly WasmBuffer[];
  /**
   * Every input's gradient, in order (`[dx]` for a single-input layer); null where none
   * is needed (the model input). Backward overwrites them: a tensor feeding several
   * layers gets the sum of their gradients, which the runner adds up.
   */
  readonly dxs: readonly (WasmBuffer | null)[];
  /** Output activations, [batch, ...outputShape]. */
  readonly y: WasmBuffer;
  /** Gradient of the loss w.r.t. the input; null for the first layer (never needed). */
  readonly dx: WasmBuffer | null;
  /** Gradient of the loss w.r.t. the output; backward may overwrite it. */
  readonly dy: WasmBuffer;
  /** The layer's own buffers, sized by {@link Layer.workspace} (null when it asked for none). */
  readonly f32: WasmBuffer | null;
  /** The layer's own u32 buffer, sized by {@link Workspace.u32} (null when it asked for none). */
  readonly u32: WasmBuffer | null;
  /** Shared scratch, at least {@link Workspace.scratch} floats. */
  readonly scratch: WasmBuffer | null;
}

/** What one forward or backward pass is doing; the model reuses one object per pass. */
export interface Pass {
  /** Samples in this batch (at most the planned batch size). */
  count: number;
  /** Training (dropout active) or inference: the mode of the whole call (fit or predict). */
  training: boolean;
  /**
   * Training AND this layer is trainable (set per layer by the runner): what a layer
   * with batch statistics follows, since in Keras 3 a frozen BatchNormalization
   * normalizes with its moving statistics even while the model trains. Dropout follows
   * `training` (a frozen Dropout still drops, as in Keras).
   */
  learning: boolean;
  /** Seed for this layer's randomness in this fit call (set per layer by the model). */
  seed: number;
  /** Training steps taken so far by the model (dropout draws a fresh mask per step). */
  step: number;
}

/**
 * A layer of a model. Shapes are per sample (no batch axis).
 * `activate` is false only for a softmax output whose loss applies softmax itself
 * (the fused softmax-cross-entropy kernel): then the layer skips its activation in
 * forward and receives the gradient w.r.t. its pre-activation output in backward.
 */
export interface Layer {
  /** Unique in its model; given by the user or assigned on `add` (conv2d, conv2d_1, ...). */
  name: string;
  /** The Keras class name, e.g. "Conv2D". */
  readonly className: string;
  /** Options in camelCase with defaults filled in, as Keras's `get_config`. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The `inputShape` option, or null. */
  readonly declaredInputShape: readonly number[] | null;
  /** Per-sample input shape once built, else null. */
  readonly inputShape: readonly number[] | null;
  /** Per-sample output shape once built, else null. */
  readonly outputShape: readonly number[] | null;
  /** The activation applied to the output (for the fused softmax loss), "linear" if none. */
  readonly outputActivation: string;
  /** True when the output is the input reinterpreted (flatten): the plan shares the buffers. */
  readonly aliasesInput: boolean;
  /**
   * Whether fit updates this layer's weights (Keras's `layer.trainable`, default true).
   * A frozen BatchNormalization also normalizes with its moving statistics, as in Keras 3.
   */
  trainable: boolean;
  /** The weights, in Keras order; windows into the model's buffers once built. */
  readonly weights: LayerWeights;
  /** Checks the input shape, fixes the weight shapes and returns the output shape. */
  build(inputShape: readonly number[]): readonly number[];
  /**
   * Present only on layers that take several inputs (add, concatenate): checks their
   * shapes, fixes the weights and returns the output shape; such a layer's `build` refuses.
   * `inputShape` is then the first input's shape.
   */
  buildInputs?(inputShapes: readonly (readonly number[])[]): readonly number[];
  /**
   * Connects the layer in a functional graph (TensorFlow.js's `layer.apply`): builds it on
   * the symbolic input's shape (or the inputs' shapes, for a merge layer) and returns its
   * symbolic output. A layer may be applied once. Implement it as
   * `return applyLayer(this, inputs);` (ts/model/symbolic.ts).
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor;
  /**
   * What backward reads of the forward pass (absent: its inputs and its output). The
   * training plan keeps a value for backward only while some layer's backward reads it,
   * so saying less here frees memory (e.g. Add reads neither; a ReLU reads its output).
   */
  readonly backwardReads?: BackwardReads;
  /** Per-batch buffers this layer needs for `batch` samples. */
  workspace(core: WasmCore, batch: number): Workspace;
  /** Computes `bufs.y` from `bufs.x` for `pass.count` samples (activation included when `activate`). */
  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void;
  /** Writes the weight gradients (into the model's gradient buffer) and `dx` if asked. */
  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void;
  /** Copies of the weights, in Keras order (kernel, bias). */
  getWeights(): Tensor[];
  /** Replaces the weights (validated first: count, shapes, finite values). */
  setWeights(weights: readonly Tensor[]): void;
}

/** Which activations a layer's backward reads (see {@link Layer.backwardReads}). */
export interface BackwardReads {
  /** Its inputs (`x`, `xs`). */
  readonly inputs: boolean;
  /** Its output (`y`). */
  readonly output: boolean;
}

/** Backward reads its inputs only (e.g. a convolution). */
export const INPUT_ONLY: BackwardReads = /* @__PURE__ */ Object.freeze({ inputs: true, output: false });
/** Backward reads its output only (e.g. a ReLU with a zero slope). */
export const OUTPUT_ONLY: BackwardReads = /* @__PURE__ */ Object.freeze({ inputs: false, output: true });
/** Backward reads no activation (e.g. Add, zero padding). */
export const READS_NOTHING: BackwardReads = /* @__PURE__ */ Object.freeze({ inputs: false, output: false });

/** A workspace asking for nothing. */
export const NO_WORKSPACE: Readonly<Workspace> = /* @__PURE__ */ Object.freeze({ f32: 0, u32: 0, scratch: 0 });

/**
 * A layer's weights: their specs (set by `build`) and, once the model has placed them,
 * windows into the model's single parameter and gradient buffers.
 */
export class LayerWeights {
  /** One spec per weight, in Keras order; empty until the layer is built. */
  specs: WeightSpec[] = [];
  private params: WasmBuffer[] | null = null;
  private grads: WasmBuffer[] | null = null;
  private core: WasmCore | null = null;
  /** Set by the owning model: places the weights in wasm memory on first use. */
  materialize: (() => void) | null = null;

  /** `owner` returns the layer's current name, for error messages. */
  constructor(private readonly owner: () => string) {}

  /** Total number of parameters. */
  get count(): number {
    let n = 0;
    for (const s of this.specs) n += sizeOf(s.shape);
    return n;
  }

  /** Called by the model with windows in spec order (or null to detach). */
  bind(core: WasmCore | null, params: WasmBuffer[] | null, grads: WasmBuffer[] | null): void {
    this.core = core;
    this.params = params;
    this.grads = grads;
  }

  /** Window of weight `i`; throws when the model has not placed the weights. */
  param(i: number): WasmBuffer {
    if (!this.params) throw new Error(`${this.owner()}: weights are not in wasm memory yet`);
    return this.params[i]!;
  }

  /** Window of the gradient of weight `i`. */
  grad(i: number): WasmBuffer {
    if (!this.grads) throw new Error(`${this.owner()}: gradients are not in wasm memory yet`);
    return this.grads[i]!;
  }

  /** Copies of the weights as tensors. */
  get(): Tensor[] {
    if (this.specs.length === 0) return [];
    this.ensurePlaced();
    const core = this.core!;
    return this.specs.map((s, i) => ({ data: core.read(this.params![i]!), shape: [...s.shape] }));
  }

  /**
   * Throws unless `weights` fits these specs: the count, each shape, finite values.
   * `where` prefixes the message; `first` is the index of weights[0] in a longer list.
   */
  check(where: string, weights: readonly Tensor[], first = 0): void {
    for (let i = 0; i < this.specs.length; i++) {
      const spec = this.specs[i]!;
      const w = weights[first + i];
      const label = `weight ${first + i} (${this.owner()}/${spec.name})`;
      if (!w || !(w.data instanceof Float32Array) || !Array.isArray(w.shape)) {
        throw new Error(`${where}: ${label} must be a tensor { data: Float32Array, shape }, received ${w === undefined ? "nothing" : typeof w}`);
      }
      if (formatShape(w.shape) !== formatShape(spec.shape)) {
        throw new Error(`${where}: ${label} has shape ${formatShape(w.shape)}, expected ${formatShape(spec.shape)}`);
      }
      if (w.data.length !== sizeOf(spec.shape)) {
        throw new Error(`${where}: ${label} holds ${w.data.length} values, expected ${sizeOf(spec.shape)}`);
      }
      for (let j = 0; j < w.data.length; j++) {
        if (!Number.isFinite(w.data[j]!)) {
          throw new Error(`${where}: ${label} holds ${w.data[j]} at index ${j}; weights must be finite`);
        }
      }
    }
  }

  /** Writes already checked weights (starting at `weights[first]`). */
  write(weights: readonly Tensor[], first = 0): void {
    if (this.specs.length === 0) return;
    this.ensurePlaced();
    for (let i = 0; i < this.specs.length; i++) this.core!.write(this.params![i]!, weights[first + i]!.data);
  }

  /** The layer's own `setWeights`: all checked, then all written. */
  set(weights: readonly Tensor[]): void {
    const where = `${this.owner()}.setWeights`;
    if (!Array.isArray(weights)) throw new Error(`${where}: expected an array of tensors, received ${typeof weights}`);
    if (weights.length !== this.specs.length) {
      const expected = this.specs.map((s) => `${s.name} ${formatShape(s.shape)}`).join(", ");
      throw new Error(`${where}: expected ${this.specs.length} tensors (${expected || "none"}), received ${weights.length}`);
    }
    this.check(where, weights);
    this.write(weights);
  }

  private ensurePlaced(): void {
    if (!this.params && this.materialize) this.materialize();
    if (!this.params || !this.core) {
      throw new Error(`${this.owner()}: the layer has no weights yet; add it to a model whose first layer has an inputShape`);
    }
  }
}

/**
 * Copies `n` floats between two windows of the same arena (one view, no allocation
 * beyond it), or between any two buffers.
 */
export function copyFloats(core: WasmCore, from: WasmBuffer, to: WasmBuffer, n: number): void {
  if (from.ptr === to.ptr) return;
  const root = from.parent ?? from;
  if ((to.parent ?? to) === root) {
    const view = core.f32(root);
    const base = root.ptr >>> 2;
    const src = (from.ptr >>> 2) - base;
    view.copyWithin((to.ptr >>> 2) - base, src, src + n);
  } else {
    core.f32(to).set(core.f32(from).subarray(0, n));
  }
}

/**
 * Columns for an activation kernel over samples of `shape`: softmax normalizes over the
 * last axis, the others are element-wise so any split works. A batch of `count` samples
 * is `count * sizeOf(shape) / cols` rows (two numbers, not an object: this runs on every
 * step and a step should allocate nothing).
 */
export function activationCols(shape: readonly number[]): number {
  return shape.length > 0 ? shape[shape.length - 1]! : 1;
}

/**
 * The weight specs of a layer with {@link KernelOptions} (Conv2D, Dense), in Keras order:
 * its kernel, then a bias of `units` values when it uses one.
 */
export function kernelAndBiasSpecs(layer: KernelOptions, kernelShape: number[], units: number): WeightSpec[] {
  const specs: WeightSpec[] = [{ name: "kernel", shape: kernelShape, initializer: layer.kernelInitializer }];
  if (layer.useBias) specs.push({ name: "bias", shape: [units], initializer: layer.biasInitializer });
  return specs;
}

/**
 * A layer's own activation, in place over `[rows, cols]` (softmax per row of `cols`).
 * Nothing runs when it is linear or when `activate` is false (the fused loss applies it).
 */
export function activateOutput(core: WasmCore, activation: ActivationKind, activate: boolean, rows: number, cols: number, y: WasmBuffer): void {
  if (activate && activation !== "linear") activationForward(core, activation, rows, cols, y);
}

/**
 * The backward of {@link activateOutput}: turns `dy` (w.r.t. the activated output `y`) into
 * the gradient w.r.t. the pre-activation output, in place; nothing runs when forward ran nothing.
 */
export function activateGradient(
  core: WasmCore, activation: ActivationKind, activate: boolean, rows: number, cols: number, y: WasmBuffer, dy: WasmBuffer,
): void {
  if (activate && activation !== "linear") activationBackward(core, activation, rows, cols, y, dy);
}
