//! A second thread that transcodes `dumps`' text into its wide str while
//! the writer goes on writing: the writer hands over each finished piece of
//! UTF-8 text (its place in the writer's buffer), the worker fills it into
//! the str's units. Transcoding touches no Python object, only the text and
//! the str's memory, which nobody else sees until the call returns; the
//! writer, holding the GIL, does everything else.
//!
//! The worker only writes at the str's kind and within its room. A piece
//! that does not go (a wider character, or no room) stops it: the writer
//! takes that piece and the ones after it back and transcodes them itself
//! (`GrowingStr::append`, which widens or grows the str with the GIL).
//!
//! Hand-over is a two-slot ring of atomics, no lock: the writer waits
//! (spinning) for the worker only before it reuses a piece's buffer, which
//! the worker is usually done with; the worker, waiting for the next piece,
//! parks and is woken by `send`. The worker takes each piece before it
//! works on it (`claimed`); a piece it has not taken after a short wait
//! the writer takes with all the rest, and goes on alone: on a machine
//! whose CPUs are all busy, the woken worker may wait milliseconds to run
//! (gsoc-2018.json with one CPU-bound process beside: 1.25-2.2x the time
//! without the thread, when the writer waited for it). The thread is
//! spawned for one call and, once the writer has taken over or all is
//! done, touches nothing of the call's and ends.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::utf8_str::fill_units;

/// Results from this many characters on (the thread's previous wide
/// result) are transcoded on a second thread (`RJSON_TRANSCODE_THREAD_MIN`
/// overrides, for tests and measuring). Measured (ROADMAP.md, phase 5):
/// gsoc-2018.json's 3 M characters take 0.78-0.81 of the time; for
/// twitter.json's and citm_catalog.json's ~0.4-0.5 M, pieces small enough
/// to give the thread work cost more than they saved (1.05-1.10).
pub fn thread_min() -> usize {
    static MIN: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *MIN.get_or_init(|| {
        std::env::var("RJSON_TRANSCODE_THREAD_MIN")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(512 << 10)
    })
}

/// Calls that started a worker, and pieces workers transcoded.
static STARTED: AtomicU64 = AtomicU64::new(0);
static PIECES: AtomicU64 = AtomicU64::new(0);
static TAKEN_OVER: AtomicU64 = AtomicU64::new(0);

/// `(calls that started a worker, pieces transcoded by workers, times the
/// writer took over from a worker slow to take a piece)` so far.
pub fn stats() -> (u64, u64, u64) {
    (
        STARTED.load(Ordering::Relaxed),
        PIECES.load(Ordering::Relaxed),
        TAKEN_OVER.load(Ordering::Relaxed),
    )
}

/// Where the worker writes: a str's data of the kind `max_char` calls
/// for, `chars` units written, room for `cap`.
#[derive(Clone, Copy)]
pub struct Target {
    pub data: *mut std::ffi::c_void,
    pub max_char: u32,
    pub chars: usize,
    pub cap: usize,
}

/// A piece of text handed over: its address and length.
#[derive(Clone, Copy, Default)]
struct Piece {
    text: usize,
    len: usize,
}

/// What the two threads share.
struct Shared {
    /// Pieces handed over (the writer's count) and transcoded (the worker's).
    sent: AtomicUsize,
    done: AtomicUsize,
    /// The next piece the worker may take; the writer sets it to `CLOSED`
    /// to take the rest itself. The worker takes a piece by moving it on
    /// by one, so the two never work on the same piece.
    claimed: AtomicUsize,
    slots: [AtomicUsize; 4],
    /// Characters in the str once `done` pieces are in.
    chars: AtomicUsize,
    /// The worker stopped at piece `done` (it did not go), or panicked.
    stopped: AtomicBool,
}

/// `claimed` once the writer takes over.
const CLOSED: usize = usize::MAX;

/// How long the writer waits for a piece the worker has not taken yet
/// before it takes it itself: the worker is then not running (on a busy
/// machine it may wait milliseconds for a CPU). A parked worker wakes in
/// tens of microseconds on an idle CPU, and has had the writing of a whole
/// piece (~100 us) for it.
const PATIENCE: Duration = Duration::from_micros(200);

/// The writer's handle on the worker.
pub struct Transcoder {
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
    /// The pieces not known to be done (at most the last two), by number.
    recent: [Piece; 2],
    /// `PATIENCE` (the tests wait longer).
    patience: Duration,
}

/// Where the worker left off: the str's characters, the pieces (in order)
/// it did not transcode, and whether it stopped at a piece that did not go
/// (else the writer took over, or all was done).
pub struct Stopped {
    pub chars: usize,
    pub undone: Vec<(*const u8, usize)>,
    pub refused: bool,
}

// SAFETY: the raw pointers the worker receives (the str's data, the pieces'
// text) are used only as `Transcoder::start` and `send` promise.
struct SendTarget(Target);
unsafe impl Send for SendTarget {}

