/**
 * The base of every single-input layer (all but the merge layers): the {@link Layer}
 * fields with the values most layers have, the checks of the `inputShape` and `name`
 * options every factory takes, and the methods that read the same in every layer
 * (`apply`, `getWeights`, `setWeights`, a shape-keeping `build`, an empty workspace).
 * A layer's own file overrides only what its layer does differently; one level, no more.
 */
import { sizeOf } from "../shapes.js";
import type { Tensor } from "../tensor.js";
import type { WasmCore } from "../wasm/core.js";
import { applyLayer, type SymbolicTensor } from "../model/symbolic.js";
import * as args from "./args.js";
import { LayerWeights, NO_WORKSPACE, type Layer, type LayerBuffers, type Pass, type Workspace } from "./layer.js";

/** The options every single-input layer's factory takes besides its own. */
export interface CommonLayerOptions {
  /** Shape of one sample, without the batch axis. */
  readonly inputShape?: unknown;
  /** Layer name. */
  readonly name?: unknown;
}

/** A single-input layer: what {@link Layer} asks that most layers answer alike. */
export abstract class BaseLayer implements Layer {
  abstract readonly className: string;
  abstract readonly config: Readonly<Record<string, unknown>>;
  name: string;
  readonly declaredInputShape: number[] | null;
  /** False: the output has a buffer of its own (Flatten and Reshape override it). */
  readonly aliasesInput: boolean = false;
  trainable = true;
  readonly weights: LayerWeights = new LayerWeights(() => this.name);
  inputShape: number[] | null = null;
  outputShape: number[] | null = null;

  /**
   * Checks the `inputShape` and `name` options; `where` names the factory in errors. A
   * subclass checks that `options` is an object with known keys (args.optionsObject) first.
   */
  protected constructor(where: string, options: CommonLayerOptions) {
    this.declaredInputShape = args.inputShape(where, options.inputShape);
    this.name = args.layerName(where, options.name) ?? "";
  }

  /** "linear": layers with an activation option override it. */
  get outputActivation(): string {
    return "linear";
  }

  /** Keeps the shape; layers that change it or have weights override it. */
  build(inputShape: readonly number[]): readonly number[] {
    this.inputShape = [...inputShape];
    this.outputShape = [...inputShape];
    return this.outputShape;
  }

  /** Nothing beyond the output; layers with buffers of their own override it. */
  workspace(_core: WasmCore, _batch: number): Workspace {
    return NO_WORKSPACE;
  }

  abstract forward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void;
  abstract backward(core: WasmCore, pass: Pass, bufs: LayerBuffers, activate: boolean): void;

  /** Connects the layer in a functional graph; see {@link Layer.apply}. */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    return applyLayer(this, inputs);
  }

  getWeights(): Tensor[] {
    return this.weights.get();
  }

  setWeights(weights: readonly Tensor[]): void {
    this.weights.set(weights);
  }

  /** "conv2d (Conv2D)", for error messages. */
  protected get label(): string {
    return `${this.name} (${this.className})`;
  }

  /** The config fields every layer shares (its name, a declared inputShape), to spread first. */
  protected commonConfig(): Record<string, unknown> {
    return args.commonConfig(this.name, this.declaredInputShape);
  }

  /** Floats of `count` samples of the input. */
  protected floats(count: number): number {
    return count * sizeOf(this.inputShape!);
  }

  /**
   * The kernel dims `build` made, with `batch` set to this pass's count (one object per
   * layer, so a step allocates nothing); throws when the layer is not built.
   */
  protected batched<D extends { batch: number }>(dims: D | null, batch: number): D {
    if (!dims) throw new Error(`${this.label}: the layer is not built`);
    dims.batch = batch;
    return dims;
  }
}
