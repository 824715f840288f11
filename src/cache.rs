//! Cache hints: asking for memory a loop will read soon, where the
//! hardware's own prefetch does not see it coming (a row read a row
//! ahead, at a stride far past its pages). Hints only: results never
//! depend on them.

/// Asks the cache for the line that holds `values[index]` (nothing if the
/// index is past the end, or on targets without SSE's prefetch).
#[inline(always)]
pub(crate) fn prefetch<T>(values: &[T], index: usize) {
    #[cfg(target_feature = "sse")]
    if let Some(value) = values.get(index) {
        safe_arch::prefetch_t0(value);
    }
    #[cfg(not(target_feature = "sse"))]
    let _ = (values, index);
}

/// In a loop that advances `step` elements of `rows` per call, asks the
/// cache for the line of each row that holds element `index`, once per
/// line (the call whose `index` is within `step` of a line's start).
#[inline(always)]
pub(crate) fn prefetch_rows<T>(rows: &[&[T]], index: usize, step: usize) {
    if index % line_elements::<T>() < step {
        for row in rows {
            prefetch(row, index);
        }
    }
}

/// Bytes per cache line (64 on the targets this crate tunes for).
pub(crate) const LINE_BYTES: usize = 64;

/// Elements of `T` per cache line: how often a loop over a slice asks for
/// the next line.
pub(crate) fn line_elements<T>() -> usize {
    (LINE_BYTES / std::mem::size_of::<T>().max(1)).max(1)
}
