//! Reference twin of the `gemm` kernels (to be written).
