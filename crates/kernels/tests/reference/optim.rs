//! Reference twin of the `optim` kernels (to be written).
