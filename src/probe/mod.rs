//! Read-only facts from the live system, asked only for failing calls while the tracee
//! is still stopped at the exit stop, and socket identity for fds.

pub mod identity;
pub mod netunix;
pub mod owners;
pub mod sockdiag;

use crate::model::{Facts, Pid, SyscallEvent, Tid};

/// Who failed.
#[derive(Clone, Copy, Debug)]
pub struct ProbeCtx {
    /// Thread-group id of the tracee.
    pub pid: Pid,
    /// Thread that made the call.
    pub tid: Tid,
}

/// Gather the facts that could explain `ev`'s failure.
pub fn probe_failure(_ctx: &ProbeCtx, _ev: &SyscallEvent) -> Facts {
    Facts::default()
}
