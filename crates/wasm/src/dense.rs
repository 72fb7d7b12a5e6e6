//! Exports of the `dense` kernels (to be written).
