/**
 * BatchNormalization over the last axis (Keras 3, `axis=-1`): while training, each
 * channel is normalized with the batch's mean and biased variance and the moving
 * statistics move toward them (`moving = moving * momentum + batch * (1 - momentum)`);
 * otherwise, and whenever the layer is frozen (`trainable = false`, as Keras 3), with the
 * moving statistics. Weights in Keras order: gamma (when `scale`), beta (when `center`),
 * moving_mean, moving_variance; the last two are not trainable.
 */
import type { Initializer } from "../initializers.js";
import { bool, type Fixed, nulls, number } from "../io/keras_config.js";
import {
  batchNormBackward, batchNormBackwardInference, batchNormForwardInference, batchNormForwardTrain, batchNormUpdateMoving,
} from "../kernels/batch_norm.js";
import { explainBatchNorm } from "../model/explain.js";
import { sizeOf } from "../shapes.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import * as args from "./args.js";
import { BaseLayer } from "./base.js";
import { initializerOption, type LayerKind } from "./kind.js";
import { copyFloats, INPUT_ONLY, type LayerBuffers, type Pass, type WeightSpec, type Workspace } from "./layer.js";

/** Options of {@link batchNormalization}. */
export interface BatchNormalizationArgs {
  /** The normalized axis: -1 (the last, channels of NHWC) or that axis's index counting the batch; default -1. */
  axis?: number;
  /** Weight of the old moving statistics in each update, in [0, 1); default 0.99. */
  momentum?: number;
  /** Added to the variance before its square root, >= 0; default 1e-3. */
  epsilon?: number;
  /** Whether to add the learned offset beta; default true. */
  center?: boolean;
  /** Whether to multiply by the learned scale gamma; default true. */
  scale?: boolean;
  /** Initializer of beta; default "zeros". */
  betaInitializer?: string | Initializer;
  /** Initializer of gamma; default "ones". */
  gammaInitializer?: string | Initializer;
  /** Initializer of the moving mean; default "zeros". */
  movingMeanInitializer?: string | Initializer;
  /** Initializer of the moving variance; default "ones". */
  movingVarianceInitializer?: string | Initializer;
  /** Shape of one sample, without the batch axis; needed on the first layer only. */
  inputShape?: number[];
  /** Layer name; default batch_normalization, batch_normalization_1, ... */
  name?: string;
}

const KEYS = ["axis", "momentum", "epsilon", "center", "scale", "betaInitializer", "gammaInitializer", "movingMeanInitializer",
  "movingVarianceInitializer", "inputShape", "name"];

/** A BatchNormalization layer (see {@link batchNormalization}). */
export class BatchNormalization extends BaseLayer {
  readonly className = "BatchNormalization";
  /** The normalized axis: -1, or the index of the last axis (counting the batch axis). */
  readonly axis: number;
  /** Weight of the old moving statistics in each update. */
  readonly momentum: number;
  /** Added to the variance before its square root. */
  readonly epsilon: number;
  /** Whether the layer learns the offset beta. */
  readonly center: boolean;
  /** Whether the layer learns the scale gamma. */
  readonly scale: boolean;
  /** Fills beta. */
  readonly betaInitializer: Initializer;
  /** Fills gamma. */
  readonly gammaInitializer: Initializer;
  /** Fills the moving mean. */
  readonly movingMeanInitializer: Initializer;
  /** Fills the moving variance. */
  readonly movingVarianceInitializer: Initializer;
  /** Normalized channels (the last axis). */
  private channels = 0;
  /** Whether the last forward pass used batch statistics (its backward must match). */
  private trainedLast = false;

