//! simdnet's numeric core: f32 kernels for training and running small CNNs.
//!
//! Conventions shared by every kernel:
//! - Tensors are contiguous row-major f32 slices. Images are NHWC (batch, height, width,
//!   channels), as in Keras.
//! - Weights use Keras's layouts: a conv2d kernel is `[kh, kw, in_channels, filters]`, a
//!   dense kernel `[inputs, units]`, each followed by its bias.
//! - Kernels never allocate. Any scratch space they need is passed in by the caller, who
//!   sizes it with the `*_scratch_len` function next to the kernel; buffers are planned
//!   once, so a training step makes no allocation at all.
//! - Backward kernels overwrite their gradient outputs (they do not accumulate) unless
//!   their doc says otherwise.
//! - On wasm32 with `simd128` enabled the hot loops use `core::arch::wasm32` intrinsics;
//!   every SIMD body has a scalar twin used everywhere else (the scalar wasm module and
//!   native tests).

pub mod activation;
pub mod adamw;
pub mod batch_norm;
mod bias;
pub mod conv2d;
pub mod dense;
pub mod depthwise;
pub mod dropout;
pub mod epilogue;
pub mod gemm;
pub mod loss;
pub mod optim;
pub mod pad;
pub mod pool;
pub mod regularize;
mod runs;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd;
pub mod unary;
