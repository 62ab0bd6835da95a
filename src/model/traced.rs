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

/// Positional I/O. On a socket it can only fail, with ESPIPE: the file layer refuses an
/// offset on anything that is not seekable before the socket sees the call (or EINVAL for
/// a negative offset, EBADF for a closed fd), so nothing about the socket can explain it.
/// Left out of the default set, so a program that works on files does not stop at each
/// one; `-e trace=pread64,pwrite64` (or `%fdio`) asks for them.
pub const POSITIONAL_IO_CALLS: &[Sysno] = &[Sysno::pread64, Sysno::pwrite64];

/// True for a call of the read/write family.
pub fn is_fd_io(s: Sysno) -> bool {
    FD_IO_CALLS.contains(&s)
}

/// The calls reported when `-e trace=` does not say: every reportable call but positional
/// I/O (`POSITIONAL_IO_CALLS`).
pub fn default_reported() -> SysnoSet {
    let mut set = all_reportable();
    for s in POSITIONAL_IO_CALLS {
        set.remove(*s);
    }
    set
}

/// Every call that can be reported (`-e trace=` names).
pub fn all_reportable() -> SysnoSet {
    let mut set = SysnoSet::empty();
    for s in SOCKET_CALLS.iter().chain(FD_IO_CALLS) {
        set.insert(*s);
    }
    set
}
