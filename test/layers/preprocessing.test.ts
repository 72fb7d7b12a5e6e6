/**
 * Keras 3's random image preprocessing layers: their transforms for fixed draws against
 * real Keras (test/golden/images/preprocessing.json, scripts/keras/make_preprocessing_goldens.py),
 * their configs against Keras's, the draws (ranges, seeds, steps), identity at inference,
 * and backward as the exact adjoint of forward (dot-product test and finite differences).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { layerConfigFromKeras, layerConfigToKeras } from "../../ts/io/keras_layers.js";
import { layers } from "../../ts/layers/index.js";
import { preprocessingKinds } from "../../ts/layers/preprocessing/keras_formats.js";
import { layerKind } from "../../ts/layers/registry.js";
import { affineForward, mapCoordinate, type FillMode, type Interpolation } from "../../ts/layers/preprocessing/affine_sampler.js";
import { preprocessingLayers, type RandomImageLayer } from "../../ts/layers/preprocessing/index.js";
import { rotationMatrix, translationMatrix, zoomMatrix } from "../../ts/layers/preprocessing/random_affine.js";
import { adjustContrast } from "../../ts/layers/preprocessing/random_contrast.js";
import { flipImage, type FlipMode } from "../../ts/layers/preprocessing/random_flip.js";
import type { LayerBuffers, Pass } from "../../ts/layers/layer.js";
import { Model } from "../../ts/model/model.js";
import { Sequential } from "../../ts/model/sequential.js";
import { input } from "../../ts/model/symbolic.js";
import type { WasmCore } from "../../ts/wasm/core.js";
import { getCore, init } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { randomArray, rng } from "../helpers/random.js";

interface Golden {
  shape: [number, number, number, number];
  images: number[];
  matrices: Record<"rotation" | "zoom" | "translation", { matrix: number[] } & Record<string, number[]>>;
  affine: { kind: "rotation" | "zoom" | "translation"; fillMode: FillMode; interpolation: Interpolation; fillValue: number; output: number[] }[];
  layers: Record<"rotation" | "zoom" | "translation", number[]>;
  contrast: { factors: number[]; output: number[] };
  flips: Record<FlipMode, number[]>;
  configs: Record<string, Record<string, unknown>>;
}
const golden = JSON.parse(readFileSync(join(import.meta.dirname, "../golden/images/preprocessing.json"), "utf8")) as Golden;
const [N, H, W, C] = golden.shape;
const SIZE = H * W * C;
const images = Float32Array.from(golden.images);
const shape = { height: H, width: W, channels: C };
/** Keras's 8-number matrices, as simdnet's 6 (the projective part is 0). */
const sixOf = (m: number[], i: number): number[] => m.slice(i * 8, i * 8 + 6);