impl Transcoder {
    /// Starts a worker writing onto `target`; `None` when no thread could
    /// be made.
    ///
    /// # Safety
    /// `target` describes a str's data nobody else reads or writes until
    /// `stop` returns.
    pub unsafe fn start(target: Target) -> Option<Self> {
        let shared = Arc::new(Shared {
            sent: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            slots: Default::default(),
            claimed: AtomicUsize::new(0),
            chars: AtomicUsize::new(target.chars),
            stopped: AtomicBool::new(false),
        });
        let theirs = Arc::clone(&shared);
        let target = SendTarget(target);
        let worker = std::thread::Builder::new()
            .name("rjson-transcode".into())
            .spawn(move || {
                let target = target;
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&theirs, target.0)));
                if outcome.is_err() {
                    theirs.stopped.store(true, Ordering::Release);
                }
            })
            .ok()?;
        STARTED.fetch_add(1, Ordering::Relaxed);
        Some(Transcoder {
            shared,
            worker: Some(worker),
            recent: [Piece::default(); 2],
            patience: PATIENCE,
        })
    }

    /// Hands over `len` bytes of whole UTF-8 characters at `text`.
    ///
    /// # Safety
    /// The bytes stay as they are until `wait` says this piece is done, or
    /// until `stop`.
    pub unsafe fn send(&mut self, text: *const u8, len: usize) {
        let n = self.shared.sent.load(Ordering::Relaxed);
        let piece = Piece {
            text: text as usize,
            len,
        };
        self.recent[n % 2] = piece;
        self.shared.slots[(n % 2) * 2].store(piece.text, Ordering::Relaxed);
        self.shared.slots[(n % 2) * 2 + 1].store(piece.len, Ordering::Relaxed);
        // Publishes the slot with it.
        self.shared.sent.store(n + 1, Ordering::Release);
        self.wake();
    }

    /// Wakes the worker if it is parked waiting for a piece (a no-op
    /// otherwise, but for one atomic swap).
    fn wake(&self) {
        if let Some(worker) = &self.worker {
            worker.thread().unpark();
        }
    }

    /// Waits until all pieces but the last `pending` are done; false when
    /// the worker stopped short of that, or has not taken a piece it
    /// should have by now (then `stop` and take the rest back).
    pub fn wait(&self, pending: usize) -> bool {
        let target = self.shared.sent.load(Ordering::Relaxed).saturating_sub(pending);
        let mut spins = 0u32;
        let mut since = None;
        loop {
            if self.shared.done.load(Ordering::Acquire) >= target {
                return true;
            }
            if self.shared.stopped.load(Ordering::Acquire) {
                return false;
            }
            // A piece the worker is working on is waited for; one it has
            // not taken, only so long.
            if spins.is_multiple_of(64) && self.shared.claimed.load(Ordering::Acquire) < target {
                let since = since.get_or_insert_with(Instant::now);
                if since.elapsed() > self.patience {
                    TAKEN_OVER.fetch_add(1, Ordering::Relaxed);
                    return false;
                }
            }
            spin(&mut spins);
        }
    }

    /// Ends the worker and says where it left off: the writer takes every
    /// piece the worker has not taken, and waits only for the one it is
    /// working on (if any). The thread is not joined: past that piece it
    /// touches nothing but `Shared` (its own reference) and ends.
    pub fn stop(mut self) -> Stopped {
        self.end()
    }

    fn end(&mut self) -> Stopped {
        let taken = self.shared.claimed.swap(CLOSED, Ordering::AcqRel);
        self.wake();
        let mut spins = 0u32;
        while self.shared.done.load(Ordering::Acquire) < taken
            && !self.shared.stopped.load(Ordering::Acquire)
        {
            spin(&mut spins);
        }
        // Detached: it sees `CLOSED` and returns.
        self.worker.take();
        let (sent, done) = (
            self.shared.sent.load(Ordering::Acquire),
            self.shared.done.load(Ordering::Acquire),
        );
        let undone = (done..sent)
            .map(|n| {
                let piece = self.recent[n % 2];
                (piece.text as *const u8, piece.len)
            })
            .collect();
        let refused = self.shared.stopped.load(Ordering::Acquire);
        Stopped {
            chars: self.shared.chars.load(Ordering::Acquire),
            undone,
            refused,
        }
    }
}

impl Drop for Transcoder {
    /// A writer that failed: the worker is done with the str and the text
    /// before they are released.
    fn drop(&mut self) {
        if self.worker.is_some() {
            self.end();
        }
    }
}

