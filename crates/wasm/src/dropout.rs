//! Exports of the `dropout` kernels (to be written).