  /** Checks `options` and fills in Keras's defaults; usually called through {@link batchNormalization}. */
  constructor(options: BatchNormalizationArgs = {}) {
    const where = "layers.batchNormalization";
    args.optionsObject(where, options, KEYS);
    super(where, options);
    // -1, or the last axis by its index (as TensorFlow.js writes it, e.g. 3 for images); checked against the rank in build.
    if (options.axis !== undefined && options.axis !== -1 && !(Number.isSafeInteger(options.axis) && options.axis >= 1)) {
      throw new Error(`${where}: axis must be -1 (the last axis, channels), received ${args.show(options.axis)}`);
    }
    this.axis = options.axis ?? -1;
    this.momentum = args.finite(where, "momentum", options.momentum, 0.99, 0);
    if (this.momentum >= 1) throw new Error(`${where}: momentum must be a number in [0, 1), received ${this.momentum}`);
    this.epsilon = args.finite(where, "epsilon", options.epsilon, 1e-3, 0);
    this.center = args.bool(where, "center", options.center, true);
    this.scale = args.bool(where, "scale", options.scale, true);
    this.betaInitializer = args.initializer(where, "betaInitializer", options.betaInitializer, "zeros");
    this.gammaInitializer = args.initializer(where, "gammaInitializer", options.gammaInitializer, "ones");
    this.movingMeanInitializer = args.initializer(where, "movingMeanInitializer", options.movingMeanInitializer, "zeros");
    this.movingVarianceInitializer = args.initializer(where, "movingVarianceInitializer", options.movingVarianceInitializer, "ones");
  }

  get config(): Record<string, unknown> {
    return {
      ...this.commonConfig(), axis: this.axis, momentum: this.momentum, epsilon: this.epsilon,
      center: this.center, scale: this.scale, betaInitializer: this.betaInitializer, gammaInitializer: this.gammaInitializer,
      movingMeanInitializer: this.movingMeanInitializer, movingVarianceInitializer: this.movingVarianceInitializer,
    };
  }

  override build(inputShape: readonly number[]): number[] {
    if (inputShape.length < 1) throw new Error(`${this.label}: expected an input with at least one axis per sample`);
    if (this.axis !== -1 && this.axis !== inputShape.length) {
      throw new Error(`${this.label}: axis ${this.axis} is not the last axis of an input of rank ${inputShape.length + 1} (with the batch); only the last axis is supported`);
    }
    const c = inputShape[inputShape.length - 1]!;
    this.channels = c;
    this.inputShape = [...inputShape];
    this.outputShape = [...inputShape];
    const specs: WeightSpec[] = [];
    if (this.scale) specs.push({ name: "gamma", shape: [c], initializer: this.gammaInitializer });
    if (this.center) specs.push({ name: "beta", shape: [c], initializer: this.betaInitializer });
    specs.push({ name: "moving_mean", shape: [c], initializer: this.movingMeanInitializer, trainable: false });
    specs.push({ name: "moving_variance", shape: [c], initializer: this.movingVarianceInitializer, trainable: false });
    this.weights.specs = specs;
    return this.outputShape;
  }

  /** Backward reads the input (and the statistics it keeps), never the output. */
  readonly backwardReads = INPUT_ONLY;

  /** Own floats: the batch's [mean | variance], then room for dgamma and dbeta when the layer has no such weight. */
  override workspace(): Workspace {
    return { f32: 4 * this.channels, u32: 0, scratch: 0 };
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    const rows = this.rows(pass.count);
    const [gamma, beta, mean, variance] = this.params();
    // Keras 3: batch statistics only when training and the layer is trainable (the
    // runner's pass.learning; a frozen layer, or one in a frozen model, normalizes with
    // its moving statistics).
    this.trainedLast = pass.learning && this.trainable;
    if (this.trainedLast) {
      const stats = this.window(bufs, 0);
      batchNormForwardTrain(core, rows, this.channels, this.epsilon, bufs.x, gamma, beta, bufs.y, stats);
      batchNormUpdateMoving(core, this.channels, this.momentum, stats, mean, variance);
    } else {
      batchNormForwardInference(core, rows, this.channels, this.epsilon, bufs.x, gamma, beta, mean, variance, bufs.y);
    }
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    const rows = this.rows(pass.count);
    const [gamma, , , variance] = this.params();
    const i = this.scale ? 1 : 0;
    const dgamma = this.scale ? this.weights.grad(0) : this.window(bufs, 2);
    const dbeta = this.center ? this.weights.grad(i) : this.window(bufs, 3);
    const stats = this.window(bufs, 0);
    if (!this.trainedLast) {
      // The statistics were the moving ones: the same sums give dgamma and dbeta (as Keras
      // computes them for a trainable layer called with training=false), and dx is
      // gamma / std times dy, the statistics being constants.
      copyFloats(core, this.params()[2], this.window(bufs, 4), this.channels);
      copyFloats(core, variance, this.window(bufs, 5), this.channels);
      if (bufs.dx) batchNormBackwardInference(core, rows, this.channels, this.epsilon, bufs.dy, gamma, variance, bufs.dx);
    }
    batchNormBackward(core, rows, this.channels, this.epsilon, bufs.x, bufs.dy, gamma, stats, this.trainedLast ? bufs.dx : null, dgamma, dbeta);
    // The moving statistics are not trained: zero gradients keep any optimizer from moving them.
    const n = this.weights.specs.length;
    core.f32(this.weights.grad(n - 2)).fill(0);
    core.f32(this.weights.grad(n - 1)).fill(0);
  }

