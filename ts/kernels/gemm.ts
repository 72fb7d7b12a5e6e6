/**
 * The GEMM kernel: single-precision matrix multiply on buffers in a wasm module.
 */
import type { WasmBuffer, WasmCore } from "../wasm/core.js";

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

// Dimensions cross into wasm as i32.
const MAX_DIM = 0x7fff_ffff;

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
  for (const name of ["m", "n", "k"] as const) {
    const v = s[name];
    if (!Number.isInteger(v) || v < 0 || v > MAX_DIM) {
      throw new Error(`${op}: ${name} must be a whole number between 0 and ${MAX_DIM}, received ${String(v)}`);
    }
  }
  for (const name of ["transA", "transB", "accumulate"] as const) {
    const v = s[name];
    if (v !== undefined && typeof v !== "boolean") {
      throw new Error(`${op}: ${name} must be a boolean, received ${String(v)}`);
    }
  }
  const { m, n, k } = s;
  const aPtr = core.check(op, "a", a, m * k);
  const bPtr = core.check(op, "b", b, k * n);
  const cPtr = core.check(op, "c", c, m * n);
  const cBytes = m * n * 4;
  if (overlaps(cPtr, cBytes, aPtr, m * k * 4)) throw new Error(`${op}: c overlaps a; the output must not share memory with an input`);
  if (overlaps(cPtr, cBytes, bPtr, k * n * 4)) throw new Error(`${op}: c overlaps b; the output must not share memory with an input`);
  core.fn("gemm")(m, n, k, aPtr, s.transA ? 1 : 0, bPtr, s.transB ? 1 : 0, cPtr, s.accumulate ? 1 : 0);
}

/** True when the byte ranges [p, p + pn) and [q, q + qn) share a byte. */
function overlaps(p: number, pn: number, q: number, qn: number): boolean {
  return pn > 0 && qn > 0 && p < q + qn && q < p + pn;
}
