//! sockwhy's own signals. They are blocked in every thread and taken synchronously by
//! the tracer thread with sigwait, together with SIGCHLD (which every ptrace stop and
//! exit raises) and the `Ticker`'s SIGALRM: no handler, no race between "check a flag"
//! and "block in waitpid".

use nix::sys::signal::{SigEvent, SigSet, SigevNotify, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::timer::{Expiration, Timer, TimerSetTimeFlags};
use nix::time::ClockId;
use std::time::Duration;

/// Why the tracer woke up.
#[derive(Debug)]
pub enum Wake {
    /// A tracee changed state.
    Child,
    /// SIGINT.
    Interrupt,
    /// SIGTERM or SIGHUP.
    Terminate,
    /// Another thread sent a request (see `wake`).
    Request,
    /// The `Ticker`'s period passed.
    Tick,
}

fn set() -> SigSet {
    let mut s = SigSet::empty();
    for sig in [
        Signal::SIGCHLD,
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGUSR1,
        Signal::SIGALRM,
    ] {
        s.add(sig);
    }
    s
}

/// Block our signals in the calling thread (and every thread it starts later).
/// Returns the mask before, which the traced program must get back.
pub fn block() -> nix::Result<SigSet> {
    let mut old = SigSet::empty();
    pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set()), Some(&mut old))?;
    Ok(old)
}

/// Wait for the next signal of ours.
pub fn wait() -> Wake {
    match set().wait() {
        Ok(sig) => wake_of(sig as i32),
        Err(_) => Wake::Child,
    }
}

/// The next signal of ours if one is pending, without waiting (a zero-timeout
/// sigtimedwait: it takes the signal, as `wait` does). nix has no sigtimedwait.
#[allow(unsafe_code)]
pub fn poll() -> Option<Wake> {
    let set = set();
    let zero = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `set` is an initialised sigset_t and `zero` a valid timespec, both live for
    // the call; a null siginfo pointer is allowed.
    let sig = unsafe { libc::sigtimedwait(set.as_ref(), std::ptr::null_mut(), &zero) };
    (sig > 0).then(|| wake_of(sig))
}

/// A periodic SIGALRM to the tracer thread while messages are held for the pipeline
/// (`outbox.rs`), so they go over within one period however long the program stays quiet.
/// One timer kept armed, not a timeout on each sleep: the tracer sleeps between most
/// stops, and on a VM arming and cancelling a timer each time are exits to the hypervisor
/// (the connects workload ran about 15% faster). POSIX timers are not inherited by fork,
/// so the traced program never sees it.
pub struct Ticker {
    timer: Timer,
    on: bool,
}

impl Ticker {
    /// A stopped ticker that signals the calling thread.
    pub fn new() -> nix::Result<Self> {
        let ev = SigEvent::new(SigevNotify::SigevThreadId {
            signal: Signal::SIGALRM,
            thread_id: nix::unistd::gettid().as_raw(),
            si_value: 0,
        });
        Ok(Ticker {
            timer: Timer::new(ClockId::CLOCK_MONOTONIC, ev)?,
            on: false,
        })
    }

    /// Tick every `period` (on) or not at all (off); a syscall only when that changes.
    /// False when the timer could not be set that way.
    pub fn set(&mut self, on: bool, period: Duration) -> bool {
        if on == self.on {
            return true;
        }
        // A one-shot expiry of zero disarms the timer.
        let when = if on {
            Expiration::Interval(period.into())
        } else {
            Expiration::OneShot(Duration::ZERO.into())
        };
        let ok = self.timer.set(when, TimerSetTimeFlags::empty()).is_ok();
        if ok {
            self.on = on;
        }
        ok
    }
}

fn wake_of(sig: libc::c_int) -> Wake {
    match sig {
        libc::SIGINT => Wake::Interrupt,
        libc::SIGTERM | libc::SIGHUP => Wake::Terminate,
        libc::SIGUSR1 => Wake::Request,
        libc::SIGALRM => Wake::Tick,
        _ => Wake::Child,
    }
}

/// From any thread: wake the tracer thread to look at its requests (the request itself
/// travels on a channel).
pub fn wake() {
    // Process-directed and blocked everywhere, so it stays pending until the tracer
    // thread's sigwait takes it.
    let _ = nix::sys::signal::kill(nix::unistd::getpid(), Signal::SIGUSR1);
}

/// Let the calling thread take SIGTERM and SIGHUP itself (the live TUI's thread: its
/// handler restores the terminal and then asks the tracer to detach or kill).
pub fn unblock_termination() {
    let mut s = SigSet::empty();
    s.add(Signal::SIGTERM);
    s.add(Signal::SIGHUP);
    let _ = pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&s), None);
}
