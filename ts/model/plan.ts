/**
 * The memory plan of a model for one batch size: every per-batch buffer (activations,
 * their gradients, labels, layer workspaces, shared scratch) as a window into ONE wasm
 * allocation, so that a training step allocates nothing.
 *
 * Layout, for layers 0..L-1 and activation i the input of layer i (activation L is the
 * output): act[0..L], grad[1..L] (the gradient w.r.t. the model input is never needed),
 * then labels, probabilities (for the fused softmax loss), each layer's own buffers and
 * the scratch. A layer that aliases its input (flatten) shares act and grad buffers.
 */
import type { Layer, LayerBuffers } from "../layers/layer.js";
import { sizeOf } from "../shapes.js";
import type { WasmBuffer, WasmCore } from "../wasm/core.js";

/** The buffers of one batch size, all windows of `arena`. */
export interface Plan {
  /** Samples per batch this plan holds. */
  readonly batch: number;
  /** The one allocation (freed by {@link releasePlan}). */
  readonly arena: WasmBuffer;
  /** The model input, [batch, ...inputShape] (= act[0]). */
  readonly input: WasmBuffer;
  /** The model output, [batch, ...outputShape] (= act[L]). */
  readonly output: WasmBuffer;
  /** Gradient w.r.t. the output. */
  readonly outputGrad: WasmBuffer;
  /** Labels as the loss wants them: one-hot rows or targets, [batch, outputSize]. */
  readonly labels: WasmBuffer;
  /** Softmax probabilities written by the fused loss, [batch, outputSize]. */
  readonly probs: WasmBuffer;
  /** Raw labels from a BatchSource before one-hot encoding, [batch, outputSize]. */
  readonly rawLabels: WasmBuffer;
  /** Per layer, the buffers of its forward and backward calls. */
  readonly layers: readonly LayerBuffers[];
}

// Windows start on 16-byte boundaries, which SIMD loads prefer.
const ALIGN = 4;

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/**
 * Plans and allocates the buffers of `layers` (already built) for `batch` samples of
 * `inputShape`.
 */
export function planBuffers(core: WasmCore, layers: readonly Layer[], inputShape: readonly number[], batch: number): Plan {
  let total = 0;
  const take = (n: number): number => {
    const at = total;
    total += align(n);
    return at;
  };

  // Activations and their gradients.
  const actAt: number[] = [take(batch * sizeOf(inputShape))];
  const gradAt: number[] = [-1];
  const sizes: number[] = [sizeOf(inputShape)];
  layers.forEach((layer, i) => {
    const n = batch * sizeOf(layer.outputShape!);
    sizes.push(sizeOf(layer.outputShape!));
    if (layer.aliasesInput) {
      // Same buffers as the input; a first layer has no input gradient slot to share.
      actAt.push(actAt[i]!);
      gradAt.push(gradAt[i]! >= 0 ? gradAt[i]! : take(n));
    } else {
      actAt.push(take(n));
      gradAt.push(take(n));
    }
  });

  const outSize = sizes[sizes.length - 1]!;
  const labelsAt = take(batch * outSize);
  const probsAt = take(batch * outSize);
  const rawAt = take(batch * outSize);

  let scratch = 0;
  const extras = layers.map((layer) => {
    const ws = layer.workspace(core, batch);
    scratch = Math.max(scratch, ws.scratch);
    return { f32: ws.f32 > 0 ? take(ws.f32) : -1, f32Len: ws.f32, u32: ws.u32 > 0 ? take(ws.u32) : -1, u32Len: ws.u32 };
  });
  // Always a window, even an empty one: kernels whose scratch need is 0 (e.g. a 1x1
  // convolution) still take a scratch argument.
  const scratchAt = take(scratch);

  const arena = core.alloc(Math.max(total, ALIGN));
  const win = (at: number, n: number): WasmBuffer => arena.subarray(at, n);
  const acts = actAt.map((at, i) => win(at, batch * sizes[i]!));
  const grads = gradAt.map((at, i) => (i === 0 ? null : win(at, batch * sizes[i]!)));
  const scratchBuf = win(scratchAt, scratch);

  const layerBufs: LayerBuffers[] = layers.map((_, i) => {
    const e = extras[i]!;
    return {
      x: acts[i]!,
      y: acts[i + 1]!,
      dx: grads[i] ?? null,
      dy: grads[i + 1]!,
      f32: e.f32 >= 0 ? win(e.f32, e.f32Len) : null,
      u32: e.u32 >= 0 ? arena.subarray(e.u32, e.u32Len, "u32") : null,
      scratch: scratchBuf,
    };
  });

  return {
    batch,
    arena,
    input: acts[0]!,
    output: acts[acts.length - 1]!,
    outputGrad: grads[grads.length - 1]!,
    labels: win(labelsAt, batch * outSize),
    probs: win(probsAt, batch * outSize),
    rawLabels: win(rawAt, batch * outSize),
    layers: layerBufs,
  };
}

/** Frees a plan's arena (every window dies with it). */
export function releasePlan(core: WasmCore, plan: Plan): void {
  core.free(plan.arena);
}