/// The worker: each piece in turn onto the str, until the writer takes
/// over or a piece does not go.
fn work(shared: &Shared, target: Target) {
    let mut chars = target.chars;
    let mut n = 0;
    let mut spins = 0u32;
    loop {
        if shared.sent.load(Ordering::Acquire) == n {
            if shared.claimed.load(Ordering::Acquire) == CLOSED {
                return;
            }
            // Pieces come every ~100 us (256 KiB of text): after a short
            // spin, sleep until `send` or `stop` wakes us. Spinning or
            // yielding all along kept a CPU busy, which on this 2-CPU
            // machine the writer often had to share (gsoc-2018.json:
            // 2.2-3.1 ms a call against 1.3-1.6 ms without the thread).
            if spins < 1 << 8 {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::park();
            }
            continue;
        }
        spins = 0;
        // Take piece n, unless the writer took over.
        if shared
            .claimed
            .compare_exchange(n, n + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        let text = shared.slots[(n % 2) * 2].load(Ordering::Relaxed) as *const u8;
        let len = shared.slots[(n % 2) * 2 + 1].load(Ordering::Relaxed);
        // SAFETY: the writer's piece stays as it is until `done` passes it,
        // and the str's units from `chars` to `cap` are ours (`start`)
        // while we hold a piece.
        let written = unsafe {
            fill_units(
                target.data,
                target.max_char,
                chars,
                target.cap - chars,
                std::slice::from_raw_parts(text, len),
            )
        };
        let Some(count) = written else {
            shared.stopped.store(true, Ordering::Release);
            return;
        };
        chars += count;
        n += 1;
        PIECES.fetch_add(1, Ordering::Relaxed);
        shared.chars.store(chars, Ordering::Relaxed);
        shared.done.store(n, Ordering::Release);
    }
}

/// One turn of a wait: a pause hint, and after a while the CPU handed back.
#[inline]
fn spin(spins: &mut u32) {
    *spins += 1;
    if *spins < 1 << 10 {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Target, Transcoder};

    /// Pieces of `texts` through a worker onto a u16 buffer of `cap` units,
    /// the writer waiting up to `patience` for a piece the worker has not
    /// taken: the units it wrote, the pieces it handed back, and those the
    /// writer never sent (it stops sending once the worker stops).
    fn run_with(texts: &[&str], cap: usize, patience: Duration) -> (String, Vec<String>, usize) {
        let mut units = vec![0u16; cap];
        let target = Target {
            data: units.as_mut_ptr().cast(),
            max_char: 0xFFFF,
            chars: 0,
            cap,
        };
        let mut sent = 0;
        // SAFETY: `units` is ours and untouched until `stop`; each text
        // lives until then.
        let stopped = unsafe {
            let mut transcoder = Transcoder::start(target).expect("a thread");
            transcoder.patience = patience;
            for text in texts {
                transcoder.send(text.as_ptr(), text.len());
                sent += 1;
                // As the writer does: at most two pieces outstanding.
                if !transcoder.wait(1) {
                    break;
                }
            }
            transcoder.stop()
        };
        units.truncate(stopped.chars);
        let undone = stopped
            .undone
            .iter()
            // SAFETY: the pieces handed back are `texts`' own bytes.
            .map(|&(p, n)| String::from_utf8(unsafe { std::slice::from_raw_parts(p, n) }.to_vec()).unwrap())
            .collect();
        (String::from_utf16(&units).unwrap(), undone, texts.len() - sent)
    }

    /// The same, the writer waiting as long as it takes: the worker does
    /// every piece it can, however slow the test machine.
    fn run(texts: &[&str], cap: usize) -> (Vec<u16>, Vec<String>) {
        let (done, undone, _) = run_with(texts, cap, Duration::from_secs(600));
        (done.encode_utf16().collect(), undone)
    }

    #[test]
    fn pieces_are_written_in_order() {
        let texts: Vec<String> = (0..50).map(|i| format!("piece {i} \u{e9}\u{3042} ").repeat(i % 7 + 1)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let joined: String = texts.concat();
        let (units, undone) = run(&refs, joined.chars().count());
        assert_eq!(units, joined.encode_utf16().collect::<Vec<_>>());
        assert!(undone.is_empty());
    }

    #[test]
    fn a_piece_that_does_not_go_is_handed_back_with_the_rest() {
        // Too wide for u16 at piece 3; then no room at piece 2.
        let wide = ["a\u{e9}", "b", "c\u{3042}", "d\u{1F600}", "e"];
        let (units, undone) = run(&wide, 100);
        assert_eq!(units, "a\u{e9}bc\u{3042}".encode_utf16().collect::<Vec<_>>());
        // The piece after it was handed over before the worker stopped.
        assert_eq!(undone, ["d\u{1F600}", "e"]);
        let (units, undone) = run(&["ab", "cd", "ef", "gh"], 5);
        assert_eq!(units, "abcd".encode_utf16().collect::<Vec<_>>());
        assert_eq!(undone, ["ef", "gh"]);
    }

    #[test]
    fn a_writer_that_takes_over_loses_no_piece() {
        // No patience: the writer takes over whenever the worker has not
        // yet taken a piece; what the worker wrote, what it handed back
        // and what was never sent are the text, in order.
        let texts: Vec<String> = (0..40).map(|i| format!("p{i} \u{3042}").repeat(i % 5 + 1)).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for _ in 0..50 {
            let (done, undone, unsent) = run_with(&refs, 10_000, Duration::ZERO);
            let rest = refs[refs.len() - unsent..].concat();
            assert_eq!(done + &undone.concat() + &rest, refs.concat());
        }
    }
}