describe("transforms for fixed draws, against Keras", () => {
  it("builds Keras's rotation, zoom and translation matrices", () => {
    const m = golden.matrices;
    for (let i = 0; i < N; i++) {
      expectClose(rotationMatrix(m.rotation.degrees![i]!, H, W), sixOf(m.rotation.matrix, i), "rotation", 1e-5, 1e-5);
      expectClose(zoomMatrix(m.zoom.zoomY![i]!, m.zoom.zoomX![i]!, H, W), sixOf(m.zoom.matrix, i), "zoom", 1e-5, 1e-5);
      expectClose(translationMatrix(m.translation.dy![i]!, m.translation.dx![i]!), sixOf(m.translation.matrix, i), "translation", 1e-6, 1e-6);
    }
  });

  for (const c of golden.affine) {
    it(`samples ${c.kind} with fillMode ${c.fillMode}, ${c.interpolation}, as ImageProjectiveTransformV3`, () => {
      const out = new Float32Array(N * SIZE);
      const options = { ...shape, fillMode: c.fillMode, fillValue: c.fillValue, interpolation: c.interpolation };
      for (let i = 0; i < N; i++) affineForward(images, i * SIZE, sixOf(golden.matrices[c.kind].matrix, i), options, out, i * SIZE);
      expectClose(out, c.output, `${c.kind} ${c.fillMode} ${c.interpolation}`, 1e-5, 2e-3);
    });
  }

  it("the layers' own wiring gives the same images (default reflect, bilinear)", () => {
    for (const kind of ["rotation", "zoom", "translation"] as const) {
      const c = golden.affine.find((a) => a.kind === kind && a.fillMode === "reflect" && a.interpolation === "bilinear")!;
      expectClose(golden.layers[kind], c.output, kind, 0, 1e-4);
    }
  });

  it("adjusts contrast per channel around the image mean and clips to [0, 255]", () => {
    const out = new Float32Array(N * SIZE);
    for (let i = 0; i < N; i++) adjustContrast(images, i * SIZE, golden.contrast.factors[i]!, [0, 255], shape, out, i * SIZE);
    expectClose(out, golden.contrast.output, "contrast", 1e-5, 1e-3);
    expect(out.some((v) => v === 255) && out.some((v) => v === 0)).toBe(true);
  });

  it("flips as Keras: horizontal, vertical, and both axes on one decision", () => {
    for (const mode of ["horizontal", "vertical", "horizontal_and_vertical"] as const) {
      const out = new Float32Array(N * SIZE);
      [true, false].forEach((flip, i) => flipImage(images, i * SIZE, flip, mode, shape, out, i * SIZE));
      expect(Array.from(out), mode).toEqual(golden.flips[mode].map(Math.fround));
    }
  });

  it("maps coordinates as TensorFlow: reflect, wrap, nearest, constant", () => {
    expect([-1, -2, -4.5, 4.5, 5, 9, 12].map((v) => mapCoordinate(v, 4, "reflect"))).toEqual([0, 1, 3, 2.5, 2, 1, 3]);
    expect([-0.5, 3, 3.2, -7].map((v) => mapCoordinate(v, 4, "nearest"))).toEqual([0, 3, 3, 0]);
    expect(mapCoordinate(-2.5, 4, "constant")).toBe(-2.5);
    expect(mapCoordinate(7, 1, "wrap")).toBe(0);
  });
});

/** snake_case to camelCase, for comparing configs. */
const camel = (s: string): string => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

