/**
 * Merge layers: `add` (element-wise sum, the residual connection) and `concatenate`
 * (along the channels axis, Keras's default axis -1). Each takes two or more tensors
 * through `apply([a, b, ...])`; neither has weights.
 *
 * Both are memory-bound (one read and one write per value): Add's forward is one SIMD pass
 * (a wasm kernel: a JavaScript loop over the views took several times longer), the rest
 * are copies. Add's backward hands `dy` to every input unchanged; the runner sums
 * gradients where a tensor feeds several layers.
 */
import { applyLayer, type SymbolicTensor } from "../model/symbolic.js";
import { sizeOf } from "../shapes.js";
import { formatShape, type Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { addInto } from "../kernels/unary.js";
import { copyFloats, LayerWeights, NO_WORKSPACE, READS_NOTHING, type Layer, type LayerBuffers, type Pass, type Workspace } from "./layer.js";

/** Options of {@link add}. */
export interface AddArgs {
  /** Layer name; default "add", "add_1", ... */
  name?: string;
}

/** Options of {@link concatenate}. */
export interface ConcatenateArgs {
  /**
   * The axis to join along, counting the batch axis as Keras does: -1 (default) or the
   * last axis's index (3 for images [batch, h, w, c]). Only the last axis is supported.
   */
  axis?: number;
  /** Layer name; default "concatenate", "concatenate_1", ... */
  name?: string;
}

/** "[8,8,16], [8,8,32]". */
function listShapes(shapes: readonly (readonly number[])[]): string {
  return shapes.map((s) => formatShape(s)).join(", ");
}

/** What both merge layers share: no weights, several inputs, `build` refused. */
abstract class Merge implements Layer {
  abstract readonly className: string;
  name: string;
  readonly declaredInputShape = null;
  readonly aliasesInput = false;
  readonly outputActivation = "linear";
  trainable = true;
  readonly weights = new LayerWeights(() => this.name);
  /** The first input's shape once built (see {@link inputShapes} for all). */
  inputShape: number[] | null = null;
  /** Every input's per-sample shape once built. */
  inputShapes: number[][] | null = null;
  outputShape: number[] | null = null;

  /** Checks the name option; `where` names the factory in errors. */
  constructor(where: string, name: unknown) {
    this.name = args.layerName(where, name) ?? "";
  }

  abstract get config(): Readonly<Record<string, unknown>>;

  build(inputShape: readonly number[]): readonly number[] {
    throw new Error(`${this.name || this.className} (${this.className}): merges several inputs; apply it to an array of tensors (it cannot be added to a Sequential), received one input ${formatShape(inputShape)}`);
  }

  /** Checks the inputs' shapes and returns the output shape. */
  protected abstract outputFor(shapes: readonly (readonly number[])[]): number[];

  buildInputs(inputShapes: readonly (readonly number[])[]): readonly number[] {
    if (inputShapes.length < 2) throw new Error(`${this.name} (${this.className}): needs at least 2 inputs, received ${inputShapes.length}`);
    const out = this.outputFor(inputShapes);
    this.inputShapes = inputShapes.map((s) => [...s]);
    this.inputShape = [...inputShapes[0]!];
    this.outputShape = out;
    return out;
  }

  workspace(): Workspace {
    return NO_WORKSPACE;
  }

  /** Backward only moves `dy`: no activation needs keeping for it. */
  readonly backwardReads = READS_NOTHING;

  abstract forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void;
  abstract backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void;

  /** Connects the layer to two or more tensors; see {@link Layer.apply}. */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    return applyLayer(this, inputs);
  }

  getWeights(): Tensor[] {
    return [];
  }

  setWeights(weights: readonly Tensor[]): void {
    this.weights.set(weights);
  }
}

/** An Add layer (see {@link add}). */
export class Add extends Merge {
  readonly className = "Add";

  /** Checks `options`; usually called through {@link add}. */
  constructor(options: AddArgs = {}) {
    const where = "layers.add";
    args.optionsObject(where, options, ["name"]);
    super(where, options.name);
  }

  get config(): Record<string, unknown> {
    return { ...args.commonConfig(this.name, null) };
  }

