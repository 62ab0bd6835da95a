//! Per-process cache of what each fd is, so a read/write on a non-socket costs no exit
//! stop and a socket's identity is looked up once, not on every call.
#![allow(unsafe_code)]

use crate::model::{Fd, Pid, SockId, Tid};
use std::collections::HashMap;
use std::ffi::CString;
use syscalls::Sysno;

/// What an fd refers to, as far as tracing cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FdKind {
    /// An AF_UNIX socket.
    Unix,
    /// A socket of another family (`TCP`, `NETLINK`, ...).
    OtherSocket(String),
    /// Not a socket (or not open).
    NotSocket,
}

#[derive(Default)]
struct Entry {
    kind: Option<FdKind>,
    id: Option<SockId>,
}

/// Cache keyed by thread-group (threads share the fd table), then fd.
#[derive(Default)]
pub struct FdCache {
    procs: HashMap<Pid, HashMap<Fd, Entry>>,
}

impl FdCache {
    /// The kind of `fd` in `pid`, probing /proc once per fd through thread `via` (any
    /// live thread of `pid`: the main one may have exited, and its /proc/PID/fd with it).
    pub fn kind(&mut self, pid: Pid, via: Tid, fd: Fd) -> FdKind {
        let e = self.procs.entry(pid).or_default().entry(fd).or_default();
        e.kind.get_or_insert_with(|| probe_kind(via, fd)).clone()
    }

    /// The identity of `fd` in `pid`, looked up (through thread `via`) once until the fd
    /// changes.
    pub fn identity(&mut self, pid: Pid, via: Tid, fd: Fd) -> Option<SockId> {
        let e = self.procs.entry(pid).or_default().entry(fd).or_default();
        if e.id.is_none() {
            e.id = crate::probe::identity::probe_fd_identity(via, fd);
        }
        e.id.clone()
    }

    /// Apply what a call (or an exec, or the end of the process) did to the fd numbers
    /// of `pid`.
    pub fn apply(&mut self, pid: Pid, change: FdChange) {
        match change {
            FdChange::None => {}
            FdChange::Renamed(fds) => {
                if let Some(p) = self.procs.get_mut(&pid) {
                    for fd in fds {
                        p.remove(&fd);
                    }
                }
            }
            FdChange::Rebound(fd) => {
                if let Some(e) = self.procs.get_mut(&pid).and_then(|p| p.get_mut(&fd)) {
                    e.id = None;
                }
            }
            FdChange::All => {
                self.procs.remove(&pid);
            }
        }
    }
}

/// How something changed what the fd numbers of a process name. `change_at_entry` and
/// `change_at_exit` are the one list of the calls that do it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FdChange {
    /// Nothing changed.
    None,
    /// These numbers were freed or now name something new.
    Renamed(Vec<Fd>),
    /// The same socket, but its name or peer may have changed (connect, bind, ...).
    Rebound(Fd),
    /// Any number may have changed: close_range, exec (O_CLOEXEC), the process ended.
    All,
}

/// At the entry stop, after decoding (which read the identity of an fd being closed):
/// close frees its number, close_range many.
pub fn change_at_entry(sys: Sysno, fd: Option<Fd>) -> FdChange {
    match (sys, fd) {
        (Sysno::close, Some(fd)) => FdChange::Renamed(vec![fd]),
        (Sysno::close_range, _) => FdChange::All,
        _ => FdChange::None,
    }
}

/// At the exit stop: the numbers a call created (its result, and `created`: socketpair's
/// pair and fds received with SCM_RIGHTS, as decoded) and the sockets whose identity it
/// changed.
pub fn change_at_exit(sys: Sysno, fd: Option<Fd>, rval: i64, created: &[Fd]) -> FdChange {
    let mut new = created.to_vec();
    match sys {
        Sysno::dup
        | Sysno::dup2
        | Sysno::dup3
        | Sysno::fcntl
        | Sysno::socket
        | Sysno::accept
        | Sysno::accept4
            if rval >= 0 =>
        {
            new.extend(Fd::try_from(rval).ok())
        }
        Sysno::connect | Sysno::bind | Sysno::listen | Sysno::shutdown => {
            if let Some(fd) = fd {
                return FdChange::Rebound(fd);
            }
        }
        _ => {}
    }
    if new.is_empty() {
        FdChange::None
    } else {
        FdChange::Renamed(new)
    }
}

/// Ask the kernel what `fd` is: the `system.sockprotoname` attribute of a socket's
/// /proc/PID/fd link names its protocol ("UNIX", "TCP", ...) in one syscall; anything
/// that has no such attribute is not a socket.
fn probe_kind(tid: Tid, fd: Fd) -> FdKind {
    let Ok(path) = CString::new(format!("/proc/{tid}/fd/{fd}")) else {
        return FdKind::NotSocket;
    };
    let name = c"system.sockprotoname";
    let mut buf = [0u8; 64];
    // SAFETY: both strings are NUL-terminated and `buf` is writable for its length.
    let n = unsafe {
        libc::getxattr(
            path.as_ptr(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n <= 0 {
        return FdKind::NotSocket;
    }
    let proto = &buf[..n as usize];
    let proto = proto.strip_suffix(b"\0").unwrap_or(proto);
    // "UNIX" on older kernels, "UNIX-STREAM" / "UNIX-DGRAM" / ... on newer ones.
    if proto.starts_with(b"UNIX") {
        FdKind::Unix
    } else {
        FdKind::OtherSocket(String::from_utf8_lossy(proto).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn tells_unix_sockets_from_files_and_tcp() {
        let me = std::process::id() as i32;
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let f = std::fs::File::open("/proc/self/status").unwrap();
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = FdCache::default();
        assert_eq!(c.kind(me, me, a.as_raw_fd()), FdKind::Unix);
        assert_eq!(c.kind(me, me, f.as_raw_fd()), FdKind::NotSocket);
        assert_eq!(
            c.kind(me, me, tcp.as_raw_fd()),
            FdKind::OtherSocket("TCP".into())
        );
        assert_eq!(c.kind(me, me, 9999), FdKind::NotSocket);
        c.apply(me, change_at_entry(Sysno::close, Some(a.as_raw_fd())));
        c.apply(me, FdChange::All);
        assert!(c.procs.is_empty());
    }

    #[test]
    fn calls_that_change_fd_numbers() {
        assert_eq!(
            change_at_entry(Sysno::close, Some(4)),
            FdChange::Renamed(vec![4])
        );
        assert_eq!(change_at_entry(Sysno::close_range, None), FdChange::All);
        assert_eq!(change_at_entry(Sysno::read, Some(4)), FdChange::None);
        assert_eq!(
            change_at_exit(Sysno::dup2, Some(3), 7, &[]),
            FdChange::Renamed(vec![7])
        );
        assert_eq!(
            change_at_exit(Sysno::accept4, Some(3), -11, &[]),
            FdChange::None
        );
        assert_eq!(
            change_at_exit(Sysno::connect, Some(3), -2, &[]),
            FdChange::Rebound(3)
        );
        assert_eq!(
            change_at_exit(Sysno::recvmsg, Some(3), 10, &[5, 6]),
            FdChange::Renamed(vec![5, 6])
        );
    }
}
