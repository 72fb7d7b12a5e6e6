/**
 * A stand-in LeNet-5 in plain TypeScript, for the demo until simdnet's own model API
 * (Sequential, lenet5, fit) is on this branch. Same layers, layouts, initialisation and
 * optimizer as SPEC.md's LeNet-5, so the page looks the same when simdnet replaces it:
 *
 *   conv2d 5x5x6 same relu, avgpool 2, conv2d 5x5x16 valid relu, avgpool 2, flatten,
 *   dense 120 relu, dense 84 relu, dense 10 softmax  (61,706 parameters)
 *
 * Loops are naive (images NHWC, kernels [kh, kw, inC, outC], dense [inputs, units]); it is
 * meant to be read and to be replaced, not to be fast.
 */
import { Random } from "../../../ts/random.js";
import { outputLength, axisPadding } from "../../../ts/shapes.js";
import type { Tensor } from "../../../ts/tensor.js";
import type { Callbacks, DemoModel, FitOptions, Logs } from "./demo_model.js";

interface Param {
  readonly shape: number[];
  readonly value: Float32Array;
  readonly grad: Float32Array;
  readonly m: Float32Array; // Adam's first moment
  readonly v: Float32Array; // Adam's second moment
}

interface Layer {
  readonly name: string;
  readonly type: string;
  readonly outShape: number[]; // per sample
  readonly params: Param[];
  forward(x: Float32Array, n: number): Float32Array;
  /** Gradient wrt the input, or null for the first layer (nobody needs it). */
  backward(dy: Float32Array, n: number): Float32Array | null;
  /** The arithmetic of this row of the summary. */
  explain(): string[];
}

const fmt = (n: number): string => n.toLocaleString("en-US");
const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function param(shape: number[], init: (i: number) => number): Param {
  const n = size(shape);
  return { shape, value: Float32Array.from({ length: n }, (_, i) => init(i)), grad: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
}

function glorot(rng: Random, fanIn: number, fanOut: number): () => number {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return () => rng.uniform(-limit, limit);
}

/** Conv2D, stride 1, fused relu. */
class Conv2d implements Layer {
  readonly type = "Conv2D";
  readonly outShape: number[];
  readonly params: Param[];
  private readonly pad: number;
  private x: Float32Array = new Float32Array(0);
  private y: Float32Array = new Float32Array(0);

  constructor(readonly name: string, private readonly inShape: number[], private readonly k: number, filters: number, private readonly padding: "same" | "valid", rng: Random, private readonly needsDx: boolean) {
    const [h, w, c] = inShape;
    this.pad = axisPadding(h, k, 1, padding).before;
    this.outShape = [outputLength(h, k, 1, padding), outputLength(w, k, 1, padding), filters];
    this.params = [param([k, k, c, filters], glorot(rng, k * k * c, k * k * filters)), param([filters], () => 0)];
  }

  forward(x: Float32Array, n: number): Float32Array {
    const [inH, inW, inC] = this.inShape;
    const [outH, outW, outC] = this.outShape;
    const [w, b] = [this.params[0].value, this.params[1].value];
    const y = new Float32Array(n * outH * outW * outC);
    for (let s = 0; s < n; s++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const o = ((s * outH + oy) * outW + ox) * outC;
          y.set(b, o);
          for (let ky = 0; ky < this.k; ky++) {
            const iy = oy + ky - this.pad;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < this.k; kx++) {
              const ix = ox + kx - this.pad;
              if (ix < 0 || ix >= inW) continue;
              const xi = ((s * inH + iy) * inW + ix) * inC;
              for (let ci = 0; ci < inC; ci++) {
                const xv = x[xi + ci];
                if (xv === 0) continue;
                const wb = ((ky * this.k + kx) * inC + ci) * outC;
                for (let co = 0; co < outC; co++) y[o + co] += xv * w[wb + co];
              }
            }
          }
          for (let co = 0; co < outC; co++) if (y[o + co] < 0) y[o + co] = 0;
        }
      }
    }
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Float32Array, n: number): Float32Array | null {
    const [inH, inW, inC] = this.inShape;
    const [outH, outW, outC] = this.outShape;
    const [w, dw, db] = [this.params[0].value, this.params[0].grad, this.params[1].grad];
    const dx = this.needsDx ? new Float32Array(this.x.length) : null;
    const g = new Float32Array(outC); // dy at one pixel, through the relu
    for (let s = 0; s < n; s++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const o = ((s * outH + oy) * outW + ox) * outC;
          for (let co = 0; co < outC; co++) g[co] = this.y[o + co] > 0 ? dy[o + co] : 0;
          for (let co = 0; co < outC; co++) db[co] += g[co];
          for (let ky = 0; ky < this.k; ky++) {
            const iy = oy + ky - this.pad;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < this.k; kx++) {
              const ix = ox + kx - this.pad;
              if (ix < 0 || ix >= inW) continue;
              const xi = ((s * inH + iy) * inW + ix) * inC;
              for (let ci = 0; ci < inC; ci++) {
                const xv = this.x[xi + ci];
                const wb = ((ky * this.k + kx) * inC + ci) * outC;
                let acc = 0;
                for (let co = 0; co < outC; co++) {
                  dw[wb + co] += xv * g[co];
                  acc += w[wb + co] * g[co];
                }
                if (dx) dx[xi + ci] += acc;
              }
            }
          }
        }
      }
    }
    return dx;
  }

  explain(): string[] {
    const [h, , c] = this.inShape;
    const [oh, ow, f] = this.outShape;
    const ins = size(this.inShape);
    const outs = oh * ow * f;
    return [
      `output: (${h} + 2*${this.pad} - ${this.k})/1 + 1 = ${oh}   (${this.padding} padding)`,
      `params: (${this.k}*${this.k}*${c} + 1) * ${f} = ${fmt((this.k * this.k * c + 1) * f)}`,
      `a dense layer from ${fmt(ins)} inputs to ${fmt(outs)} outputs would need ${fmt((ins + 1) * outs)} (parameter sharing)`,
      `each output reads ${this.k * this.k * c} of ${fmt(ins)} inputs (sparse connections)`,
    ];
  }
}

