import { describe, expect, it } from "vitest";
import { adamUpdate, rmspropUpdate, sgdUpdate } from "../../ts/kernels/optim.js";
import type { WasmBuffer, WasmCore } from "../../ts/wasm/core.js";
import { createCore } from "../../ts/wasm/loader.js";
import { expectClose } from "../helpers/assert.js";
import { describeEachCore } from "../helpers/cores.js";
import { randomArray, rng } from "../helpers/random.js";
import { adamReference, rmspropReference, sgdReference } from "../reference/optim.js";

const SIZES = [1, 3, 4, 7, 64, 131, 1000];
const STEPS = 5;

function upload(core: WasmCore, data: ArrayLike<number>): WasmBuffer {
  const buf = core.alloc(data.length);
  core.write(buf, data);
  return buf;
}

/** Allocates `count` buffers of `n` zeros, runs `body` with them, frees them. */
function withBuffers(core: WasmCore, n: number, count: number, body: (bufs: WasmBuffer[]) => void): void {
  const bufs = Array.from({ length: count }, () => core.alloc(n));
  try {
    body(bufs);
  } finally {
    for (const b of bufs) core.free(b);
  }
}

describeEachCore("optim kernels", (getCore) => {
  it("a step that would write a NaN or an infinity anywhere writes nothing and returns false", () => {
    const core = getCore();
    const next = rng(9);
    // kind: 0 sgd, 1 sgd + nesterov momentum, 2 adam, 3 rmsprop + momentum, 4 rmsprop.
    const step = (kind: number, n: number, b: WasmBuffer[]): boolean => {
      const [p, g, s1, s2] = b as [WasmBuffer, WasmBuffer, WasmBuffer, WasmBuffer];
      if (kind === 0) return sgdUpdate(core, n, p, g, null, 0.1, 0, false);
      if (kind === 1) return sgdUpdate(core, n, p, g, s1, 0.1, 0.9, true);
      if (kind === 2) return adamUpdate(core, n, p, g, s1, s2, 0.01, 0.9, 0.999, 1e-7, 3);
      if (kind === 3) return rmspropUpdate(core, n, p, g, s1, s2, 0.01, 0.9, 0.5, 1e-7);
      return rmspropUpdate(core, n, p, g, s1, null, 0.01, 0.9, 0, 1e-7);
    };
    for (let kind = 0; kind < 5; kind++) {
      for (const n of [1, 3, 4, 7, 9, 64, 131]) {
        // Every position: the SIMD body and the scalar tail each hold the bad value somewhere.
        for (const at of new Set([0, 1, 2, 3, Math.floor(n / 2), n - 1].filter((i) => i < n))) {
          for (const bad of [NaN, Infinity, -Infinity, 3e38]) {
            withBuffers(core, n, 4, (b) => {
              const good = randomArray(next, n);
              core.write(b[0]!, randomArray(next, n));
              core.write(b[2]!, randomArray(next, n).map(Math.abs));
              core.write(b[3]!, randomArray(next, n).map(Math.abs));
              const g = Float32Array.from(good);
              g[at] = bad;
              core.write(b[1]!, g);
              const before = [0, 2, 3].map((i) => Array.from(new Uint32Array(core.read(b[i]!).buffer)));
              const applied = step(kind, n, b);
              // 3e38 is finite and plain or momentum SGD at lr 0.1 keeps it so; Adam and RMSprop square it.
              expect(applied, `kind ${kind} n ${n} at ${at} bad ${bad}`).toBe(bad === 3e38 && kind <= 1);
              if (!applied) {
                const after = [0, 2, 3].map((i) => Array.from(new Uint32Array(core.read(b[i]!).buffer)));
                expect(after, `kind ${kind} n ${n} at ${at}: a refused step wrote`).toEqual(before);
              }
              core.write(b[1]!, good);
              expect(step(kind, n, b), `kind ${kind} n ${n}: a good step was refused`).toBe(true);
            });
          }
        }
      }
    }
  });

  it("adam refuses a step from a negative second moment (damaged state) and sgd one that overflows", () => {
    const core = getCore();
    withBuffers(core, 9, 4, ([p, g, m, v]) => {
      core.write(p!, new Float32Array(9).fill(0.5));
      core.write(g!, new Float32Array(9).fill(0.1));
      core.write(v!, Float32Array.from({ length: 9 }, (_, i) => (i === 8 ? -1 : 0.01)));
      expect(adamUpdate(core, 9, p!, g!, m!, v!, 0.001, 0.9, 0.999, 1e-7, 1)).toBe(false);
      expect(Array.from(core.read(p!))).toEqual(new Array(9).fill(0.5));
      core.write(g!, new Float32Array(9).fill(1e30));
      expect(sgdUpdate(core, 9, p!, g!, null, 1e10, 0, false)).toBe(false);
      expect(Array.from(core.read(p!))).toEqual(new Array(9).fill(0.5));
    });
  });

  it("sgd matches the reference with and without (Nesterov) momentum", () => {
    const core = getCore();
    const next = rng(1);
    for (const n of SIZES) {
      for (const [momentum, nesterov, withVelocity] of [[0, false, false], [0.9, false, true], [0.8, true, true], [0, true, true]] as const) {
        withBuffers(core, n, 3, ([params, grads, velocity]) => {
          const p = randomArray(next, n);
          core.write(params!, p);
          const pRef = Float64Array.from(p);
          const velRef = withVelocity ? new Float64Array(n) : null;
          for (let s = 0; s < STEPS; s++) {
            const g = randomArray(next, n);
            core.write(grads!, g);
            sgdUpdate(core, n, params!, grads!, withVelocity ? velocity! : null, 0.05, momentum, nesterov);
            sgdReference(pRef, g, velRef, 0.05, momentum, nesterov);
          }
          const what = `sgd n=${n} momentum=${momentum} nesterov=${nesterov}`;
          expectClose(core.read(params!), pRef, `${what} params`, 1e-5, 1e-6);
          if (velRef) expectClose(core.read(velocity!), velRef, `${what} velocity`, 1e-5, 1e-6);
        });
      }
    }
  });

  it("adam matches the reference over several steps", () => {
    const core = getCore();
    const next = rng(2);
    for (const n of SIZES) {
      withBuffers(core, n, 4, ([params, grads, m, v]) => {
        const p = randomArray(next, n);
        core.write(params!, p);
        const [pRef, mRef, vRef] = [Float64Array.from(p), new Float64Array(n), new Float64Array(n)];
        for (let step = 1; step <= STEPS; step++) {
          const g = randomArray(next, n);
          core.write(grads!, g);
          adamUpdate(core, n, params!, grads!, m!, v!, 0.01, 0.9, 0.999, 1e-7, step);
          adamReference(pRef, g, mRef, vRef, 0.01, 0.9, 0.999, 1e-7, step);
        }
        expectClose(core.read(m!), mRef, `adam n=${n} m`, 1e-5, 1e-7);
        expectClose(core.read(v!), vRef, `adam n=${n} v`, 1e-4, 1e-9);
        expectClose(core.read(params!), pRef, `adam n=${n} params`, 1e-5, 1e-6);
      });
    }
  });

  it("rmsprop matches the reference with and without momentum", () => {
    const core = getCore();
    const next = rng(3);
    for (const n of SIZES) {
      for (const momentum of [0, 0.5]) {
        withBuffers(core, n, 4, ([params, grads, ms, velocity]) => {
          const p = randomArray(next, n);
          core.write(params!, p);
          const [pRef, msRef] = [Float64Array.from(p), new Float64Array(n)];
          const velRef = momentum > 0 ? new Float64Array(n) : null;
          for (let s = 0; s < STEPS; s++) {
            const g = randomArray(next, n);
            core.write(grads!, g);
            rmspropUpdate(core, n, params!, grads!, ms!, momentum > 0 ? velocity! : null, 0.01, 0.9, momentum, 1e-7);
            rmspropReference(pRef, g, msRef, velRef, 0.01, 0.9, momentum, 1e-7);
          }
          expectClose(core.read(ms!), msRef, `rmsprop n=${n} meanSquare`, 1e-5, 1e-9);
          if (velRef) expectClose(core.read(velocity!), velRef, `rmsprop n=${n} velocity`, 1e-5, 1e-7);
          expectClose(core.read(params!), pRef, `rmsprop n=${n} params`, 1e-5, 1e-6);
        });
      }
    }
  });

  it("updates only the first n elements of longer buffers", () => {
    const core = getCore();
    withBuffers(core, 9, 4, ([params, grads, m, v]) => {
      core.write(params!, new Array(9).fill(1));
      core.write(grads!, new Array(9).fill(0.5));
      adamUpdate(core, 6, params!, grads!, m!, v!, 0.001, 0.9, 0.999, 1e-7, 1);
      expect(Array.from(core.read(params!).slice(6))).toEqual([1, 1, 1]);
      expect(Array.from(core.read(m!).slice(6))).toEqual([0, 0, 0]);
    });
  });

  it("sgd steps match values worked by hand", () => {
    const core = getCore();
    // lr 0.1, momentum 0.9, p0 = 1, gradients 1, 2, -1:
    //   step 1: vel = 0.9*0 - 0.1*1 = -0.1;            p = 1 - 0.1 = 0.9
    //   step 2: vel = 0.9*(-0.1) - 0.1*2 = -0.29;      p = 0.9 - 0.29 = 0.61
    //   step 3: vel = 0.9*(-0.29) - 0.1*(-1) = -0.161; p = 0.61 - 0.161 = 0.449
    // Nesterov, same inputs (p += 0.9 vel - 0.1 g with the new vel):
    //   step 1: p = 1 + 0.9*(-0.1) - 0.1 = 0.81
    //   step 2: p = 0.81 + 0.9*(-0.29) - 0.2 = 0.349
    //   step 3: p = 0.349 + 0.9*(-0.161) + 0.1 = 0.3041
    // Plain SGD (Keras default lr 0.01): p = 1 - 0.01*1 - 0.01*2 + 0.01*1 = 0.98
    for (const [nesterov, expected] of [[false, [0.9, 0.61, 0.449]], [true, [0.81, 0.349, 0.3041]]] as const) {
      withBuffers(core, 1, 3, ([p, g, vel]) => {
        core.write(p!, [1]);
        [1, 2, -1].forEach((grad, i) => {
          core.write(g!, [grad]);
          sgdUpdate(core, 1, p!, g!, vel!, 0.1, 0.9, nesterov);
          expectClose(core.read(p!), [expected[i]!], `sgd nesterov=${nesterov} step ${i + 1}`, 0, 1e-6);
        });
      });
    }
    withBuffers(core, 1, 2, ([p, g]) => {
      core.write(p!, [1]);
      for (const grad of [1, 2, -1]) {
        core.write(g!, [grad]);
        sgdUpdate(core, 1, p!, g!, null, 0.01, 0, false);
      }
      expectClose(core.read(p!), [0.98], "plain sgd", 0, 1e-6);
    });
  });

  it("adam steps with Keras defaults match values worked by hand", () => {
    const core = getCore();
    // lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7, p0 = 1, gradients 0.5, -0.25, 1:
    // step 1: m = 0.1*0.5 = 0.05; v = 0.001*0.25 = 0.00025
    //         alpha = 0.001*sqrt(1 - 0.999)/(1 - 0.9) = 0.000316227766
    //         p -= alpha*0.05/(sqrt(0.00025) + 1e-7) = 0.000316228*0.05/0.0158114883 = 0.00099999368
    //         p = 0.99900000632
    // step 2: m = 0.9*0.05 + 0.1*(-0.25) = 0.02; v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225
    //         alpha = 0.001*sqrt(1 - 0.998001)/(1 - 0.81) = 0.000235316725
    //         p -= 0.000235317*0.02/(0.0176705970 + 1e-7) = 0.00026633553; p = 0.99873367079
    // step 3: m = 0.9*0.02 + 0.1*1 = 0.118; v = 0.999*0.00031225 + 0.001*1 = 0.00131193775
    //         alpha = 0.001*sqrt(1 - 0.997002999)/(1 - 0.729) = 0.000202010597
    //         p -= 0.000202011*0.118/(0.0362206812 + 1e-7) = 0.00065810978; p = 0.99807556101
    withBuffers(core, 1, 4, ([p, g, m, v]) => {
      core.write(p!, [1]);
      const expected = [
        [0.99900000632, 0.05, 0.00025],
        [0.99873367079, 0.02, 0.00031225],
        [0.99807556101, 0.118, 0.00131193775],
      ];
      [0.5, -0.25, 1].forEach((grad, i) => {
        core.write(g!, [grad]);
        adamUpdate(core, 1, p!, g!, m!, v!, 0.001, 0.9, 0.999, 1e-7, i + 1);
        const [pe, me, ve] = expected[i]!;
        expectClose(core.read(p!), [pe!], `adam step ${i + 1} p`, 0, 2e-7);
        expectClose(core.read(m!), [me!], `adam step ${i + 1} m`, 1e-6, 0);
        expectClose(core.read(v!), [ve!], `adam step ${i + 1} v`, 1e-5, 0);
      });
    });
  });

  it("rmsprop steps with Keras defaults match values worked by hand", () => {
    const core = getCore();
    // lr 0.001, rho 0.9, epsilon 1e-7, no momentum, p0 = 1, gradients 0.5, 0.5, -1:
    // step 1: ms = 0.1*0.25 = 0.025;  inc = 0.001*0.5/sqrt(0.0250001) = 0.00316227134; p = 0.99683772866
    // step 2: ms = 0.9*0.025 + 0.025 = 0.0475; inc = 0.0005/sqrt(0.0475001) = 0.00229415492
    //         p = 0.99454357374
    // step 3: ms = 0.9*0.0475 + 0.1 = 0.14275; inc = -0.001/sqrt(0.1427501) = -0.00264674310
    //         p = 0.99719031684
    // With momentum 0.5 the first step is the same (vel = inc), the second adds 0.5*vel:
    //   vel = 0.5*0.00316227134 + 0.00229415492 = 0.00387529059; p = 0.99683772866 - 0.00387529059
    withBuffers(core, 1, 4, ([p, g, ms, vel]) => {
      core.write(p!, [1]);
      const expected = [0.99683772866, 0.99454357374, 0.99719031684];
      [0.5, 0.5, -1].forEach((grad, i) => {
        core.write(g!, [grad]);
        rmspropUpdate(core, 1, p!, g!, ms!, null, 0.001, 0.9, 0, 1e-7);
        expectClose(core.read(p!), [expected[i]!], `rmsprop step ${i + 1}`, 0, 2e-7);
      });
      core.write(p!, [1]);
      core.write(ms!, [0]);
      for (const grad of [0.5, 0.5]) {
        core.write(g!, [grad]);
        rmspropUpdate(core, 1, p!, g!, ms!, vel!, 0.001, 0.9, 0.5, 1e-7);
      }
      expectClose(core.read(vel!), [0.00387529059], "rmsprop momentum velocity", 1e-5, 0);
      expectClose(core.read(p!), [0.99683772866 - 0.00387529059], "rmsprop momentum params", 0, 2e-7);
    });
  });

  it("rejects bad counts, hyper-parameters and buffers by name before changing anything", () => {
    const core = getCore();
    withBuffers(core, 4, 5, ([p, g, m, v, short]) => {
      core.write(p!, [1, 2, 3, 4]);
      const small = core.alloc(3);
      try {
        expect(() => sgdUpdate(core, 0, p!, g!, null, 0.1, 0, false)).toThrow("sgdUpdate: n must be a whole number >= 1, received 0");
        expect(() => sgdUpdate(core, 2.5, p!, g!, null, 0.1, 0, false)).toThrow("sgdUpdate: n must be a whole number >= 1, received 2.5");
        expect(() => sgdUpdate(core, 4, p!, g!, null, NaN, 0, false)).toThrow("sgdUpdate: lr must be a finite number >= 0, received NaN");
        expect(() => sgdUpdate(core, 4, p!, g!, null, 0.1, 1.5, false)).toThrow("sgdUpdate: momentum must be a finite number in [0, 1], received 1.5");
        expect(() => sgdUpdate(core, 4, p!, g!, null, 0.1, 0.9, false)).toThrow("sgdUpdate: momentum 0.9 needs a velocity buffer, received null");
        expect(() => sgdUpdate(core, 4, p!, small, null, 0.1, 0, false)).toThrow("sgdUpdate: grads holds 3 elements, expected at least 4");
        expect(() => adamUpdate(core, 4, p!, g!, m!, v!, 0.001, 1, 0.999, 1e-7, 1)).toThrow("adamUpdate: beta1 must be a number in [0, 1), received 1");
        expect(() => adamUpdate(core, 4, p!, g!, m!, v!, 0.001, 0.9, -0.1, 1e-7, 1)).toThrow("adamUpdate: beta2 must be a number in [0, 1), received -0.1");
        expect(() => adamUpdate(core, 4, p!, g!, m!, v!, 0.001, 0.9, 0.999, -1, 1)).toThrow("adamUpdate: epsilon must be a finite number >= 0, received -1");
        expect(() => adamUpdate(core, 4, p!, g!, m!, v!, 0.001, 0.9, 0.999, 1e-7, 0)).toThrow("adamUpdate: step must be a whole number from 1 to 4294967295, received 0");
        expect(() => adamUpdate(core, 4, p!, g!, m!, small, 0.001, 0.9, 0.999, 1e-7, 1)).toThrow("adamUpdate: v holds 3 elements, expected at least 4");
        expect(() => rmspropUpdate(core, 4, p!, g!, short!, null, 0.001, 1.1, 0, 1e-7)).toThrow("rmspropUpdate: rho must be a finite number in [0, 1], received 1.1");
        expect(() => rmspropUpdate(core, 4, p!, g!, short!, null, 0.001, 0.9, 0.5, 1e-7)).toThrow("rmspropUpdate: momentum 0.5 needs a velocity buffer, received null");
        expect(() => rmspropUpdate(core, 4, p!, g!, small, null, 0.001, 0.9, 0, 1e-7)).toThrow("rmspropUpdate: meanSquare holds 3 elements, expected at least 4");
        expect(Array.from(core.read(p!))).toEqual([1, 2, 3, 4]);
      } finally {
        core.free(small);
      }
    });
  });

  it("rejects buffers that overlap each other by name, before changing anything", () => {
    const core = getCore();
    const arena = core.alloc(24);
    core.write(arena, Array.from({ length: 24 }, (_, i) => i));
    const at = (offset: number) => arena.subarray(offset, 4);
    const message = "share memory; an output must not overlap another argument";
    expect(() => sgdUpdate(core, 4, at(0), at(3), null, 0.1, 0, false)).toThrow(`sgdUpdate: params and grads ${message}`);
    expect(() => sgdUpdate(core, 4, at(0), at(4), at(7), 0.1, 0.9, false)).toThrow(`sgdUpdate: grads and velocity ${message}`);
    expect(() => adamUpdate(core, 4, at(0), at(4), at(8), at(8), 0.001, 0.9, 0.999, 1e-7, 1)).toThrow(`adamUpdate: m and v ${message}`);
    expect(() => adamUpdate(core, 4, at(0), at(4), at(2), at(12), 0.001, 0.9, 0.999, 1e-7, 1)).toThrow(`adamUpdate: params and m ${message}`);
    expect(() => rmspropUpdate(core, 4, at(0), at(4), at(8), at(11), 0.001, 0.9, 0.5, 1e-7)).toThrow(`rmspropUpdate: meanSquare and velocity ${message}`);
    expect(() => rmspropUpdate(core, 4, at(0), at(4), at(4), null, 0.001, 0.9, 0, 1e-7)).toThrow(`rmspropUpdate: grads and meanSquare ${message}`);
    expect(Array.from(core.read(arena))).toEqual(Array.from({ length: 24 }, (_, i) => i));
    core.free(arena);
  });
});

describe("optim kernels: SIMD and scalar builds agree bit for bit", () => {
  it("gives identical parameters and state for every optimizer", async () => {
    const cores = [await createCore("simd"), await createCore("scalar")];
    const next = rng(4);
    const n = 37;
    const p0 = randomArray(next, n);
    const grads = Array.from({ length: 3 }, () => randomArray(next, n));
    const results = cores.map((core) => {
      const [p, g, a, b] = [upload(core, p0), core.alloc(n), core.alloc(n), core.alloc(n)];
      const out: number[][] = [];
      grads.forEach((grad, i) => {
        core.write(g, grad);
        adamUpdate(core, n, p, g, a, b, 0.01, 0.9, 0.999, 1e-7, i + 1);
        sgdUpdate(core, n, p, g, a, 0.01, 0.9, true);
        rmspropUpdate(core, n, p, g, b, a, 0.01, 0.9, 0.5, 1e-7);
      });
      out.push(Array.from(core.read(p)), Array.from(core.read(a)), Array.from(core.read(b)));
      return out;
    });
    expect(results[0]).toEqual(results[1]);
  });
});
