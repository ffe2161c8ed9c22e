//! The worker threads of parallel writing: one rayon pool a process, made
//! at the first parallel write. A child made by `fork` has none of its
//! parent's threads, so the pool is tied to the process id: a child that
//! writes in parallel makes its own pool and never waits on the parent's
//! (which is left unused, not dropped: dropping it would signal threads
//! that do not exist in the child).
//!
//! `RJSON_THREADS=<n>` caps the threads (1 turns parallel writing off); by
//! default, the CPUs this process may use, up to 8.

use std::sync::{Mutex, OnceLock};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::api::options::size_switch;

/// Most threads a write uses by default.
const MAX_THREADS: usize = 8;

/// The stack of a worker thread: room for `api::stack::MAX_DEPTH` levels
/// of the subtree writer's recursion with a wide margin.
const WORKER_STACK: usize = 16 << 20;

/// The threads a parallel write uses: `RJSON_THREADS` if set, else the CPUs
/// this process may use (up to `MAX_THREADS`), found once.
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    let default = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS);
    size_switch(&THREADS, "RJSON_THREADS", default).max(1)
}

/// The pool of this process, made on first use (again in a child after
/// `fork`); `None` when one thread is all there is, or no thread could be
/// started (the caller then writes alone).
pub fn pool() -> Option<&'static ThreadPool> {
    /// The pool and the process that made it.
    static POOL: Mutex<Option<(u32, &'static ThreadPool)>> = Mutex::new(None);
    if threads() < 2 {
        return None;
    }
    let pid = std::process::id();
    // Poisoned only by a panic while a pool was being made; the slot is
    // then still empty or whole.
    let mut slot = POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((owner, pool)) = *slot {
        if owner == pid {
            return Some(pool);
        }
    }
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads())
        .stack_size(WORKER_STACK)
        .thread_name(|i| format!("rjson-writer-{i}"))
        .build()
        .ok()?;
    // Kept for the process's life, as a process's pool is; a parent's pool
    // seen in a child is left as it is.
    let pool: &'static ThreadPool = Box::leak(Box::new(pool));
    *slot = Some((pid, pool));
    Some(pool)
}
