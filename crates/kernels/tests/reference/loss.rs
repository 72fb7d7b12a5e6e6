//! Reference twin of the `loss` kernels (to be written).
