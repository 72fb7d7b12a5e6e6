//! Reference twin of the `dense` kernels (to be written).
