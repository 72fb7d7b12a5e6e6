//! Reference twin of the `pool` kernels (to be written).