describe("configs", () => {
  const made: Record<string, RandomImageLayer> = {
    RandomFlip: preprocessingLayers.randomFlip({ mode: "vertical", seed: 3 }),
    RandomRotation: preprocessingLayers.randomRotation({ factor: 0.25, fillMode: "wrap" }),
    RandomRotationPair: preprocessingLayers.randomRotation({ factor: [0.3, -0.1], interpolation: "nearest" }),
    RandomZoom: preprocessingLayers.randomZoom({ heightFactor: 0.2 }),
    RandomZoomPair: preprocessingLayers.randomZoom({ heightFactor: [-0.3, 0.1], widthFactor: [0.2, 0.4], fillMode: "constant", fillValue: 3 }),
    RandomTranslation: preprocessingLayers.randomTranslation({ heightFactor: 0.1, widthFactor: [-0.2, 0.3] }),
    RandomContrast: preprocessingLayers.randomContrast({ factor: 0.3 }),
    RandomContrastPair: preprocessingLayers.randomContrast({ factor: [0.2, 0.4], valueRange: [0, 1] }),
  };
  for (const [key, layer] of Object.entries(made)) {
    it(`${key} has Keras's config fields and values, and is rebuilt from them`, () => {
      const keras = golden.configs[key]!;
      const ours = layer.config;
      const skip = new Set(["name", "trainable", "dtype", "data_format"]);
      const want = Object.fromEntries(Object.entries(keras).filter(([k]) => !skip.has(k)).map(([k, v]) => [camel(k), v]));
      expect(ours).toEqual(want);
      expect(layer.className).toBe(key.replace("Pair", ""));
      const again = layerKind(layer.className)!.create(ours) as unknown as RandomImageLayer;
      expect(again.config).toEqual(ours);
    });
  }

  it("reads Keras's JSON configs and writes them back key for key (the formats come from the layer registry)", () => {
    for (const [key, keras] of Object.entries(golden.configs)) {
      const className = key.replace("Pair", "");
      const camelConfig = layerConfigFromKeras(className, keras as never, key, ["name"]);
      const layer = layerKind(className)!.create(camelConfig) as unknown as RandomImageLayer;
      expect(layer.config, key).toEqual(made[key]!.config);
      const written = layerConfigToKeras(className, layer.config, key, ["name"]);
      const { name: _name, trainable: _trainable, dtype: _dtype, ...rest } = keras;
      expect(written, key).toEqual(rest);
    }
    expect(() => layerConfigFromKeras("RandomFlip", { mode: "vertical", data_format: "channels_first" } as never, "flip", ["name"])).toThrow(/flip data_format: received "channels_first", expected "channels_last"/);
    expect(() => layerConfigFromKeras("RandomZoom", { width_factor: 0.2 } as never, "zoom", ["name"])).toThrow(/zoom: the config has no "height_factor"; RandomZoom needs it/);
  });

  it("describes each layer once as a LayerKind (class name, stem, factory, format) for the registry", () => {
    const kinds = preprocessingKinds();
    expect(kinds.map((k) => k.className)).toEqual(["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast"]);
    for (const k of kinds) {
      const registered = layerKind(k.className)!;
      expect(registered.stem).toBe(k.stem);
      const keys = (kind: typeof k) => kind.keras.options.map((opt) => [opt.keras, opt.camel, opt.fallback]);
      expect(keys(registered)).toEqual(keys(k));
      const key = Object.keys(made).find((m) => m.replace("Pair", "") === k.className)!;
      const layer = k.create(made[key]!.config);
      expect(layer.className).toBe(k.className);
      expect(layer.config).toEqual(made[key]!.config);
      expect(k.stem).toBe(k.className.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase());
    }
  });

  it("refuses bad options, naming the factory and the argument", () => {
    expect(() => preprocessingLayers.randomFlip({ mode: "diagonal" as FlipMode })).toThrow(/layers\.randomFlip: mode must be "horizontal", "vertical" or "horizontal_and_vertical", received "diagonal"/);
    expect(() => preprocessingLayers.randomRotation({ factor: 1.5 })).toThrow(/layers\.randomRotation: factor must be a number or a pair of numbers in \[-1, 1\], received 1\.5/);
    expect(() => preprocessingLayers.randomZoom({ heightFactor: -1 })).toThrow(/heightFactor must be a number or a pair of numbers in \(-1, 1\]/);
    expect(() => preprocessingLayers.randomContrast({ factor: -0.2 })).toThrow(/factor must be a number or a pair of numbers in \[0, 1\]/);
    expect(() => preprocessingLayers.randomTranslation({ heightFactor: 0.1 } as never)).toThrow(/widthFactor must be a number/);
    expect(() => preprocessingLayers.randomRotation({ factor: 0.1, fillMode: "mirror" as FillMode })).toThrow(/fillMode must be "reflect", "wrap", "constant" or "nearest", received "mirror"/);
    expect(() => preprocessingLayers.randomRotation({ factor: 0.1, fill_mode: "wrap" } as never)).toThrow(/layers\.randomRotation: unknown option "fill_mode"/);
    expect(() => preprocessingLayers.randomContrast({ factor: 0.1, valueRange: [1, 0] })).toThrow(/valueRange must be \[low, high\] with low < high/);
    expect(() => preprocessingLayers.randomFlip({ seed: -1 })).toThrow(/seed must be a whole number >= 0/);
    expect(() => preprocessingLayers.randomFlip().build([28, 28])).toThrow(/expected an input of rank 3 per sample \[height, width, channels\]/);
  });
});

/** Runs a built layer's forward (and backward) on a real core with its own buffers. */
class Harness {
  readonly bufs: LayerBuffers;
  constructor(private readonly core: WasmCore, readonly layer: RandomImageLayer, readonly batch: number, withDx = true) {
    layer.build([H, W, C]);
    const n = batch * SIZE;
    const ws = layer.workspace(core, batch);
    const x = core.alloc(n), dx = withDx ? core.alloc(n) : null;
    this.bufs = { x, xs: [x], y: core.alloc(n), dx, dxs: [dx], dy: core.alloc(n), f32: core.alloc(ws.f32), u32: null, scratch: null };
  }
  forward(x: Float32Array, training: boolean, seed: number, step: number): Float32Array {
    this.core.write(this.bufs.x, x);
    const pass: Pass = { count: this.batch, training, learning: training, seed, step };
    this.layer.forward(this.core, pass, this.bufs);
    return this.core.read(this.bufs.y);
  }
  backward(dy: Float32Array, seed: number, step: number): Float32Array {
    this.core.write(this.bufs.dy, dy);
    this.layer.backward(this.core, { count: this.batch, training: true, learning: true, seed, step }, this.bufs);
    return this.core.read(this.bufs.dx!);
  }
}

