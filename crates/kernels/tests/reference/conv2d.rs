//! Reference twin of the `conv2d` kernels (to be written).
