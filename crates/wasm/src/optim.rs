//! Exports of the `optim` kernels (to be written).
