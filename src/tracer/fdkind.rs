//! Per-process cache of what each fd is, so a read/write on a non-socket costs no exit
//! stop and a socket's identity is looked up once, not on every call.
#![allow(unsafe_code)]

use crate::model::{Fd, Pid, SockId};
use std::collections::HashMap;
use std::ffi::CString;

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
    /// The kind of `fd` in `pid`, probing /proc once per fd.
    pub fn kind(&mut self, pid: Pid, fd: Fd) -> FdKind {
        let e = self.procs.entry(pid).or_default().entry(fd).or_default();
        e.kind.get_or_insert_with(|| probe_kind(pid, fd)).clone()
    }

    /// The identity of `fd` in `pid`, looked up once until the fd changes.
    pub fn identity(&mut self, pid: Pid, fd: Fd) -> Option<SockId> {
        let e = self.procs.entry(pid).or_default().entry(fd).or_default();
        if e.id.is_none() {
            e.id = crate::probe::identity::probe_fd_identity(pid, fd);
        }
        e.id.clone()
    }

    /// `fd` was closed or now names something else.
    pub fn forget_fd(&mut self, pid: Pid, fd: Fd) {
        if let Some(p) = self.procs.get_mut(&pid) {
            p.remove(&fd);
        }
    }

    /// `fd` is the same object but its peer or name may have changed (connect, bind...).
    pub fn forget_identity(&mut self, pid: Pid, fd: Fd) {
        if let Some(e) = self.procs.get_mut(&pid).and_then(|p| p.get_mut(&fd)) {
            e.id = None;
        }
    }

    /// Every fd of `pid` may have changed (exec closed the O_CLOEXEC ones, close_range,
    /// a new process with a copied table, the process is gone).
    pub fn forget_process(&mut self, pid: Pid) {
        self.procs.remove(&pid);
    }
}

/// Ask the kernel what `fd` is: the `system.sockprotoname` attribute of a socket's
/// /proc/PID/fd link names its protocol ("UNIX", "TCP", ...) in one syscall; anything
/// that has no such attribute is not a socket.
fn probe_kind(pid: Pid, fd: Fd) -> FdKind {
    let Ok(path) = CString::new(format!("/proc/{pid}/fd/{fd}")) else {
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
        assert_eq!(c.kind(me, a.as_raw_fd()), FdKind::Unix);
        assert_eq!(c.kind(me, f.as_raw_fd()), FdKind::NotSocket);
        assert_eq!(
            c.kind(me, tcp.as_raw_fd()),
            FdKind::OtherSocket("TCP".into())
        );
        assert_eq!(c.kind(me, 9999), FdKind::NotSocket);
    }
}
