//! sockwhy's own signals. They are blocked in every thread and taken synchronously by
//! the tracer thread with sigwait, together with SIGCHLD (which every ptrace stop and
//! exit raises): no handler, no race between "check a flag" and "block in waitpid".
#![allow(unsafe_code)]

use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use std::time::Instant;

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
}

fn set() -> SigSet {
    let mut s = SigSet::empty();
    for sig in [
        Signal::SIGCHLD,
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGUSR1,
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

/// Wait for the next signal of ours until `deadline`; None when it passed first.
pub fn wait_until(deadline: Instant) -> Option<Wake> {
    let left = deadline.saturating_duration_since(Instant::now());
    let ts = libc::timespec {
        tv_sec: left.as_secs() as libc::time_t,
        tv_nsec: left.subsec_nanos() as libc::c_long,
    };
    let s = set();
    // SAFETY: the set and the timeout are valid for the call; no siginfo is asked for.
    let sig = unsafe { libc::sigtimedwait(s.as_ref(), std::ptr::null_mut(), &ts) };
    match sig {
        -1 if nix::errno::Errno::last() == nix::errno::Errno::EAGAIN => None,
        -1 => Some(Wake::Child),
        sig => Some(wake_of(sig)),
    }
}

fn wake_of(sig: libc::c_int) -> Wake {
    match sig {
        libc::SIGINT => Wake::Interrupt,
        libc::SIGTERM | libc::SIGHUP => Wake::Terminate,
        libc::SIGUSR1 => Wake::Request,
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
