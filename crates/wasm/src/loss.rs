//! Exports of the `loss` kernels (to be written).
