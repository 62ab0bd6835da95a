//! waitpid, decoded here rather than by nix: nix's `WaitStatus` cannot hold a signal
//! outside its `Signal` enum, so a real-time signal (glibc's own SIGCANCEL and SIGSETXID
//! among them) made waitpid "fail" with EINVAL and ended the trace.
#![allow(unsafe_code)]

use super::stop::{SigNum, Stop};
use crate::model::Tid;
use nix::errno::Errno;

/// What waitpid reported for one task.
pub enum WaitEvent {
    /// It exited with this code.
    Exited {
        /// The task.
        tid: Tid,
        /// Its exit code.
        code: i32,
    },
    /// A signal killed it.
    Killed {
        /// The task.
        tid: Tid,
        /// The signal.
        sig: SigNum,
        /// It dumped core.
        core: bool,
    },
    /// It is in a ptrace stop, held by the tracer until resumed.
    Stopped {
        /// The stop.
        stop: Stop,
        /// Which kind.
        kind: StopKind,
    },
}

/// The kinds of ptrace stop, as the wait status tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopKind {
    /// A signal-delivery-stop for this signal (or the SIGTRAP of a single step).
    Signal(SigNum),
    /// A syscall-entry or -exit stop (PTRACE_O_TRACESYSGOOD marks them).
    Syscall,
    /// A PTRACE_EVENT_* stop; `sig` is the stop signal (for PTRACE_EVENT_STOP, the one
    /// that caused a group-stop, or SIGTRAP).
    Event {
        /// PTRACE_EVENT_FORK, ...
        event: i32,
        /// WSTOPSIG.
        sig: SigNum,
    },
}

/// A wait status, classified (pure, so it can be tested on made-up statuses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// WIFEXITED.
    Exited(i32),
    /// WIFSIGNALED: signal, core dumped.
    Killed(SigNum, bool),
    /// WIFSTOPPED.
    Stopped(StopKind),
    /// WIFCONTINUED, or nothing we know (a tracer using __WALL without WCONTINUED
    /// should not see it).
    Other,
}

/// Classify a raw wait status.
pub fn classify(status: i32) -> Status {
    if libc::WIFEXITED(status) {
        Status::Exited(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Status::Killed(libc::WTERMSIG(status), libc::WCOREDUMP(status))
    } else if libc::WIFSTOPPED(status) {
        let sig = libc::WSTOPSIG(status);
        let event = (status >> 16) & 0xff;
        Status::Stopped(if sig == libc::SIGTRAP | 0x80 {
            StopKind::Syscall
        } else if event != 0 {
            StopKind::Event { event, sig }
        } else {
            StopKind::Signal(sig)
        })
    } else {
        Status::Other
    }
}

/// The next state change of any tracee, without blocking: Ok(None) when none is ready.
pub fn wait_any() -> Result<Option<WaitEvent>, Errno> {
    wait(libc::__WALL | libc::WNOHANG)
}

/// The next state change of any tracee, blocking until there is one.
pub fn wait_any_blocking() -> Result<Option<WaitEvent>, Errno> {
    wait(libc::__WALL)
}

fn wait(flags: libc::c_int) -> Result<Option<WaitEvent>, Errno> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: `status` is a valid place for waitpid to write the status.
        let tid = unsafe { libc::waitpid(-1, &mut status, flags) };
        match tid {
            -1 => return Err(Errno::last()),
            0 => return Ok(None),
            tid => match classify(status) {
                Status::Exited(code) => return Ok(Some(WaitEvent::Exited { tid, code })),
                Status::Killed(sig, core) => {
                    return Ok(Some(WaitEvent::Killed { tid, sig, core }));
                }
                Status::Stopped(kind) => {
                    return Ok(Some(WaitEvent::Stopped {
                        stop: Stop::new(tid),
                        kind,
                    }));
                }
                // Not a stop, nothing to resume: look again.
                Status::Other => continue,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stopped(sig: i32, event: i32) -> i32 {
        (event << 16) | (sig << 8) | 0x7f
    }

    #[test]
    fn every_signal_number_is_kept() {
        assert_eq!(classify(7 << 8), Status::Exited(7));
        // Killed by SIGRTMIN+2 (36), and by SIGSEGV with a core.
        assert_eq!(classify(36), Status::Killed(36, false));
        assert_eq!(classify(11 | 0x80), Status::Killed(11, true));
        for sig in [1, 10, 32, 33, 34, 50, 64] {
            assert_eq!(
                classify(stopped(sig, 0)),
                Status::Stopped(StopKind::Signal(sig))
            );
        }
        assert_eq!(
            classify(stopped(libc::SIGTRAP | 0x80, 0)),
            Status::Stopped(StopKind::Syscall)
        );
        assert_eq!(
            classify(stopped(libc::SIGTRAP, libc::PTRACE_EVENT_SECCOMP)),
            Status::Stopped(StopKind::Event {
                event: libc::PTRACE_EVENT_SECCOMP,
                sig: libc::SIGTRAP
            })
        );
        assert_eq!(
            classify(stopped(libc::SIGSTOP, libc::PTRACE_EVENT_STOP)),
            Status::Stopped(StopKind::Event {
                event: libc::PTRACE_EVENT_STOP,
                sig: libc::SIGSTOP
            })
        );
        assert_eq!(classify(0xffff), Status::Other);
    }
}
