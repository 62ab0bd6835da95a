//! sockwhy's own signals. They are blocked in every thread and taken synchronously by
//! the tracer thread with sigwait, together with SIGCHLD (which every ptrace stop and
//! exit raises): no handler, no race between "check a flag" and "block in waitpid".

use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};

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
        Ok(Signal::SIGINT) => Wake::Interrupt,
        Ok(Signal::SIGTERM) | Ok(Signal::SIGHUP) => Wake::Terminate,
        Ok(Signal::SIGUSR1) => Wake::Request,
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
