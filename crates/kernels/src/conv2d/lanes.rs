//! Four f32 lanes for the convolution kernels that vectorise over channels or pixels
//! (`direct.rs`, `winograd.rs`): `v128` under `simd128`, its scalar twin (an array)
//! elsewhere. Both round every operation the same way, so the two builds agree bit for bit.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::{
        f32x4_add, f32x4_extract_lane, f32x4_mul, f32x4_splat, f32x4_sub, v128, v128_load,
    };

    #[derive(Clone, Copy)]
    pub(in crate::conv2d) struct F4(v128);

    impl F4 {
        #[inline(always)]
        pub fn zero() -> F4 {
            F4(f32x4_splat(0.0))
        }
        #[inline(always)]
        pub fn splat(v: f32) -> F4 {
            F4(f32x4_splat(v))
        }
        #[inline(always)]
        pub fn new(l: [f32; 4]) -> F4 {
            F4(core::arch::wasm32::f32x4(l[0], l[1], l[2], l[3]))
        }
        /// `s[0..4]`; panics when `s` is shorter.
        #[inline(always)]
        pub fn load(s: &[f32]) -> F4 {
            F4(crate::simd::load4(s))
        }
        /// `p[0..4]`.
        ///
        /// # Safety
        /// `p` must point to four readable floats.
        #[inline(always)]
        pub unsafe fn load_ptr(p: *const f32) -> F4 {
            // The caller guarantees 16 readable bytes; v128_load has no alignment
            // requirement. (No inner `unsafe` block: Rust 1.63 flags it as redundant.)
            F4(v128_load(p as *const v128))
        }
        /// Writes the lanes to `s[0..4]`; panics when `s` is shorter.
        #[inline(always)]
        pub fn store(self, s: &mut [f32]) {
            crate::simd::store4(s, self.0)
        }
        /// Writes the lanes to `p[0..4]`.
        ///
        /// # Safety
        /// `p` must point to four writable floats that nothing else borrows.
        #[inline(always)]
        pub unsafe fn store_ptr(self, p: *mut f32) {
            core::arch::wasm32::v128_store(p as *mut v128, self.0)
        }
        #[inline(always)]
        pub fn add(self, b: F4) -> F4 {
            F4(f32x4_add(self.0, b.0))
        }
        #[inline(always)]
        pub fn sub(self, b: F4) -> F4 {
            F4(f32x4_sub(self.0, b.0))
        }
        #[inline(always)]
        pub fn mul(self, b: F4) -> F4 {
            F4(f32x4_mul(self.0, b.0))
        }
        /// `self + a * b`, lane by lane (rounded twice: wasm SIMD has no fused form).
        #[inline(always)]
        pub fn mul_add(self, a: F4, b: F4) -> F4 {
            F4(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            [
                f32x4_extract_lane::<0>(self.0),
                f32x4_extract_lane::<1>(self.0),
                f32x4_extract_lane::<2>(self.0),
                f32x4_extract_lane::<3>(self.0),
            ]
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    #[derive(Clone, Copy)]
    pub(in crate::conv2d) struct F4([f32; 4]);

    impl F4 {
        #[inline(always)]
        pub fn zero() -> F4 {
            F4([0.0; 4])
        }
        #[inline(always)]
        pub fn splat(v: f32) -> F4 {
            F4([v; 4])
        }
        #[inline(always)]
        pub fn new(l: [f32; 4]) -> F4 {
            F4(l)
        }
        /// `s[0..4]`; panics when `s` is shorter.
        #[inline(always)]
        pub fn load(s: &[f32]) -> F4 {
            F4([s[0], s[1], s[2], s[3]])
        }
        /// `p[0..4]`.
        ///
        /// # Safety
        /// `p` must point to four readable floats.
        #[inline(always)]
        pub unsafe fn load_ptr(p: *const f32) -> F4 {
            // The caller guarantees four readable floats.
            F4(core::array::from_fn(|l| *p.add(l)))
        }
        /// Writes the lanes to `s[0..4]`; panics when `s` is shorter.
        #[inline(always)]
        pub fn store(self, s: &mut [f32]) {
            s[..4].copy_from_slice(&self.0);
        }
        /// Writes the lanes to `p[0..4]`.
        ///
        /// # Safety
        /// `p` must point to four writable floats that nothing else borrows.
        #[inline(always)]
        pub unsafe fn store_ptr(self, p: *mut f32) {
            for (l, &v) in self.0.iter().enumerate() {
                *p.add(l) = v;
            }
        }
        #[inline(always)]
        pub fn add(self, b: F4) -> F4 {
            F4(core::array::from_fn(|l| self.0[l] + b.0[l]))
        }
        #[inline(always)]
        pub fn sub(self, b: F4) -> F4 {
            F4(core::array::from_fn(|l| self.0[l] - b.0[l]))
        }
        #[inline(always)]
        pub fn mul(self, b: F4) -> F4 {
            F4(core::array::from_fn(|l| self.0[l] * b.0[l]))
        }
        /// `self + a * b`, lane by lane, rounded twice like the SIMD body.
        #[inline(always)]
        pub fn mul_add(self, a: F4, b: F4) -> F4 {
            F4(core::array::from_fn(|l| self.0[l] + a.0[l] * b.0[l]))
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            self.0
        }
    }
}

pub(super) use imp::F4;
