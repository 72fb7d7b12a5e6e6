//! Reference twin of the `activation` kernels (to be written).
