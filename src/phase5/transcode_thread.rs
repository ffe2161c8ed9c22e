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
//! The writer never waits for the worker while it writes: pieces follow
//! one another through the writer's buffer, which is not reused while the
//! worker runs, and are handed over through a ring of atomics (no lock).
//! The worker, waiting for the next piece, spins for a while (longer than
//! a piece takes to write), then parks until `send` wakes it.
//! At the end the writer takes every piece the worker has not taken yet
//! (`claimed`) and waits only for the one it is working on. A machine
//! whose CPUs are all busy then costs little: the worker, short of CPU,
//! does fewer pieces and the writer more; the writer never waits for a
//! worker that is short of CPU. Once the writer has taken over, the worker touches nothing
//! of the call's and waits for the next call's work.
//!
//! The worker is made once and kept (per process). A thread made for each
//! call and woken for each piece cost most of what it saved on
//! gsoc-2018.json (0.95 of the time without a thread, against 0.69-0.78
//! now) and more than it saved on twitter.json (1.29, now 0.69-0.75).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

use super::utf8_str::fill_units;
use crate::api::options::size_switch;

/// Results from this many characters on (the thread's previous wide
/// result) are transcoded on a second thread (`RJSON_TRANSCODE_THREAD_MIN`
/// overrides, for tests and measuring): below about 120 K characters the
/// thread saves nothing measurable (`benches/ab_thread.py`).
pub fn thread_min() -> usize {
    static MIN: OnceLock<usize> = OnceLock::new();
    size_switch(&MIN, "RJSON_TRANSCODE_THREAD_MIN", 128 << 10)
}

/// Calls that started a worker, pieces workers transcoded, and pieces
/// handed over that the writer took back.
static STARTED: AtomicU64 = AtomicU64::new(0);
static PIECES: AtomicU64 = AtomicU64::new(0);
static TAKEN_BACK: AtomicU64 = AtomicU64::new(0);
/// Times the worker was found late, and calls went on without it.
static BACKED_OFF: AtomicU64 = AtomicU64::new(0);