/** AveragePooling2D, 2x2 windows, stride 2. */
class AvgPool2 implements Layer {
  readonly type = "AveragePooling2D";
  readonly outShape: number[];
  readonly params: Param[] = [];

  constructor(readonly name: string, private readonly inShape: number[]) {
    const [h, w, c] = inShape;
    this.outShape = [Math.floor(h / 2), Math.floor(w / 2), c];
  }

  forward(x: Float32Array, n: number): Float32Array {
    const [, inW, c] = this.inShape;
    const [outH, outW] = this.outShape;
    const y = new Float32Array(n * size(this.outShape));
    for (let s = 0; s < n; s++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          for (let ch = 0; ch < c; ch++) {
            const at = (dy: number, dx: number) => x[((s * this.inShape[0] + 2 * oy + dy) * inW + 2 * ox + dx) * c + ch];
            y[((s * outH + oy) * outW + ox) * c + ch] = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
          }
        }
      }
    }
    return y;
  }

  backward(dy: Float32Array, n: number): Float32Array {
    const [inH, inW, c] = this.inShape;
    const [outH, outW] = this.outShape;
    const dx = new Float32Array(n * inH * inW * c);
    for (let s = 0; s < n; s++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          for (let ch = 0; ch < c; ch++) {
            const g = dy[((s * outH + oy) * outW + ox) * c + ch] / 4;
            for (let d = 0; d < 4; d++) dx[((s * inH + 2 * oy + (d >> 1)) * inW + 2 * ox + (d & 1)) * c + ch] = g;
          }
        }
      }
    }
    return dx;
  }

  explain(): string[] {
    return [`output: (${this.inShape[0]} - 2)/2 + 1 = ${this.outShape[0]}`, "params: 0 (a fixed average)"];
  }
}

/** Flatten: NHWC rows are already flat in memory. */
class Flatten implements Layer {
  readonly type = "Flatten";
  readonly params: Param[] = [];
  readonly outShape: number[];
  constructor(readonly name: string, private readonly inShape: number[]) {
    this.outShape = [size(inShape)];
  }
  forward(x: Float32Array): Float32Array {
    return x;
  }
  backward(dy: Float32Array): Float32Array {
    return dy;
  }
  explain(): string[] {
    return [`output: ${this.inShape.join("*")} = ${this.outShape[0]}`];
  }
}

/**
 * Dense with relu or softmax. For softmax, backward receives the gradient wrt the
 * logits (softmax and cross-entropy are differentiated together by the loss).
 */
class Dense implements Layer {
  readonly type = "Dense";
  readonly outShape: number[];
  readonly params: Param[];
  private x: Float32Array = new Float32Array(0);
  private y: Float32Array = new Float32Array(0);

