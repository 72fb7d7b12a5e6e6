/**
 * Every backward kernel of the dense, activation and loss families against central
 * finite differences taken through the forward kernels themselves (f32, on both builds).
 * A scalar objective makes each check one comparison: layers use L = sum(r * y) for a
 * random r (so dL/dy = r), losses their own returned value.
 */
import { it } from "vitest";
import { ACTIVATION_KINDS, activationBackward, activationForward } from "../../ts/kernels/activation.js";
import { denseBackward, denseForward } from "../../ts/kernels/dense.js";
import { categoricalCrossEntropy, meanSquaredError, softmaxCrossEntropy } from "../../ts/kernels/loss.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, randomInt, rng } from "../helpers/random.js";

const H = 1e-2;
const RTOL = 2e-2;
const ATOL = 2e-3;

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(data.length);
  core.write(buf, data);
  return buf;
}

/** sum(r * y) in double precision. */
function dot(r: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i]! * y[i]!;
  return s;
}

/**
 * Central differences of `objective` with respect to every element of `param`: each is
 * nudged by +-H in wasm memory, then restored.
 */
function numericGradient(core: WasmCore, param: WasmBuffer, objective: () => number): Float64Array {
  const base = core.read(param);
  const grad = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    core.f32(param)[i] = base[i]! + H;
    const up = objective();
    core.f32(param)[i] = base[i]! - H;
    const down = objective();
    core.f32(param)[i] = base[i]!;
    grad[i] = (up - down) / (2 * H);
  }
  return grad;
}

describeEachCore("gradients: dense, activations, losses", (getCore) => {
  it("dense dx, dw and db match finite differences", () => {
    const core = getCore();
    const next = rng(50);
    for (const [batch, inputs, units] of [[1, 3, 2], [4, 5, 3], [3, 1, 7]] as const) {
      const x = upload(core, randomArray(next, batch * inputs));
      const w = upload(core, randomArray(next, inputs * units));
      const b = upload(core, randomArray(next, units));
      const r = randomArray(next, batch * units);
      const [y, dy, dx, dw, db] = [core.alloc(batch * units), upload(core, r), core.alloc(batch * inputs), core.alloc(inputs * units), core.alloc(units)];
      const objective = (): number => {
        denseForward(core, batch, inputs, units, x, w, b, y);
        return dot(r, core.read(y));
      };
      denseBackward(core, batch, inputs, units, x, w, dy, dx, dw, db);
      const what = `dense ${batch}x${inputs}->${units}`;
      expectClose(core.read(dx), numericGradient(core, x, objective), `${what} dx`, RTOL, ATOL);
      expectClose(core.read(dw), numericGradient(core, w, objective), `${what} dw`, RTOL, ATOL);
      expectClose(core.read(db), numericGradient(core, b, objective), `${what} db`, RTOL, ATOL);
      for (const buf of [x, w, b, y, dy, dx, dw, db]) core.free(buf);
    }
  });

  for (const kind of ACTIVATION_KINDS) {
    it(`${kind} backward matches finite differences`, () => {
      const core = getCore();
      const next = rng(60 + ACTIVATION_KINDS.indexOf(kind));
      for (const [rows, cols] of [[1, 1], [3, 4], [2, 7]] as const) {
        // Keep inputs at least 0.1 from 0, so no difference straddles relu's kink.
        const xa = randomArray(next, rows * cols, 0.1, 2).map((v) => (next() < 0.5 ? -v : v));
        const r = randomArray(next, rows * cols);
        const [x, y, d] = [upload(core, xa), core.alloc(xa.length), core.alloc(xa.length)];
        const forward = (): void => {
          core.write(y, core.read(x));
          activationForward(core, kind, rows, cols, y);
        };
        forward();
        core.write(d, r);
        activationBackward(core, kind, rows, cols, y, d);
        const numeric = numericGradient(core, x, () => {
          forward();
          return dot(r, core.read(y));
        });
        expectClose(core.read(d), numeric, `${kind} ${rows}x${cols}`, RTOL, ATOL);
        for (const buf of [x, y, d]) core.free(buf);
      }
    });
  }

  it("softmax cross-entropy dlogits matches finite differences", () => {
    const core = getCore();
    const next = rng(70);
    for (const [batch, classes] of [[1, 2], [4, 5], [3, 10]] as const) {
      const labels = upload(core, oneHot(next, batch, classes));
      const logits = upload(core, randomArray(next, batch * classes, -3, 3));
      const [probs, d, scratch] = [core.alloc(batch * classes), core.alloc(batch * classes), core.alloc(batch * classes)];
      softmaxCrossEntropy(core, batch, classes, logits, labels, probs, d);
      const numeric = numericGradient(core, logits, () => softmaxCrossEntropy(core, batch, classes, logits, labels, probs, scratch));
      expectClose(core.read(d), numeric, `softmaxCrossEntropy ${batch}x${classes}`, RTOL, ATOL);
      for (const buf of [labels, logits, probs, d, scratch]) core.free(buf);
    }
  });

  it("categorical cross-entropy dprobs matches finite differences (unnormalized rows too)", () => {
    const core = getCore();
    const next = rng(71);
    for (const [batch, classes] of [[1, 2], [4, 5], [3, 10]] as const) {
      const labels = upload(core, oneHot(next, batch, classes));
      // Values in [0.5, 1.5]: every normalized value stays well inside the clip range.
      const probs = upload(core, randomArray(next, batch * classes, 0.5, 1.5));
      const [d, scratch] = [core.alloc(batch * classes), core.alloc(batch * classes)];
      categoricalCrossEntropy(core, batch, classes, probs, labels, d);
      const numeric = numericGradient(core, probs, () => categoricalCrossEntropy(core, batch, classes, probs, labels, scratch));
      expectClose(core.read(d), numeric, `categoricalCrossEntropy ${batch}x${classes}`, RTOL, ATOL);
      for (const buf of [labels, probs, d, scratch]) core.free(buf);
    }
  });

  it("mean squared error dpred matches finite differences", () => {
    const core = getCore();
    const next = rng(72);
    for (const [batch, width] of [[1, 1], [4, 3], [2, 9]] as const) {
      const target = upload(core, randomArray(next, batch * width));
      const pred = upload(core, randomArray(next, batch * width));
      const [d, scratch] = [core.alloc(batch * width), core.alloc(batch * width)];
      meanSquaredError(core, batch, width, pred, target, d);
      const numeric = numericGradient(core, pred, () => meanSquaredError(core, batch, width, pred, target, scratch));
      expectClose(core.read(d), numeric, `meanSquaredError ${batch}x${width}`, RTOL, ATOL);
      for (const buf of [target, pred, d, scratch]) core.free(buf);
    }
  });
});

function oneHot(next: () => number, batch: number, classes: number): Float32Array {
  const y = new Float32Array(batch * classes);
  for (let r = 0; r < batch; r++) y[r * classes + randomInt(next, 0, classes - 1)] = 1;
  return y;
}

it("finite differences here can fail: a gradient off by a factor is caught", () => {
  const wrong = [0.2, -0.1];
  const right = [0.1, -0.05];
  let failed = false;
  try {
    expectClose(wrong, right, "deliberately wrong", RTOL, ATOL);
  } catch {
    failed = true;
  }
  if (!failed) throw new Error("the tolerance is too loose to catch a factor-2 error");
});
