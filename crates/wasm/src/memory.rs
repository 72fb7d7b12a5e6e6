//! Allocation for the TypeScript side, and the pointer-to-slice helpers every export uses.

use std::alloc::{alloc_zeroed, dealloc, Layout};

/// Every buffer is 16-byte aligned so that SIMD loads of f32x4 never straddle a boundary.
const ALIGN: usize = 16;

fn layout(bytes: usize) -> Option<Layout> {
    Layout::from_size_align(bytes.max(1), ALIGN).ok()
}

/// Allocates `bytes` zeroed bytes and returns their offset in linear memory, or 0 when
/// the request cannot be met (the TypeScript side turns 0 into an error).
#[no_mangle]
pub extern "C" fn simdnet_alloc(bytes: usize) -> *mut u8 {
    match layout(bytes) {
        // SAFETY: the layout has a non-zero size.
        Some(l) => unsafe { alloc_zeroed(l) },
        None => core::ptr::null_mut(),
    }
}

/// Frees a block from [`simdnet_alloc`]; `bytes` must be the size it was allocated with.
///
/// # Safety
/// `ptr` must come from `simdnet_alloc(bytes)` and not have been freed.
#[no_mangle]
pub unsafe extern "C" fn simdnet_free(ptr: *mut u8, bytes: usize) {
    if let (false, Some(l)) = (ptr.is_null(), layout(bytes)) {
        dealloc(ptr, l);
    }
}

/// A read-only slice at `ptr` (f32, or u32 for index buffers).
///
/// # Safety
/// The caller (the TypeScript kernel layer) guarantees `ptr` is a live, aligned
/// allocation of at least `len` elements that no mutable slice overlaps during the call.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(ptr, len)
    }
}

/// A mutable slice at `ptr`.
///
/// # Safety
/// As [`slice`], and no other slice of the same call overlaps it.
pub(crate) unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if len == 0 {
        &mut []
    } else {
        core::slice::from_raw_parts_mut(ptr, len)
    }
}

/// [`slice`] for an optional buffer: `None` when `ptr` is 0 (how the TypeScript side
/// passes "no bias", "no velocity", "skip dx").
///
/// # Safety
/// As [`slice`] when `ptr` is not null.
pub(crate) unsafe fn optional_slice<'a, T>(ptr: *const T, len: usize) -> Option<&'a [T]> {
    if ptr.is_null() {
        None
    } else {
        Some(slice(ptr, len))
    }
}

/// [`slice_mut`] for an optional buffer: `None` when `ptr` is 0.
///
/// # Safety
/// As [`slice_mut`] when `ptr` is not null.
pub(crate) unsafe fn optional_slice_mut<'a, T>(ptr: *mut T, len: usize) -> Option<&'a mut [T]> {
    if ptr.is_null() {
        None
    } else {
        Some(slice_mut(ptr, len))
    }
}

/// The GEMM packing workspace, kept in the module's static memory so that no kernel call
/// allocates.
static mut GEMM_PACK: [f32; simdnet_kernels::gemm::PACK_LEN] =
    [0.0; simdnet_kernels::gemm::PACK_LEN];

/// The GEMM packing workspace for one kernel call.
///
/// # Safety
/// wasm32 here runs one thread and kernels do not call back into JavaScript, so exactly
/// one export holds this slice at a time; callers must not keep it past their call.
pub(crate) unsafe fn gemm_pack() -> &'static mut [f32] {
    &mut *core::ptr::addr_of_mut!(GEMM_PACK)
}
