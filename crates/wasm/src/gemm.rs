//! Exports of the `gemm` kernels (to be written).