  constructor(readonly name: string, private readonly inputs: number, private readonly units: number, private readonly activation: "relu" | "softmax", rng: Random) {
    this.outShape = [units];
    this.params = [param([inputs, units], glorot(rng, inputs, units)), param([units], () => 0)];
  }

  forward(x: Float32Array, n: number): Float32Array {
    const [w, b] = [this.params[0].value, this.params[1].value];
    const { inputs, units } = this;
    const y = new Float32Array(n * units);
    for (let s = 0; s < n; s++) {
      const row = y.subarray(s * units, (s + 1) * units);
      row.set(b);
      for (let i = 0; i < inputs; i++) {
        const xv = x[s * inputs + i];
        if (xv === 0) continue;
        for (let u = 0; u < units; u++) row[u] += xv * w[i * units + u];
      }
      if (this.activation === "relu") {
        for (let u = 0; u < units; u++) if (row[u] < 0) row[u] = 0;
      } else {
        const max = Math.max(...row);
        let sum = 0;
        for (let u = 0; u < units; u++) sum += row[u] = Math.exp(row[u] - max);
        for (let u = 0; u < units; u++) row[u] /= sum;
      }
    }
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Float32Array, n: number): Float32Array {
    const [w, dw, db] = [this.params[0].value, this.params[0].grad, this.params[1].grad];
    const { inputs, units } = this;
    const dx = new Float32Array(n * inputs);
    for (let s = 0; s < n; s++) {
      const g = new Float32Array(units);
      for (let u = 0; u < units; u++) {
        g[u] = this.activation === "softmax" || this.y[s * units + u] > 0 ? dy[s * units + u] : 0;
        db[u] += g[u];
      }
      for (let i = 0; i < inputs; i++) {
        const xv = this.x[s * inputs + i];
        let acc = 0;
        for (let u = 0; u < units; u++) {
          dw[i * units + u] += xv * g[u];
          acc += w[i * units + u] * g[u];
        }
        dx[s * inputs + i] = acc;
      }
    }
    return dx;
  }

  explain(): string[] {
    return [`params: (${this.inputs} + 1) * ${this.units} = ${fmt((this.inputs + 1) * this.units)}`];
  }
}

