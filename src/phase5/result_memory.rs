//! How a large result object's memory is kept: its room kept when it is
//! little more than the text (`keeps_room`), and transparent huge pages
//! asked for from `HUGE_PAGES_FROM` bytes. For every kind of result
//! (`result_out.rs`, `wide_str.rs`).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

/// Whether a result of `len` units in room for `cap` keeps its room (its
/// length set in place) instead of being reallocated to its length: when
/// the room is at most an eighth more. glibc serves a large block (from
/// 128 KiB) with a fresh `mmap` when it is larger than the last such block
/// freed, and a result sized by the previous one plus room, then cut,
/// always is: every call then faults in every page (a 1.1 MB
/// `dumps_bytes` result: 270 page faults a call instead of 0; a 6 MB wide
/// str: 3x the time).
pub(super) fn keeps_room(cap: usize, len: usize) -> bool {
    cap - len <= len / 8
}

/// Blocks from which `advise_huge_pages` asks for huge pages.
pub(super) const HUGE_PAGES_FROM: usize = 4 << 20;

/// Asks the kernel to back the whole 2 MiB pages within `len` bytes at
/// `start` with transparent huge pages where it offers them on request
/// (Linux's `madvise` mode): a large output's fresh pages are then faulted
/// in 2 MiB at a time instead of 4 KiB (a 47 MB result: 23 faults, not
/// 11,500). Only an advice: nothing changes where the kernel declines.
pub(super) fn advise_huge_pages(start: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let first = (start as usize).next_multiple_of(HUGE);
        let end = (start as usize + len) & !(HUGE - 1);
        if end > first {
            // SAFETY: the range lies within the caller's block; the advice
            // changes how its pages are backed, not their contents.
            unsafe { libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE) };
        }
    }
}
