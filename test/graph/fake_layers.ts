/**
 * A test-only layer with a non-trainable weight, standing in for BatchNormalization:
 * `y = x * scale` per channel, and while learning (training and trainable) its forward
 * pass moves `moving` toward the batch's per-channel mean (momentum 0.5), as BN moves its
 * moving statistics. It records what each pass told it.
 */
import { getInitializer } from "../../ts/initializers.js";
import { BaseLayer } from "../../ts/layers/base.js";
import type { LayerBuffers, Pass } from "../../ts/layers/layer.js";
import { sizeOf } from "../../ts/shapes.js";
import type { WasmCore } from "../../ts/wasm/core.js";

export class ScaleWithStats extends BaseLayer {
  readonly className = "ScaleWithStats";
  readonly config = {};
  /** `pass.learning` of every forward pass, in order. */
  readonly learning: boolean[] = [];
  /** A copy of `moving` as the last learning forward pass left it. */
  lastMoving: Float32Array | null = null;

  constructor() {
    super("ScaleWithStats", {});
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const c = inputShape[inputShape.length - 1]!;
    super.build(inputShape);
    this.weights.specs = [
      { name: "scale", shape: [c], initializer: getInitializer("ones") },
      { name: "moving", shape: [c], initializer: getInitializer("zeros"), trainable: false },
    ];
    return this.outputShape!;
  }

  forward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    this.learning.push(pass.learning);
    const c = this.inputShape![this.inputShape!.length - 1]!;
    const n = pass.count * sizeOf(this.inputShape!);
    const x = core.f32(bufs.x);
    const y = core.f32(bufs.y);
    const scale = core.f32(this.weights.param(0));
    for (let i = 0; i < n; i++) y[i] = x[i]! * scale[i % c]!;
    if (pass.learning) {
      const moving = core.f32(this.weights.param(1));
      const rows = n / c;
      for (let j = 0; j < c; j++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += x[r * c + j]!;
        moving[j] = 0.5 * moving[j]! + 0.5 * (s / rows);
      }
      this.lastMoving = moving.slice();
    }
  }

  backward(core: WasmCore, pass: Pass, bufs: LayerBuffers): void {
    const c = this.inputShape![this.inputShape!.length - 1]!;
    const n = pass.count * sizeOf(this.inputShape!);
    const x = core.f32(bufs.x);
    const dy = core.f32(bufs.dy);
    const scale = core.f32(this.weights.param(0));
    const ds = core.f32(this.weights.grad(0));
    const dm = core.f32(this.weights.grad(1));
    ds.fill(0);
    // A gradient an optimizer would follow if it touched this non-trainable weight.
    dm.fill(1);
    for (let i = 0; i < n; i++) ds[i % c] = ds[i % c]! + x[i]! * dy[i]!;
    if (bufs.dx) {
      const dx = core.f32(bufs.dx);
      for (let i = 0; i < n; i++) dx[i] = dy[i]! * scale[i % c]!;
    }
  }
}
