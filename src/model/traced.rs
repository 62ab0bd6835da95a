//! The set of system calls sockwhy can trace, named through the `syscalls` crate.

use syscalls::{Sysno, SysnoSet};

/// Socket calls: traced on every AF_UNIX socket.
pub const SOCKET_CALLS: &[Sysno] = &[
    Sysno::socket,
    Sysno::socketpair,
    Sysno::bind,
    Sysno::listen,
    Sysno::accept,
    Sysno::accept4,
    Sysno::connect,
    Sysno::getsockname,
    Sysno::getpeername,
    Sysno::sendto,
    Sysno::recvfrom,
    Sysno::sendmsg,
    Sysno::recvmsg,
    Sysno::sendmmsg,
    Sysno::recvmmsg,
    Sysno::shutdown,
    Sysno::setsockopt,
    Sysno::getsockopt,
];

/// The read/write family: reported only when the fd is a (traced-family) socket.
pub const FD_IO_CALLS: &[Sysno] = &[
    Sysno::read,
    Sysno::write,
    Sysno::readv,
    Sysno::writev,
    Sysno::pread64,
    Sysno::pwrite64,
    Sysno::close,
];

/// Calls that change what an fd number refers to: never shown, but stopped on so the
/// per-process fd-kind cache stays true. (close is in FD_IO_CALLS; close_range, which
/// only empties the cache, is added by the tracer.)
pub const FD_CHANGING_CALLS: &[Sysno] = &[Sysno::dup, Sysno::dup2, Sysno::dup3, Sysno::fcntl];

/// True for a call of the read/write family.
pub fn is_fd_io(s: Sysno) -> bool {
    FD_IO_CALLS.contains(&s)
}

/// Every call that can be reported (`-e trace=` names).
pub fn all_reportable() -> SysnoSet {
    let mut set = SysnoSet::empty();
    for s in SOCKET_CALLS.iter().chain(FD_IO_CALLS) {
        set.insert(*s);
    }
    set
}
