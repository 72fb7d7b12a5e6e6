//! Exports of the `activation` kernels (to be written).
