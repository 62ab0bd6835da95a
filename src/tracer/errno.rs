//! From the raw kernel return value to what the program sees.

use crate::model::errno::{Errno, error_of};

/// The kernel-internal restart codes (include/linux/errno.h), never seen by programs: a
/// signal interrupted the call, and the kernel either runs it again or turns the code
/// into EINTR, depending on whether a handler runs and on its SA_RESTART.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartCode {
    /// Restarted unless a handler without SA_RESTART runs.
    Sys,
    /// Always restarted.
    NoIntr,
    /// Restarted unless a handler runs.
    NoHand,
    /// Restarted through restart_syscall unless a handler runs.
    RestartBlock,
}

impl RestartCode {
    /// The kernel's errno number for it (`ERESTARTSYS`, ...), as the record names it.
    pub fn errno(self) -> Errno {
        match self {
            RestartCode::Sys => Errno::ERESTARTSYS,
            RestartCode::NoIntr => Errno::ERESTARTNOINTR,
            RestartCode::NoHand => Errno::ERESTARTNOHAND,
            RestartCode::RestartBlock => Errno::ERESTART_RESTARTBLOCK,
        }
    }

    fn from_errno(e: Errno) -> Option<RestartCode> {
        [
            RestartCode::Sys,
            RestartCode::NoIntr,
            RestartCode::NoHand,
            RestartCode::RestartBlock,
        ]
        .into_iter()
        .find(|c| c.errno() == e)
    }
}

/// What the exit stop shows.
#[derive(Debug, PartialEq, Eq)]
pub enum KernelResult {
    /// A result the program sees as it is.
    Done(Outcome),
    /// A restart code: what the program sees is decided after the stop.
    Interrupted(RestartCode),
}

/// What a call's result is for the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Success with this value.
    Success(i64),
    /// Failure with this errno.
    Error(Errno),
    /// A signal interrupted it and the program saw no error: the kernel restarted the
    /// call (no handler ran, or the handler had SA_RESTART), or the thread never came
    /// back to it (its handler did not return, or it ended).
    NotSeen(RestartCode),
    /// A signal interrupted it, a handler ran, and the program saw EINTR.
    Eintr(RestartCode),
}

impl Outcome {
    /// What the program saw was an error (its probes then need the thread's stop).
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Error(_) | Outcome::Eintr(_))
    }
}

/// Interpret a raw return value (an error is what `error_of` says it is).
pub fn kernel_result(rval: i64) -> KernelResult {
    let Some(e) = error_of(rval) else {
        return KernelResult::Done(Outcome::Success(rval));
    };
    match RestartCode::from_errno(e) {
        Some(code) => KernelResult::Interrupted(code),
        None => KernelResult::Done(Outcome::Error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_range_and_restarts() {
        let done = |o| KernelResult::Done(o);
        assert_eq!(kernel_result(3), done(Outcome::Success(3)));
        assert_eq!(kernel_result(-2), done(Outcome::Error(Errno::ENOENT)));
        assert_eq!(kernel_result(-4096), done(Outcome::Success(-4096)));
        assert_eq!(
            kernel_result(-512),
            KernelResult::Interrupted(RestartCode::Sys)
        );
        assert_eq!(
            kernel_result(-513),
            KernelResult::Interrupted(RestartCode::NoIntr)
        );
        assert_eq!(
            kernel_result(-516),
            KernelResult::Interrupted(RestartCode::RestartBlock)
        );
        assert_eq!(RestartCode::NoHand.errno().name(), Some("ERESTARTNOHAND"));
        // 515 (ENOIOCTLCMD) is kernel-internal too, but not a restart code.
        assert!(matches!(
            kernel_result(-515),
            KernelResult::Done(Outcome::Error(_))
        ));
    }
}
