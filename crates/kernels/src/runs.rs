//! Copying and zeroing short runs of floats without calls to memcpy/memset.
//!
//! wasm32 without the bulk-memory feature has no memory.copy/memory.fill instructions:
//! `copy_from_slice` and `fill` on runs of unknown length become calls to a software
//! memcpy/memset, whose fixed cost dwarfs a run of 5 to 30 floats (a kernel row in an
//! im2col gather, a bias row). Fixed-size chunks of four compile to plain loads and
//! stores (f32x4 under simd128), and a loop storing four separate floats per step is not
//! turned back into a call.

/// `dst = src`; the lengths must match.
///
/// # Panics
/// When `dst` and `src` differ in length.
#[inline(always)]
pub(crate) fn copy_run(dst: &mut [f32], src: &[f32]) {
    assert_eq!(dst.len(), src.len(), "copy_run: lengths differ");
    let mut d4 = dst.chunks_exact_mut(4);
    let mut s4 = src.chunks_exact(4);
    for (d, s) in (&mut d4).zip(&mut s4) {
        let s: [f32; 4] = [s[0], s[1], s[2], s[3]];
        d.copy_from_slice(&s);
    }
    let (d, s) = (d4.into_remainder(), s4.remainder());
    match d.len() {
        1 => d[0] = s[0],
        2 => {
            d[0] = s[0];
            d[1] = s[1];
        }
        3 => {
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
        }
        _ => {}
    }
}

/// `dst = 0`, for short runs (a long one may still become a memset call, which is fine
/// there).
#[inline(always)]
pub(crate) fn zero_run(dst: &mut [f32]) {
    let mut d4 = dst.chunks_exact_mut(4);
    for d in &mut d4 {
        d.copy_from_slice(&[0.0; 4]);
    }
    for d in d4.into_remainder() {
        *d = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_and_zeroes_every_length() {
        for n in 0..19 {
            let src: Vec<f32> = (0..n).map(|i| i as f32 + 0.5).collect();
            let mut dst = vec![f32::NAN; n];
            copy_run(&mut dst, &src);
            assert_eq!(dst, src);
            zero_run(&mut dst);
            assert!(dst.iter().all(|&v| v == 0.0));
        }
    }
}
