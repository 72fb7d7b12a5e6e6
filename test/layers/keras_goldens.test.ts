/**
 * Each new layer against real Keras 3 (test/golden/kernels-layers/, written by
 * scripts/keras/make_kernels_layer_goldens.py): the layer is made from Keras's own
 * get_config() through our Keras format, given Keras's weights, and run through its
 * forward and backward passes on both wasm modules. Its output, input gradient, weight
 * gradients (of sum(y * r)) and weights after the call (BatchNormalization's moving
 * statistics) must match Keras's to 1e-4. The factory options stated beside each case must
 * give the same layer config.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { layerConfigFromKeras } from "../../ts/io/keras_layers.js";
import { layerFromConfig } from "../../ts/layers/index.js";
import type { Layer, LayerBuffers, Pass } from "../../ts/layers/layer.js";
import { sizeOf } from "../../ts/shapes.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";

interface T {
  shape: number[];
  data: number[];
}

interface Golden {
  name: string;
  className: string;
  keras_config: Record<string, unknown>;
  options: Record<string, unknown>;
  training: boolean;
  x: T;
  r: T;
  y: T;
  dx: T;
  weights: T[];
  grads: T[];
  weights_after: T[];
}

const DIR = join(__dirname, "..", "golden", "kernels-layers");
const GOLDENS: Golden[] = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as Golden);

function upload(core: WasmCore, data: ArrayLike<number>, length = data.length): WasmBuffer {
  const b = core.alloc(Math.max(length, 1));
  core.write(b, data);
  return b;
}

/** A config with initializer objects as their class name and config, for comparing. */
function plain(config: Readonly<Record<string, unknown>>): unknown {
  return JSON.parse(JSON.stringify(config, (_, v: unknown) => {
    const init = v as { className?: string; getConfig?: () => unknown; fill?: unknown };
    return typeof init === "object" && init !== null && typeof init.fill === "function" ? { className: init.className, config: init.getConfig?.() } : v;
  }));
}

/** Runs `layer` (built) forward then backward on one batch, with dL/dy = r. */
function run(core: WasmCore, layer: Layer, g: Golden) {
  const batch = g.x.shape[0]!;
  const specs = layer.weights.specs;
  const params = specs.map((s, i) => upload(core, g.weights[i]!.data, sizeOf(s.shape)));
  const grads = specs.map((s) => upload(core, new Float32Array(sizeOf(s.shape)).fill(NaN)));
  layer.weights.bind(core, params, grads);
  const ws = layer.workspace(core, batch);
  const outLength = batch * sizeOf(layer.outputShape!);
  const x = upload(core, g.x.data);
  const dy = upload(core, g.r.data);
  const y = layer.aliasesInput ? x : core.alloc(outLength);
  const dx = layer.aliasesInput ? dy : core.alloc(g.x.data.length);
  const bufs: LayerBuffers = {
    x, y, dx, dy, xs: [x], dxs: [dx],
    f32: ws.f32 > 0 ? core.alloc(ws.f32) : null,
    u32: ws.u32 > 0 ? core.alloc(ws.u32, "u32") : null,
    scratch: ws.scratch > 0 ? core.alloc(ws.scratch) : null,
  };
  const pass: Pass = { count: batch, training: g.training, learning: g.training, seed: 1, step: 0 };
  layer.forward(core, pass, bufs, true);
  const yOut = core.read(y);
  layer.backward(core, pass, bufs, true);
  const result = { y: yOut, dx: core.read(dx), grads: grads.map((b) => core.read(b)), after: params.map((b) => core.read(b)) };
  layer.weights.bind(null, null, null);
  const all = [...params, ...grads, x, dy, ...(layer.aliasesInput ? [] : [y, dx]), bufs.f32, bufs.u32, bufs.scratch];
  for (const b of all) if (b) core.free(b);
  return result;
}

describeEachCore("layers against Keras 3 goldens", (getCore) => {
  it("finds the golden files", () => {
    expect(GOLDENS.length).toBeGreaterThanOrEqual(28);
  });

  for (const g of GOLDENS) {
    it(`${g.name} (${g.className}): output, input and weight gradients, weights after`, () => {
      const core = getCore();
      const where = `golden ${g.name}`;
      const options = layerConfigFromKeras(g.className, g.keras_config as never, where, ["name"]);
      const layer = layerFromConfig(g.className, options);
      const fromOptions = layerFromConfig(g.className, g.options);
      expect(plain(fromOptions.config), `${where}: options vs Keras config`).toEqual(plain(layer.config));
      layer.build(g.x.shape.slice(1));
      expect(layer.outputShape, `${where}: output shape`).toEqual(g.y.shape.slice(1));
      expect(layer.weights.specs.map((s) => s.shape), `${where}: weight shapes`).toEqual(g.weights.map((w) => w.shape));
      const out = run(core, layer, g);
      expectClose(out.y, g.y.data, `${where} y`, 1e-4, 1e-4);
      expectClose(out.dx, g.dx.data, `${where} dx`, 1e-4, 1e-4);
      out.grads.forEach((d, i) => expectClose(d, g.grads[i]!.data, `${where} grad ${layer.weights.specs[i]!.name}`, 1e-4, 1e-4));
      out.after.forEach((w, i) => expectClose(w, g.weights_after[i]!.data, `${where} ${layer.weights.specs[i]!.name} after`, 1e-4, 1e-5));
    });
  }
});
