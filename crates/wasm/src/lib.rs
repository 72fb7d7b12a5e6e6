//! The WebAssembly face of `simdnet-kernels`: plain `extern "C"` functions over pointers
//! into this module's linear memory. No wasm-bindgen (its CLI cannot be installed where
//! this is built), so the TypeScript side (`ts/wasm/`) owns every allocation, passes
//! byte offsets and element counts, and checks them before each call.
//!
//! One module per kernel family, each export a thin shell: turn pointers into slices,
//! build the dims value, call one kernel. No logic lives here.

mod memory;

mod activation;
mod adamw;
mod batch_norm;
mod conv;
mod dense;
mod depthwise;
mod dropout;
mod epilogue;
mod gemm;
mod loss;
mod optim;
mod pool;
mod regularize;
mod unary;

pub use memory::{simdnet_alloc, simdnet_free};
