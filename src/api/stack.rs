//! How much of the thread's stack is left. The parsers and the writers go
//! one call deeper a nesting level; on a thread with a small stack a deep
//! document would overflow it (a crash) before the 1024-level limit
//! (phase5's parser takes ~400-500 bytes a level: a 256 KiB
//! `threading.stack_size` held ~500 levels; a debug build's frames are
//! larger still). Each level checks that `MARGIN` is left, and fails as
//! the depth limit does when it is not.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::cell::Cell;

/// Containers may nest this deep, in a document read and in a value
/// written (`default=` results included); one more is an error in every
/// build.
pub const MAX_DEPTH: usize = 1024;

pub const DEPTH_MESSAGE: &str = "Maximum nesting depth exceeded (1024)";

/// Nesting shallower than the limit that the thread's stack cannot hold.
pub const STACK_MESSAGE: &str = "Maximum nesting depth exceeded (the thread's stack is full)";

/// Stack kept free below the deepest level: for the work a level does
/// without going deeper (making objects, raising an error).
const MARGIN: usize = 64 << 10;

thread_local! {
    /// The lowest address a level may start at; `usize::MAX` until this
    /// thread's stack has been looked up, 0 where it cannot be.
    static FLOOR: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The lowest address a nesting level may start at on this thread (0 where
/// the stack's bounds are unknown): looked up once a call by the parsers and
/// writers, as a thread-local costs a call in a shared library.
#[inline]
pub fn floor() -> usize {
    let floor = FLOOR.with(Cell::get);
    if floor != usize::MAX {
        return floor;
    }
    let floor = stack_low().map_or(0, |low| low.saturating_add(MARGIN));
    FLOOR.with(|cell| cell.set(floor));
    floor
}

/// Whether one more nesting level leaves `MARGIN` of the stack free, for
/// the `floor` of the thread it runs on.
#[inline(always)]
pub fn has_room(floor: usize) -> bool {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize > floor
}

/// The lowest address of this thread's stack, where the OS tells it.
#[cfg(target_os = "linux")]
fn stack_low() -> Option<usize> {
    // SAFETY: the attributes are initialized by pthread_getattr_np before
    // they are read, and destroyed after; the stack of a live thread.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr = std::ptr::null_mut();
        let mut size = 0;
        let found = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        found.then_some(addr as usize)
    }
}

/// The lowest address of this thread's stack, where the OS tells it.
#[cfg(target_os = "macos")]
fn stack_low() -> Option<usize> {
    // SAFETY: both calls read the current thread's stack bounds.
    unsafe {
        let this = libc::pthread_self();
        let top = libc::pthread_get_stackaddr_np(this) as usize;
        Some(top - libc::pthread_get_stacksize_np(this))
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn stack_low() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::has_room;

    /// Goes a frame of ~1 KiB deeper while there is room; the address of
    /// the deepest frame.
    fn deepest(floor: usize) -> usize {
        let pad = std::hint::black_box([0u8; 1024]);
        if !has_room(floor) {
            return pad.as_ptr() as usize;
        }
        deepest(floor) + usize::from(pad[0] == 1)
    }

    /// A thread of 256 KiB stops with about the margin (64 KiB) of its
    /// stack left, not at its end; the main thread has room.
    #[test]
    fn stops_with_the_margin_left() {
        let used = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(|| {
                let top = std::hint::black_box(0u8);
                std::ptr::addr_of!(top) as usize - deepest(super::floor())
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(
            ((128 << 10)..(192 << 10)).contains(&used),
            "{used} bytes used"
        );
        assert!(has_room(super::floor()));
    }
}