/// `(calls that started a worker, pieces transcoded by workers, pieces
/// taken back by the writer, times the writer backed off)` so far.
pub fn stats() -> (u64, u64, u64, u64) {
    let get = |count: &AtomicU64| count.load(Ordering::Relaxed);
    (
        get(&STARTED),
        get(&PIECES),
        get(&TAKEN_BACK),
        get(&BACKED_OFF),
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

/// Pieces handed over and not yet known to be done, at most.
const RING: usize = 64;

/// What the two threads share.
struct Shared {
    /// Pieces handed over (the writer's count) and transcoded (the worker's).
    sent: AtomicUsize,
    done: AtomicUsize,
    /// The next piece the worker may take; the writer sets it to `CLOSED`
    /// to take the rest itself. The worker takes a piece by moving it on
    /// by one, so the two never work on the same piece.
    claimed: AtomicUsize,
    /// Piece n's text address and length, at `2 * (n % RING)`.
    slots: [AtomicUsize; 2 * RING],
    /// Characters in the str once `done` pieces are in.
    chars: AtomicUsize,
    /// The worker stopped at piece `done` (it did not go), or panicked.
    stopped: AtomicBool,
}

/// `claimed` once the writer takes over.
const CLOSED: usize = usize::MAX;

/// The writer's handle on the worker.
pub struct Transcoder {
    shared: Arc<Shared>,
    /// The worker, until the writer takes over.
    worker: Option<Thread>,
}

/// Where the worker left off: the str's characters, the pieces (in order)
/// it did not transcode, and whether it stopped at a piece that did not go.
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
    /// Gives the worker a call's work on `target`; `None` when the writer
    /// is backing off, or `post` could not hand it over.
    ///
    /// # Safety
    /// `target` describes a str's data nobody else reads or writes until
    /// `stop` returns.
    pub unsafe fn start(target: Target) -> Option<Self> {
        if backing_off() {
            return None;
        }
        let shared = Arc::new(Shared {
            sent: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            claimed: AtomicUsize::new(0),
            slots: std::array::from_fn(|_| AtomicUsize::new(0)),
            chars: AtomicUsize::new(target.chars),
            stopped: AtomicBool::new(false),
        });
        let worker = post(Job {
            shared: Arc::clone(&shared),
            target: SendTarget(target),
        })?;
        STARTED.fetch_add(1, Ordering::Relaxed);
        Some(Transcoder {
            shared,
            worker: Some(worker),
        })
    }

    /// Hands over `len` bytes of whole UTF-8 characters at `text`; false,
    /// with nothing handed over, when the worker has stopped or is `RING`
    /// pieces behind (then `stop` and take the rest back).
    ///
    /// # Safety
    /// The bytes stay as they are until `stop`.
    pub unsafe fn send(&mut self, text: *const u8, len: usize) -> bool {
        let n = self.shared.sent.load(Ordering::Relaxed);
        if self.shared.stopped.load(Ordering::Acquire)
            || n - self.shared.done.load(Ordering::Acquire) >= RING
        {
            return false;
        }
        let slot = 2 * (n % RING);
        self.shared.slots[slot].store(text as usize, Ordering::Relaxed);
        self.shared.slots[slot + 1].store(len, Ordering::Relaxed);
        // Publishes the slot with it.
        self.shared.sent.store(n + 1, Ordering::Release);
        self.wake();
        true
    }

    /// Wakes the worker if it is parked waiting for a piece (a no-op
    /// otherwise, but for one atomic swap).
    fn wake(&self) {
        if let Some(worker) = &self.worker {
            worker.unpark();
        }
    }

    /// Ends the call's work and says where the worker left off: the writer
    /// takes every piece the worker has not taken, and waits only for the
    /// one it is working on (if any). Past that piece the worker touches
    /// nothing but `Shared` (its own reference) and waits for the next call.
    pub fn stop(mut self) -> Stopped {
        self.end()
    }

    fn end(&mut self) -> Stopped {
        let taken = self.shared.claimed.swap(CLOSED, Ordering::AcqRel);
        self.wake();
        let waiting = Instant::now();
        self.wait_done(taken);
        let waited = waiting.elapsed();
        // It sees `CLOSED` and goes back to waiting for a call.
        self.worker.take();
        let (sent, done) = (
            self.shared.sent.load(Ordering::Acquire),
            self.shared.done.load(Ordering::Acquire),
        );
        let undone = (done..sent)
            .map(|n| {
                let slot = 2 * (n % RING);
                (
                    self.shared.slots[slot].load(Ordering::Relaxed) as *const u8,
                    self.shared.slots[slot + 1].load(Ordering::Relaxed),
                )
            })
            .collect();
        TAKEN_BACK.fetch_add((sent - done) as u64, Ordering::Relaxed);
        let refused = self.shared.stopped.load(Ordering::Acquire);
        note_lateness(waited > LATE || (!refused && sent >= 4 && 2 * (sent - done) > sent));
        Stopped {
            chars: self.shared.chars.load(Ordering::Acquire),
            undone,
            refused,
        }
    }

    /// Waits until the worker has done `count` pieces, or stopped.
    fn wait_done(&self, count: usize) {
        let mut spins = 0u32;
        while self.shared.done.load(Ordering::Acquire) < count
            && !self.shared.stopped.load(Ordering::Acquire)
        {
            spin(&mut spins);
        }
    }

    /// Waits until the worker has done every piece it can (for the tests).
    #[cfg(test)]
    fn settle(&self) {
        self.wait_done(self.shared.sent.load(Ordering::Acquire));
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

/// A worker that kept the writer waiting this long for its last piece, or
/// left it more than half of the pieces, did not get a CPU when it needed
/// one: twice in a row, and the machine is taken to be busy; the next
/// `back_off_calls()` calls go without it.
/// (On a machine whose CPUs are busy, a worker waiting for a CPU mid-piece
/// keeps the writer waiting.)
const LATE: Duration = Duration::from_micros(100);

/// 64 (`RJSON_TRANSCODE_BACK_OFF` overrides, for tests: 0, so that a test
/// on a busy machine still runs its calls through the worker).
fn back_off_calls() -> u32 {
    static CALLS: OnceLock<usize> = OnceLock::new();
    size_switch(&CALLS, "RJSON_TRANSCODE_BACK_OFF", 64) as u32
}

/// Calls still to go without the worker.
static BACKING_OFF: AtomicU32 = AtomicU32::new(0);

/// Calls in a row that found the worker late.
static LATE_CALLS: AtomicU32 = AtomicU32::new(0);

/// Backs off at the third late call in a row. One late call is as likely
/// a moment's preemption. The first two calls with a large result are late
/// on an idle machine too: the worker's stores fault in the pages of a
/// block glibc has just mapped; backing off at the second would leave the
/// calls after without the worker.
const LATE_CALLS_TO_BACK_OFF: u32 = 3;

fn note_lateness(late: bool) {
    if !late {
        LATE_CALLS.store(0, Ordering::Relaxed);
    } else if LATE_CALLS.fetch_add(1, Ordering::Relaxed) + 1 >= LATE_CALLS_TO_BACK_OFF {
        LATE_CALLS.store(0, Ordering::Relaxed);
        back_off();
    }
}

fn back_off() {
    BACKING_OFF.store(back_off_calls(), Ordering::Relaxed);
    BACKED_OFF.fetch_add(1, Ordering::Relaxed);
}

/// Whether this call goes without the worker (counting it off).
fn backing_off() -> bool {
    BACKING_OFF
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(1)
        })
        .is_ok()
}

/// A call's work: its pieces onto its str.
struct Job {
    shared: Arc<Shared>,
    target: SendTarget,
}

impl Job {
    fn ended(&self) -> bool {
        self.shared.claimed.load(Ordering::Acquire) == CLOSED
    }
}

/// The process's worker thread, made on first use and kept.
struct Worker {
    thread: Thread,
    /// The process that made it: a child made by `fork` has no thread but
    /// the one that forked, so it makes its own worker.
    pid: u32,
    /// The next call's work, until the worker takes it.
    mailbox: Arc<Mutex<Option<Job>>>,
}

static WORKER: Mutex<Option<Worker>> = Mutex::new(None);

/// Hands `job` to the process's worker (made first if there is none); the
/// worker's thread, or `None` when no thread could be made, the worker has
/// not yet taken the work of a call still going on (another thread's), or
/// another thread is handing it work. (That lock is never waited for: one
/// held when the process forked would stay held in the child.)
fn post(job: Job) -> Option<Thread> {
    let mut worker = WORKER.try_lock().ok()?;
    let pid = std::process::id();
    if worker.as_ref().is_none_or(|worker| worker.pid != pid) {
        let mailbox = Arc::new(Mutex::new(None));
        let theirs = Arc::clone(&mailbox);
        let thread = std::thread::Builder::new()
            .name("rjson-transcode".into())
            .spawn(move || serve(&theirs))
            .ok()?
            .thread()
            .clone();
        *worker = Some(Worker {
            thread,
            pid,
            mailbox,
        });
    }
    let worker = worker.as_ref()?;
    {
        // The worker holds it only for moments. (A child of a fork uses
        // its own worker's, made above, never one its parent's held.)
        let mut next = worker
            .mailbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // A call that ended before the worker took its work left it here.
        if next.as_ref().is_some_and(|job| !job.ended()) {
            return None;
        }
        *next = Some(job);
    }
    worker.thread.unpark();
    Some(worker.thread.clone())
}

/// The worker's life: each call's work in turn.
fn serve(mailbox: &Mutex<Option<Job>>) {
    let mut idle = Idle::default();
    loop {
        let next = mailbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(job) = next else {
            idle.wait();
            continue;
        };
        idle = Idle::default();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            work(&job.shared, job.target.0)
        }));
        if outcome.is_err() {
            job.shared.stopped.store(true, Ordering::Release);
        }
    }
}