  protected outputFor(shapes: readonly (readonly number[])[]): number[] {
    // Keras would broadcast axes of size 1; simdnet asks for equal shapes (the residual case).
    const first = formatShape(shapes[0]!);
    if (shapes.some((s) => formatShape(s) !== first)) {
      throw new Error(`${this.name} (Add): inputs must all have the same shape, received ${listShapes(shapes)}`);
    }
    return [...shapes[0]!];
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    const n = pass.count * sizeOf(this.outputShape!);
    addInto(core, n, bufs.xs[0]!, bufs.xs[1]!, bufs.y);
    for (let k = 2; k < bufs.xs.length; k++) addInto(core, n, bufs.y, bufs.xs[k]!, bufs.y);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    const n = pass.count * sizeOf(this.outputShape!);
    for (const dx of bufs.dxs) if (dx) copyFloats(core, bufs.dy, dx, n);
  }
}

/** A Concatenate layer (see {@link concatenate}). */
export class Concatenate extends Merge {
  readonly className = "Concatenate";
  /** The axis as given (-1 by default); only the last axis is supported. */
  readonly axis: number;

  /** Checks `options`; usually called through {@link concatenate}. */
  constructor(options: ConcatenateArgs = {}) {
    const where = "layers.concatenate";
    args.optionsObject(where, options, ["axis", "name"]);
    super(where, options.name);
    const axis = options.axis ?? -1;
    if (typeof axis !== "number" || !Number.isSafeInteger(axis)) throw new Error(`${where}: axis must be a whole number, received ${args.show(axis)}`);
    this.axis = axis;
  }

  get config(): Record<string, unknown> {
    return { ...args.commonConfig(this.name, null), axis: this.axis };
  }

  protected outputFor(shapes: readonly (readonly number[])[]): number[] {
    const rank = shapes[0]!.length;
    // Keras counts the batch axis: for per-sample rank r the last axis is r (or -1).
    if (this.axis !== -1 && this.axis !== rank) {
      throw new Error(`${this.name} (Concatenate): axis ${this.axis} is not supported; only the last (channels) axis, -1 or ${rank} for inputs ${listShapes(shapes)}`);
    }
    const lead = formatShape(shapes[0]!.slice(0, -1));
    if (shapes.some((s) => s.length !== rank || formatShape(s.slice(0, -1)) !== lead)) {
      throw new Error(`${this.name} (Concatenate): inputs must match on every axis but the last, received ${listShapes(shapes)}`);
    }
    return [...shapes[0]!.slice(0, -1), shapes.reduce((c, s) => c + s[rank - 1]!, 0)];
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    this.columns(core, pass.count, bufs, false);
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    this.columns(core, pass.count, bufs, true);
  }

  /**
   * Forward: copies each input's rows into its columns of the output. Backward
   * (`grads`): copies each input's columns of `dy` out into its `dx`.
   */
  private columns(core: WasmCore, count: number, bufs: LayerBuffers, grads: boolean): void {
    const out = this.outputShape!;
    const total = out[out.length - 1]!;
    const rows = (count * sizeOf(out)) / total;
    const whole = core.f32(grads ? bufs.dy : bufs.y);
    const shapes = this.inputShapes!;
    let at = 0;
    for (let k = 0; k < shapes.length; k++) {
      const shape = shapes[k]!;
      const width = shape[shape.length - 1]!;
      const buf = grads ? bufs.dxs[k] : bufs.xs[k];
      if (buf) {
        const part = core.f32(buf);
        for (let r = 0; r < rows; r++) {
          const p = r * width;
          const w = r * total + at;
          if (grads) for (let j = 0; j < width; j++) part[p + j] = whole[w + j]!;
          else for (let j = 0; j < width; j++) whole[w + j] = part[p + j]!;
        }
      }
      at += width;
    }
  }
}

/** Sums two or more tensors of one shape: `layers.add().apply([a, b])` (a residual connection). */
export function add(options: AddArgs = {}): Add {
  return new Add(options);
}

/** Joins two or more tensors along the channels (last) axis: `layers.concatenate().apply([a, b])`. */
export function concatenate(options: ConcatenateArgs = {}): Concatenate {
  return new Concatenate(options);
}
