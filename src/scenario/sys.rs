//! The few raw calls the scenarios need that no safe wrapper offers: fork, and syscalls
//! made on purpose with arguments a safe API refuses to build (a bad pointer, an oversized
//! address, a socket type or protocol outside nix's enums).
#![allow(unsafe_code)]

use nix::unistd::{ForkResult, Pid};

/// Which side of a fork we are on.
pub(crate) enum Forked {
    /// The new process.
    Child,
    /// The original process, with the child's pid.
    Parent(Pid),
}

/// fork(2).
pub(crate) fn fork() -> Result<Forked, String> {
    // SAFETY: scenarios never start threads, so the child is a full copy of a single-threaded
    // process and may run any code, allocation included.
    match unsafe { nix::unistd::fork() } {
        Ok(ForkResult::Child) => Ok(Forked::Child),
        Ok(ForkResult::Parent { child }) => Ok(Forked::Parent(child)),
        Err(e) => Err(format!("fork: {e}")),
    }
}
