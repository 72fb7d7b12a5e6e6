//! Exports of the `conv` kernels (to be written).