/// How long the worker spins for the next piece or call before it sleeps
/// until `send` or `post` wakes it: longer than a writer takes for a piece,
/// so a call's pieces cost no wake-up (a futex call, several microseconds
/// on a virtual machine). Longer spins gain nothing on an idle machine and
/// take CPU time from others on a busy one.
const SPIN_FOR: Duration = Duration::from_micros(50);

/// The worker's waiting: spin, then sleep.
#[derive(Default)]
struct Idle {
    spins: u32,
    since: Option<Instant>,
}

impl Idle {
    fn wait(&mut self) {
        self.spins = self.spins.wrapping_add(1);
        // The clock is read every 64 turns (~2 µs).
        if !self.spins.is_multiple_of(64)
            || self.since.get_or_insert_with(Instant::now).elapsed() < SPIN_FOR
        {
            std::hint::spin_loop();
            return;
        }
        std::thread::park();
        self.since = None;
    }
}

/// A call's work: each piece in turn onto the str, until the writer takes
/// over or a piece does not go.
fn work(shared: &Shared, target: Target) {
    let mut chars = target.chars;
    let mut n = 0;
    let mut idle = Idle::default();
    loop {
        if shared.sent.load(Ordering::Acquire) == n {
            if shared.claimed.load(Ordering::Acquire) == CLOSED {
                return;
            }
            idle.wait();
            continue;
        }
        idle = Idle::default();
        // Take piece n, unless the writer took over.
        if shared
            .claimed
            .compare_exchange(n, n + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        let slot = 2 * (n % RING);
        let text = shared.slots[slot].load(Ordering::Relaxed) as *const u8;
        let len = shared.slots[slot + 1].load(Ordering::Relaxed);
        // SAFETY: the writer's piece stays as it is until `stop`, and the
        // str's units from `chars` to `cap` are ours (`start`) while we
        // hold a piece.
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
    use std::sync::{Mutex, PoisonError};

    use super::{Target, Transcoder};

    /// One call at a time, as with the GIL: the worker takes one call's
    /// work at a time.
    static ONE_CALL: Mutex<()> = Mutex::new(());

    /// Pieces of `texts` through a worker onto a u16 buffer of `cap` units
    /// (`settle`: the writer lets the worker do all it can before it
    /// stops it): the text it wrote, the pieces it handed back, and those
    /// the writer could not send.
    fn run(texts: &[&str], cap: usize, settle: bool) -> (String, Vec<String>, usize) {
        let _call = ONE_CALL.lock().unwrap_or_else(PoisonError::into_inner);
        // A test before may have left the worker out (it stopped it early).
        super::BACKING_OFF.store(0, std::sync::atomic::Ordering::Relaxed);
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
            for text in texts {
                if !transcoder.send(text.as_ptr(), text.len()) {
                    break;
                }
                sent += 1;
                if settle {
                    transcoder.settle();
                }
            }
            transcoder.stop()
        };
        units.truncate(stopped.chars);
        let undone = stopped
            .undone
            .iter()
            // SAFETY: the pieces handed back are `texts`' own bytes.
            .map(|&(p, n)| {
                String::from_utf8(unsafe { std::slice::from_raw_parts(p, n) }.to_vec()).unwrap()
            })
            .collect();
        (
            String::from_utf16(&units).unwrap(),
            undone,
            texts.len() - sent,
        )
    }

    #[test]
    fn a_late_worker_is_left_out_of_the_next_calls() {
        let _call = ONE_CALL.lock().unwrap_or_else(PoisonError::into_inner);
        let mut units = [0u16; 4];
        let target = Target {
            data: units.as_mut_ptr().cast(),
            max_char: 0xFFFF,
            chars: 0,
            cap: 4,
        };
        super::back_off();
        // SAFETY: `units` is ours and untouched until `stop`.
        let start = || unsafe { Transcoder::start(target) }.map(Transcoder::stop);
        for _ in 0..super::back_off_calls() {
            assert!(start().is_none());
        }
        assert!(start().is_some());
    }

    #[test]
    fn pieces_are_written_in_order() {
        let texts: Vec<String> = (0..50)
            .map(|i| format!("piece {i} \u{e9}\u{3042} ").repeat(i % 7 + 1))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (done, undone, unsent) = run(&refs, 10_000, true);
        assert_eq!(done, refs.concat());
        assert!(undone.is_empty() && unsent == 0);
    }

    #[test]
    fn a_piece_that_does_not_go_stops_the_worker() {
        // Too wide for u16 at piece 3; no room at piece 2.
        let (done, undone, unsent) =
            run(&["a\u{e9}", "b", "c\u{3042}", "d\u{1F600}", "e"], 100, true);
        assert_eq!(done, "a\u{e9}bc\u{3042}");
        assert_eq!((undone.concat(), unsent), ("d\u{1F600}".to_string(), 1));
        let (done, undone, unsent) = run(&["ab", "cd", "ef", "gh"], 5, true);
        assert_eq!(done, "abcd");
        assert_eq!((undone.concat(), unsent), ("ef".to_string(), 1));
    }

    #[test]
    fn a_writer_that_stops_the_worker_early_loses_no_piece() {
        // Stopped at once: what the worker wrote, what it handed back and
        // what was never sent are the text, in order.
        let texts: Vec<String> = (0..200)
            .map(|i| format!("p{i} \u{3042}").repeat(i % 5 + 1))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        for _ in 0..50 {
            let (done, undone, unsent) = run(&refs, 100_000, false);
            let rest = refs[refs.len() - unsent..].concat();
            assert_eq!(done + &undone.concat() + &rest, refs.concat());
        }
    }
}
