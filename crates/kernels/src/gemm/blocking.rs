//! Block sizes of the GEMM, in one place.
//!
//! The driver in `mod.rs` splits `C = op(A) op(B)` (`C` is `m x n`, the shared dimension
//! is `k`) in the GotoBLAS way. Each constant below names the loop it cuts and the memory
//! level its block is meant to stay in (one core of a 2020s x86 server: 32 KB L1d,
//! 512 KB or more of L2).

/// Rows of the micro-kernel's register tile: loop 1 steps through an A block `MR`
/// rows at a time. Four rows of two f32x4 accumulators each (eight registers) plus two
/// B vectors and one broadcast A value fit in the 15 vector registers V8 allocates on
/// x64. A 6 x 8 tile (twelve accumulators) measured at half the speed: V8 spills it.
pub const MR: usize = 4;

/// Columns of the register tile: loop 2 steps through a packed B block `NR` columns at
/// a time. Two f32x4 vectors.
pub const NR: usize = 8;

/// Depth of one block (loop 4 splits `k`). A packed `KC x NR` sliver of B
/// (`KC * NR * 4` = 8 KB) stays in L1 while loop 1 streams A slivers past it.
pub const KC: usize = 256;

/// Rows of one A block (loop 3 splits `m`): the `MC x KC` part of A (64 KB) that loop 2
/// sweeps once per B sliver, meant to stay in L2. A is read in place, not packed (see
/// `mod.rs`). A multiple of [`MR`].
pub const MC: usize = 64;

/// Columns of one packed B block (loop 5 splits `n`): `KC x NC` floats (256 KB), in
/// L2/L3. A multiple of [`NR`].
pub const NC: usize = 256;