  private rows(count: number): number {
    return count * (sizeOf(this.inputShape!) / this.channels);
  }

  /** gamma, beta (null when absent), moving mean, moving variance. */
  private params(): [WasmBuffer | null, WasmBuffer | null, WasmBuffer, WasmBuffer] {
    const n = this.weights.specs.length;
    const gamma = this.scale ? this.weights.param(0) : null;
    const beta = this.center ? this.weights.param(this.scale ? 1 : 0) : null;
    return [gamma, beta, this.weights.param(n - 2), this.weights.param(n - 1)];
  }

  /**
   * Windows of the own buffer, cut once per buffer: 0 the statistics [mean | variance]
   * (2 * channels), 2 and 3 spare dgamma and dbeta, 4 and 5 the mean and variance halves
   * of the statistics.
   */
  private window(bufs: LayerBuffers, k: 0 | 2 | 3 | 4 | 5): WasmBuffer {
    const own = bufs.f32!;
    const c = this.channels;
    if (this.cutFrom !== own) {
      this.cutFrom = own;
      this.cuts = [own.subarray(0, 2 * c), own, own.subarray(2 * c, c), own.subarray(3 * c, c), own.subarray(0, c), own.subarray(c, c)];
    }
    return this.cuts[k]!;
  }

  private cutFrom: WasmBuffer | null = null;
  private cuts: WasmBuffer[] = [];
}

/**
 * Batch normalization over the last axis, as Keras 3: momentum 0.99, epsilon 1e-3, a
 * learned scale (gamma, ones) and offset (beta, zeros), moving mean (zeros) and variance
 * (ones) used for inference and by a frozen layer.
 */
export function batchNormalization(options: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization(options);
}

const constantFixed = (keras: string, value: unknown, expected: string): Fixed =>
  ({ keras, value: undefined, accepts: (v) => v === value, expected });

/** BatchNormalization described once (see kind.ts). */
export function batchNormalizationKind(): LayerKind {
  return {
    className: "BatchNormalization",
    stem: "batch_normalization",
    create: (config) => batchNormalization(config as BatchNormalizationArgs),
    keras: {
      options: [
        { keras: "axis", camel: "axis", read: (v, w) => (v === -1 || (Array.isArray(v) && v.length === 1 && v[0] === -1) ? -1 : number(v, w)), fallback: -1 },
        { keras: "momentum", camel: "momentum", read: number, fallback: 0.99 },
        { keras: "epsilon", camel: "epsilon", read: number, fallback: 1e-3 },
        { keras: "center", camel: "center", read: bool, fallback: true },
        { keras: "scale", camel: "scale", read: bool, fallback: true },
        initializerOption("beta_initializer", "betaInitializer", "zeros"),
        initializerOption("gamma_initializer", "gammaInitializer", "ones"),
        initializerOption("moving_mean_initializer", "movingMeanInitializer", "zeros"),
        initializerOption("moving_variance_initializer", "movingVarianceInitializer", "ones"),
      ],
      fixed: [
        ...nulls("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"),
        constantFixed("synchronized", false, "false (synchronized batch statistics are not supported)"),
        constantFixed("renorm", false, "false (batch renormalization is not supported)"),
        { keras: "renorm_clipping", value: undefined, accepts: (v) => v === null, expected: "null" },
        { keras: "renorm_momentum", value: undefined, accepts: (v) => typeof v === "number", expected: "a number (unused without renorm)" },
      ],
    },
    explain: (layer) => explainBatchNorm({ channels: (layer as BatchNormalization).outputShape!.at(-1)!, center: (layer as BatchNormalization).center, scale: (layer as BatchNormalization).scale }),
  };
}
