//! Exports of the `pool` kernels (to be written).
