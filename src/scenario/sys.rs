//! The few raw calls the scenarios need that no safe wrapper offers: fork, a signal handler,
//! and syscalls made on purpose with arguments a safe API refuses to build (a bad pointer,
//! an oversized or foreign address, a socket type or protocol outside nix's enums).
#![allow(unsafe_code)]

use nix::errno::Errno;
use nix::unistd::{ForkResult, Pid};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

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

/// socket(2) with any domain, type and protocol numbers.
pub(crate) fn socket_raw(domain: i32, ty: i32, protocol: i32) -> Result<OwnedFd, Errno> {
    // SAFETY: socket() takes only integers.
    let fd = unsafe { libc::socket(domain, ty, protocol) };
    if fd < 0 {
        return Err(Errno::last());
    }
    // SAFETY: fd was just returned by socket() and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// connect(2) with `addr` passed as raw bytes, whatever its length.
pub(crate) fn connect_bytes(fd: BorrowedFd<'_>, addr: &[u8]) -> Result<(), Errno> {
    let len = libc::socklen_t::try_from(addr.len()).map_err(|_| Errno::EOVERFLOW)?;
    // SAFETY: the kernel reads at most `len` bytes from a live slice of that length.
    let r = unsafe { libc::connect(fd.as_raw_fd(), addr.as_ptr().cast(), len) };
    Errno::result(r).map(drop)
}

/// connect(2) with an address pointer that points at no mapped memory.
pub(crate) fn connect_bad_pointer(fd: BorrowedFd<'_>) -> Result<(), Errno> {
    // Page zero is never mapped (vm.mmap_min_addr), so the kernel's copy fails cleanly.
    let bad = 8usize as *const libc::sockaddr;
    let len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: the kernel validates user pointers itself and reports EFAULT; this process
    // never dereferences `bad`.
    let r = unsafe { libc::connect(fd.as_raw_fd(), bad, len) };
    Errno::result(r).map(drop)
}

extern "C" fn ignore_signal(_: libc::c_int) {}

/// Catch `sig` with a handler that does nothing, installed without SA_RESTART, so a blocking
/// call it interrupts fails with EINTR instead of restarting.
pub(crate) fn catch_without_restart(sig: nix::sys::signal::Signal) -> Result<(), String> {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet};
    let action = SigAction::new(
        SigHandler::Handler(ignore_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing, so it is async-signal-safe and touches no state.
    unsafe { nix::sys::signal::sigaction(sig, &action) }
        .map(drop)
        .map_err(|e| format!("sigaction({sig}): {e}"))
}