/** Adam with Keras's defaults (1e-3, 0.9, 0.999, 1e-7). */
function adamStep(params: Param[], step: number, lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-7): void {
  const lrT = (lr * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
  for (const p of params) {
    for (let i = 0; i < p.value.length; i++) {
      const g = p.grad[i];
      p.m[i] = beta1 * p.m[i] + (1 - beta1) * g;
      p.v[i] = beta2 * p.v[i] + (1 - beta2) * g * g;
      p.value[i] -= (lrT * p.m[i]) / (Math.sqrt(p.v[i]) + eps);
    }
    p.grad.fill(0);
  }
}

/** The stand-in model; see the file comment. */
export class PlainLenet5 implements DemoModel {
  stopTraining = false;
  private readonly layers: Layer[];
  private readonly rng: Random;
  private step = 0;

  constructor(seed: number) {
    this.rng = new Random(seed);
    const conv1 = new Conv2d("conv2d", [28, 28, 1], 5, 6, "same", this.rng, false);
    const pool1 = new AvgPool2("average_pooling2d", conv1.outShape);
    const conv2 = new Conv2d("conv2d_1", pool1.outShape, 5, 16, "valid", this.rng, true);
    const pool2 = new AvgPool2("average_pooling2d_1", conv2.outShape);
    const flat = new Flatten("flatten", pool2.outShape);
    const d1 = new Dense("dense", flat.outShape[0], 120, "relu", this.rng);
    const d2 = new Dense("dense_1", 120, 84, "relu", this.rng);
    const d3 = new Dense("dense_2", 84, 10, "softmax", this.rng);
    this.layers = [conv1, pool1, conv2, pool2, flat, d1, d2, d3];
  }

  private get params(): Param[] {
    return this.layers.flatMap((l) => l.params);
  }

  private forwardAll(x: Float32Array, n: number): Float32Array[] {
    const outs: Float32Array[] = [];
    let a = x;
    for (const layer of this.layers) outs.push((a = layer.forward(a, n)));
    return outs;
  }

  /** Mean cross-entropy and number correct of softmax rows `p` against labels; writes dlogits. */
  private static loss(p: Float32Array, labels: ArrayLike<number>, n: number, dlogits: Float32Array | null): { loss: number; correct: number } {
    let loss = 0;
    let correct = 0;
    for (let s = 0; s < n; s++) {
      const row = p.subarray(s * 10, s * 10 + 10);
      const label = labels[s];
      loss -= Math.log(Math.max(row[label], 1e-7));
      if (row.indexOf(Math.max(...row)) === label) correct++;
      if (dlogits) for (let c = 0; c < 10; c++) dlogits[s * 10 + c] = (row[c] - (c === label ? 1 : 0)) / n;
    }
    return { loss: loss / n, correct };
  }

  async fit(x: Tensor, y: Tensor, options: FitOptions): Promise<unknown> {
    const n = x.shape[0];
    const nVal = Math.floor(n * options.validationSplit);
    const nTrain = n - nVal; // like Keras: the last fraction validates, before shuffling
    const pixels = 784;
    const order = Array.from({ length: nTrain }, (_, i) => i);
    const batches = Math.ceil(nTrain / options.batchSize);
    const each = async (fn: (cb: Callbacks) => void | Promise<void>) => {
      for (const cb of options.callbacks) await fn(cb);
    };
    this.stopTraining = false;
    for (let epoch = 0; epoch < options.epochs && !this.stopTraining; epoch++) {
      if (options.shuffle) this.rng.shuffle(order);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batches && !this.stopTraining; b++) {
        const idx = order.slice(b * options.batchSize, (b + 1) * options.batchSize);
        const xb = new Float32Array(idx.length * pixels);
        idx.forEach((i, k) => xb.set(x.data.subarray(i * pixels, (i + 1) * pixels), k * pixels));
        const labels = idx.map((i) => y.data[i]);
        const outs = this.forwardAll(xb, idx.length);
        let grad: Float32Array | null = new Float32Array(idx.length * 10);
        const r = PlainLenet5.loss(outs[outs.length - 1], labels, idx.length, grad);
        for (let l = this.layers.length - 1; l >= 0 && grad; l--) grad = this.layers[l].backward(grad, idx.length);
        adamStep(this.params, ++this.step);
        lossSum += r.loss * idx.length;
        correct += r.correct;
        seen += idx.length;
        await each((cb) => cb.onBatchEnd?.(b, { loss: lossSum / seen, accuracy: correct / seen }));
      }
      const logs: Logs = { loss: lossSum / Math.max(seen, 1), accuracy: correct / Math.max(seen, 1) };
      if (nVal > 0) {
        const p = this.predict({ data: x.data.subarray(nTrain * pixels), shape: [nVal, 28, 28, 1] });
        const r = PlainLenet5.loss(p.data, y.data.subarray(nTrain), nVal, null);
        logs.val_loss = r.loss;
        logs.val_accuracy = r.correct / nVal;
      }
      await each((cb) => cb.onEpochEnd?.(epoch, logs));
    }
    return {};
  }

  predict(x: Tensor): Tensor {
    const n = x.shape[0];
    const out = new Float32Array(n * 10);
    for (let s = 0; s < n; s += 256) {
      const m = Math.min(256, n - s);
      const outs = this.forwardAll(x.data.subarray(s * 784, (s + m) * 784), m);
      out.set(outs[outs.length - 1], s * 10);
    }
    return { data: out, shape: [n, 10] };
  }

  activations(x: Tensor): Tensor[] {
    const n = x.shape[0];
    return this.forwardAll(x.data, n).map((data, i) => ({ data: data.slice(), shape: [n, ...this.layers[i].outShape] }));
  }

  getWeights(): Tensor[] {
    return this.params.map((p) => ({ data: p.value.slice(), shape: [...p.shape] }));
  }

  summary(options: { explain: boolean }): string {
    const rule = "_".repeat(65);
    const col = (text: string, width: number) => (text.length < width ? text.padEnd(width) : `${text} `);
    const row = (a: string, b: string, c: string) => ` ${col(a, 28)}${col(b, 26)}${c}`;
    const lines = ['Model: "lenet5 (plain TypeScript stand-in)"', rule, row("Layer (type)", "Output Shape", "Param #"), "=".repeat(65)];
    this.layers.forEach((l, i) => {
      if (i > 0) lines.push("");
      const count = l.params.reduce((s, p) => s + p.value.length, 0);
      lines.push(row(`${l.name} (${l.type})`, `(None, ${l.outShape.join(", ")})`, fmt(count)));
      if (options.explain) for (const e of l.explain()) lines.push(`     ${e}`);
    });
    const total = fmt(this.params.reduce((s, p) => s + p.value.length, 0));
    lines.push("=".repeat(65), `Total params: ${total}`, `Trainable params: ${total}`, "Non-trainable params: 0", rule);
    return lines.join("\n");
  }
}