describe("layers in passes", () => {
  let core: WasmCore;
  beforeAll(async () => {
    await init();
    core = getCore();
  });
  const x = randomArray(rng(5), 4 * SIZE, 0, 255);
  const all = (): RandomImageLayer[] => [
    preprocessingLayers.randomFlip(),
    preprocessingLayers.randomRotation({ factor: 0.3 }),
    preprocessingLayers.randomZoom({ heightFactor: [-0.4, 0.4], widthFactor: 0.3, fillMode: "constant", fillValue: 9 }),
    preprocessingLayers.randomTranslation({ heightFactor: 0.3, widthFactor: 0.4, fillMode: "wrap", interpolation: "nearest" }),
    preprocessingLayers.randomContrast({ factor: [0.5, 0.5] }),
  ];

  it("pass images through unchanged at inference, and transform them while training, per sample, by seed and step", () => {
    for (const layer of all()) {
      const h = new Harness(core, layer, 4);
      expect(Array.from(h.forward(x, false, 1, 0)), layer.className).toEqual(Array.from(x));
      const a = h.forward(x, true, 1, 0);
      expect(Array.from(a), layer.className).not.toEqual(Array.from(x));
      expect(Array.from(h.forward(x, true, 1, 0)), `${layer.className}: same seed and step`).toEqual(Array.from(a));
      expect(Array.from(h.forward(x, true, 1, 1)), `${layer.className}: next step`).not.toEqual(Array.from(a));
      expect(Array.from(h.forward(x, true, 2, 0)), `${layer.className}: other seed`).not.toEqual(Array.from(a));
    }
    // Each sample's draw depends on its batch position only: a shard at offset 2 draws what samples 2 and 3 drew.
    const whole = new Harness(core, preprocessingLayers.randomRotation({ factor: 0.3 }), 4);
    const full = whole.forward(x, true, 5, 9);
    const shard = new Harness(core, preprocessingLayers.randomRotation({ factor: 0.3 }), 2);
    shard.layer.offset = 2;
    expect(Array.from(shard.forward(x.subarray(2 * SIZE), true, 5, 9))).toEqual(Array.from(full.subarray(2 * SIZE)));
    // A layer seed overrides fit's.
    const fixed = new Harness(core, preprocessingLayers.randomRotation({ factor: 0.3, seed: 7 }), 4);
    expect(Array.from(fixed.forward(x, true, 1, 3))).toEqual(Array.from(fixed.forward(x, true, 99, 3)));
  });

  it("draw within Keras's ranges: angles, zooms, shifts, contrast factors, flip odds", () => {
    const draws = (layer: RandomImageLayer, count: number): Float32Array => {
      const h = new Harness(core, layer, count, false);
      h.forward(new Float32Array(count * SIZE), true, 3, 0);
      return core.read(h.bufs.f32!);
    };
    const rot = draws(preprocessingLayers.randomRotation({ factor: [-0.1, 0.05] }), 400);
    const angles = Array.from({ length: 400 }, (_, i) => (Math.atan2(rot[i * 6 + 3]!, rot[i * 6]!) * 180) / Math.PI);
    expect(Math.min(...angles)).toBeGreaterThanOrEqual(-36.001);
    expect(Math.max(...angles)).toBeLessThanOrEqual(18.001);
    expect(Math.min(...angles)).toBeLessThan(-30);
    const zoom = draws(preprocessingLayers.randomZoom({ heightFactor: 0.2 }), 400);
    for (let i = 0; i < 400; i++) {
      expect(zoom[i * 6]).toBe(zoom[i * 6 + 4]); // no widthFactor: the same zoom both ways
      expect(zoom[i * 6]! >= 0.8 && zoom[i * 6]! <= 1.2).toBe(true);
    }
    const contrast = draws(preprocessingLayers.randomContrast({ factor: 0.3 }), 400);
    // Keras 3.15: a single factor gives [1, 1 + f].
    expect(Math.min(...contrast)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...contrast)).toBeLessThanOrEqual(1.3);
    const flips = draws(preprocessingLayers.randomFlip(), 400);
    const flipped = flips.reduce((s, v) => s + v, 0);
    expect(flipped > 150 && flipped < 250).toBe(true);
  });

  it("backward is the adjoint of forward: <T x, r> = <x, T* r> for every layer and fill mode", () => {
    const next = rng(11);
    const layersToCheck = [...all(), ...(["reflect", "nearest", "constant"] as const).map((fillMode) => preprocessingLayers.randomRotation({ factor: 0.5, fillMode, fillValue: 0 }))];
    for (const layer of layersToCheck) {
      const h = new Harness(core, layer, 4);
      const r = randomArray(next, 4 * SIZE, -1, 1);
      // Contrast clips: keep the inputs where nothing is clipped, so the map is linear.
      const input = layer.className === "RandomContrast" ? randomArray(next, 4 * SIZE, 100, 150) : randomArray(next, 4 * SIZE, -1, 1);
      // A constant fill value makes the map affine: T x - T 0 is its linear part.
      const y0 = h.forward(new Float32Array(input.length), true, 4, 2);
      const y = h.forward(input, true, 4, 2);
      const dx = h.backward(r, 4, 2);
      let lhs = 0, rhs = 0;
      for (let i = 0; i < r.length; i++) { lhs += (y[i]! - y0[i]!) * r[i]!; rhs += input[i]! * dx[i]!; }
      if (layer.className === "RandomContrast") {
        // Affine, not linear (the mean is added back): compare against finite differences instead.
        const eps = 0.5;
        const j = 17;
        const bumped = input.slice(); bumped[j]! += eps;
        const y2 = h.forward(bumped, true, 4, 2);
        let diff = 0;
        for (let i = 0; i < r.length; i++) diff += (y2[i]! - y[i]!) * r[i]!;
        expect(diff / eps).toBeCloseTo(dx[j]!, 3);
      } else {
        expect(Math.abs(lhs - rhs), `${layer.className} ${JSON.stringify(layer.config)}`).toBeLessThan(1e-3 * (1 + Math.abs(lhs)));
      }
    }
  });

  it("does nothing in backward at the model's input (dx null) and trains there inside a Sequential", async () => {
    const h = new Harness(core, preprocessingLayers.randomFlip(), 4, false);
    h.forward(x, true, 1, 0);
    expect(() => h.layer.backward(core, { count: 4, training: true, learning: true, seed: 1, step: 0 }, h.bufs)).not.toThrow();
    const model = new Sequential({
      seed: 1,
      layers: [
        preprocessingLayers.randomFlip({ mode: "horizontal", inputShape: [H, W, C] }) as never,
        layers.flatten(),
        layers.dense({ units: 2, activation: "softmax" }),
      ],
    });
    model.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
    const xs = { data: x.map((v) => v / 255), shape: [4, H, W, C] };
    const ys = { data: Float32Array.from([0, 1, 0, 1]), shape: [4] };
    await model.fit(xs, ys, { epochs: 2, batchSize: 2, verbose: 0, seed: 3 });
    expect(model.activations(xs)[0]!.data).toEqual(xs.data);
  });

  it("sit after a conv layer in a functional Model: the weights' gradients match finite differences", async () => {
    const inp = input({ shape: [H, W, C] });
    const conv = layers.conv2d({ filters: 2, kernelSize: 3, padding: "same" });
    const rotated = preprocessingLayers.randomRotation({ factor: 0.4, fillMode: "reflect" }).apply(conv.apply(inp));
    const out = layers.dense({ units: 2, activation: "softmax" }).apply(layers.flatten().apply(rotated));
    const model = new Model({ inputs: inp, outputs: out, seed: 4 } as never);
    model.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
    const xs = { data: x.subarray(0, 2 * SIZE).map((v) => v / 255), shape: [2, H, W, C] };
    const ys = { data: Float32Array.from([0, 1]), shape: [2] };
    const { grads } = model.lossAndGradients(xs, ys, 6, 3);
    const weights = model.getWeights();
    const kernel = weights[0]!;
    for (const j of [0, 5, 17, 40]) {
      const h = 1e-2;
      const at = (delta: number): number => {
        const w = weights.map((t, i) => (i === 0 ? { data: Float32Array.from(t.data, (v, k) => (k === j ? v + delta : v)), shape: t.shape } : t));
        model.setWeights(w);
        return model.lossAndGradients(xs, ys, 6, 3).loss;
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(grads[j]! - numeric), `kernel[${j}] of ${kernel.data.length}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
    }
    model.setWeights(weights);
  });
});
