//! Signals: SIGINT and SIGTERM end a run cleanly (docs/exit-codes.md#3-partial-or-interrupted-run:
//! the record is written with `"status": "interrupted"`, exit 3), and a model program that closes
//! its pipe never takes the harness down with SIGPIPE.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// Set by the first SIGINT or SIGTERM.
static INTERRUPTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();
/// Which signal it was.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Whether the run has been asked to stop. Long loops (sending work to a model, the
/// chunks of a run) look at it and wind down, keeping what they have.
pub fn interrupted() -> bool {
    INTERRUPTED
        .get()
        .is_some_and(|flag| flag.load(Ordering::Relaxed))
}

/// The name of the signal that interrupted the run, if one did.
pub fn signal_name() -> Option<&'static str> {
    if !interrupted() {
        return None;
    }
    Some(match SIGNAL.load(Ordering::Relaxed) {
        #[cfg(unix)]
        libc::SIGTERM => "SIGTERM",
        _ => "SIGINT",
    })
}

/// Marks the run as interrupted without a signal (tests and library callers).
pub fn request_stop() {
    flag().store(true, Ordering::Relaxed);
}

fn flag() -> &'static Arc<AtomicBool> {
    INTERRUPTED.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Catches SIGINT and SIGTERM: the first sets the flag [`interrupted`] reads; a second
/// one, while the run winds down, ends the process at once (exit 130), as a user
/// pressing Ctrl-C twice expects.
pub fn install_interrupt_handlers() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let flag = Arc::clone(flag());
        for signal in [SIGINT, SIGTERM] {
            // Registered before the flag setter, so it sees the flag as it was: set
            // only by an earlier signal.
            signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&flag))?;
            signal_hook::flag::register(signal, Arc::clone(&flag))?;
            // SAFETY: the action only stores to an atomic, which is async-signal-safe.
            unsafe {
                signal_hook::low_level::register(signal, move || {
                    SIGNAL.store(signal, Ordering::Relaxed);
                })?;
            }
        }
    }
    Ok(())
}

/// Blocks SIGPIPE in the calling thread: a write to a closed pipe then fails with
/// EPIPE there instead of raising a signal whose default action (restored by `main`
/// for `attr-eval ... | head`) would end the whole process.
pub fn block_sigpipe_in_this_thread() {
    #[cfg(unix)]
    // SAFETY: the set is initialised by sigemptyset before use, and pthread_sigmask only
    // changes this thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}
