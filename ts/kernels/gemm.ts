/**
 * The GEMM kernel: single-precision matrix multiply on buffers in a wasm module.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";
import { beginBuffers, checkBoolean, checkedBuffer, firstOverlap, MAX_KERNEL_DIM } from "./check.js";

/**
 * The shape of one {@link gemm} call. Matrices are row-major: `op(A)` is `m x k`,
 * `op(B)` is `k x n`, C is `m x n`.
 */
export interface GemmShape {
  /** Rows of C and of `op(A)`. */
  m: number;
  /** Columns of C and of `op(B)`. */
  n: number;
  /** The shared dimension: columns of `op(A)`, rows of `op(B)`. */
  k: number;
  /** A is stored `[k, m]` and used transposed (default false: stored `[m, k]`). */
  transA?: boolean;
  /** B is stored `[n, k]` and used transposed (default false: stored `[k, n]`). */
  transB?: boolean;
  /** Add the product to C instead of overwriting it (default false: C is never read). */
  accumulate?: boolean;
}

const SIZES = ["m", "n", "k"] as const;
const FLAGS = ["transA", "transB", "accumulate"] as const;

/**
 * `C = op(A) op(B)`, or `C += op(A) op(B)` with `accumulate`, where `op(X)` is X or its
 * transpose. `a` must hold at least `m * k` floats, `b` at least `k * n` and `c` at least
 * `m * n`; only the first `m * n` floats of `c` are written. `c` may not share memory
 * with `a` or `b`.
 *
 * @throws Error naming the argument when a dimension is not a whole number in
 * [0, 2^31 - 1], a flag is not a boolean, a buffer is too short, freed, of another
 * module, or C overlaps an input.
 */
export function gemm(core: WasmCore, s: GemmShape, a: WasmBuffer, b: WasmBuffer, c: WasmBuffer): void {
  const op = "gemm";
  for (let i = 0; i < SIZES.length; i++) {
    const name = SIZES[i]!;
    const v = s[name];
    // Unlike the other kernels', gemm's sizes may be 0 (an empty product).
    if (!Number.isInteger(v) || v < 0 || v > MAX_KERNEL_DIM) {
      throw new Error(`${op}: ${name} must be a whole number between 0 and ${MAX_KERNEL_DIM}, received ${String(v)}`);
    }
  }
  for (let i = 0; i < FLAGS.length; i++) {
    const name = FLAGS[i]!;
    if (s[name] !== undefined) checkBoolean(op, name, s[name]);
  }
  const { m, n, k } = s;
  beginBuffers();
  const aPtr = checkedBuffer(core, op, "a", a, m * k, false);
  const bPtr = checkedBuffer(core, op, "b", b, k * n, false);
  const cPtr = checkedBuffer(core, op, "c", c, m * n, true);
  const clash = firstOverlap();
  // Only c is written, so a clash is (a or b, c); gemm words its error its own way.
  if (clash) throw new Error(`${op}: c overlaps ${clash[0]}; the output must not share memory with an input`);
  core.fn("gemm")(m, n, k, aPtr, s.transA ? 1 : 0, bPtr, s.transB ? 1 : 0, cPtr, s.accumulate ? 1 : 0);
}
