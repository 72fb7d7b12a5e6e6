/** Reference GEMM for tests and benchmarks: a plain triple loop, written for clarity. */

/**
 * `C = op(A) op(B)` or `C += op(A) op(B)` on row-major Float32Arrays, with the same
 * layouts as the wasm kernel: A `[m, k]` (`[k, m]` when transA), B `[k, n]` (`[n, k]`
 * when transB). Sums in float64, so it is the more accurate side of any comparison.
 */
export function referenceGemm(
  m: number, n: number, k: number,
  a: Float32Array, transA: boolean, b: Float32Array, transB: boolean,
  c: Float32Array, accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i]! : a[i * k + p]!;
        const bv = transB ? b[j * k + p]! : b[p * n + j]!;
        sum += av * bv;
      }
      c[i * n + j] = accumulate ? c[i * n + j]! + sum : sum;
    }
  }
}
