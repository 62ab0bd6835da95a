//! Per-process cache of what each fd is, so a read/write on a non-socket costs no exit
//! stop and a socket's identity is looked up once, not on every call. What the calls
//! that make fds tell (socket, socketpair, accept, dup) is kept, not looked up again;
//! AF_UNIX identities live in a table by inode (`socktable.rs`) shared by every fd on
//! the socket.
#![allow(unsafe_code)]

use super::socktable::SockTable;
use crate::model::facts::UnixSocket;
use crate::model::{Fd, Pid, SockId, SockKind, Tid, UnixName};
use crate::probe::identity::{
    self as ident, FdLink, file_identity, new_unix_identity, unix_identity,
};
use std::collections::{HashMap, HashSet};
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

#[derive(Clone, Default)]
struct Entry {
    kind: Option<FdKind>,
    /// The socket's inode, once known; an AF_UNIX socket's identity is in the table.
    ino: Option<u64>,
    /// The identity of anything else (a file, another family's socket).
    id: Option<SockId>,
}

/// Cache keyed by thread-group (threads share the fd table), then fd.
#[derive(Default)]
pub struct FdCache {
    procs: HashMap<Pid, HashMap<Fd, Entry>>,
    socks: SockTable,
    /// Every setsockopt of the tracees stops (`no_autobind` can be kept).
    sees_setsockopt: bool,
    /// Inodes of sockets made in sight (socket, socketpair) that no SO_PASSCRED or
    /// SO_PASSPIDFD was set on: a failed connect leaves their identity as it was. The
    /// kernel autobinds a name at the start of connect() only for a socket with one of
    /// these options, even when the connect then fails; without them a failed connect
    /// changes nothing, and the next call on the socket (most often its close) need not
    /// ask sock_diag again, a question that walks every AF_UNIX socket of the host.
    no_autobind: HashSet<u64>,
}

/// Sockets `no_autobind` holds at most; past that it starts again empty (what it forgets
/// costs one question each), so sockets closed out of sight cannot make it grow.
const NO_AUTOBIND_MAX: usize = 4096;

/// Fds a successful call made, with what the call itself tells about them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Created {
    /// socket(AF_UNIX, ...): a new socket, unnamed and unconnected.
    Socket {
        /// The fd returned.
        fd: Fd,
        /// Its type.
        kind: SockKind,
    },
    /// socketpair(AF_UNIX, ...): two unnamed sockets connected to each other.
    Pair {
        /// The two fds.
        fds: [Fd; 2],
        /// Their type.
        kind: SockKind,
    },
    /// accept/accept4: a new socket of the listener's family (its peer needs asking).
    Accepted {
        /// The fd returned.
        fd: Fd,
        /// The listening fd.
        listener: Fd,
    },
    /// dup, dup2, dup3, fcntl(F_DUPFD*): another number for the same file.
    Dup {
        /// The original.
        from: Fd,
        /// The new number.
        to: Fd,
    },
}

impl FdCache {
    /// A cache for tracees whose every setsockopt the tracer sees (`sees_setsockopt`) or
    /// not (a trace that leaves setsockopt out of the seccomp filter).
    pub fn new(sees_setsockopt: bool) -> Self {
        FdCache {
            sees_setsockopt,
            ..FdCache::default()
        }
    }

    /// A socket made in sight, with none of the options that make connect autobind.
    fn made_plain(&mut self, ino: u64) {
        if !self.sees_setsockopt {
            return;
        }
        if self.no_autobind.len() >= NO_AUTOBIND_MAX {
            self.no_autobind.clear();
        }
        self.no_autobind.insert(ino);
    }

    /// The inode of `fd` in `pid`, if known.
    fn ino_of(&self, pid: Pid, fd: Fd) -> Option<u64> {
        self.procs.get(&pid)?.get(&fd)?.ino
    }

    /// The kind of `fd` in `pid`, probing /proc once per fd through thread `via` (any
    /// live thread of `pid`: the main one may have exited, and its /proc/PID/fd with it).
    pub fn kind(&mut self, pid: Pid, via: Tid, fd: Fd) -> FdKind {
        let e = self.procs.entry(pid).or_default().entry(fd).or_default();
        e.kind.get_or_insert_with(|| probe_kind(via, fd)).clone()
    }

    /// The identity of `fd` in `pid`, looked up (through thread `via`) only when neither
    /// the fd's entry nor the socket table knows it: a readlink per fd, a sock_diag query
    /// per socket (and one for its peer's name, unless the peer is known).
    pub fn identity(&mut self, pid: Pid, via: Tid, fd: Fd) -> Option<SockId> {
        let e = self.procs.entry(pid).or_default().entry(fd).or_default();
        if let Some(id) = &e.id {
            return Some(id.clone());
        }
        let ino = match e.ino {
            Some(ino) => ino,
            None => match ident::probe_fd_link(via, fd)? {
                FdLink::Socket(ino) => *e.ino.insert(ino),
                FdLink::Other(target) => {
                    e.kind.get_or_insert(FdKind::NotSocket);
                    return Some(e.id.insert(file_identity(fd, target)).clone());
                }
            },
        };
        if let Some(id) = self.socks.get(ino) {
            return Some(SockId { fd, ..id.clone() });
        }
        let Some(u) = ident::probe_unix_socket(via, ino) else {
            return Some(
                e.id.insert(ident::other_family_identity(via, fd, ino))
                    .clone(),
            );
        };
        e.kind = Some(FdKind::Unix);
        let peer = u.peer.filter(|&p| p != 0);
        let peer_path = match peer {
            None => UnixName::Unnamed,
            Some(p) => match self.socks.get(p) {
                Some(known) => known.path.clone(),
                // Ask about the peer once, for its name; what it says of the peer serves
                // the other end's own calls too.
                None => ident::probe_unix_socket(via, p)
                    .map(|pu| {
                        self.socks
                            .learn(unix_identity(-1, &pu, u.name.clone()), pu.kind);
                        pu.name
                    })
                    .unwrap_or_default(),
            },
        };
        let id = unix_identity(fd, &u, peer_path);
        self.socks.learn(id.clone(), u.kind);
        Some(id)
    }

    /// Take in what a failure's probe found out about the socket behind `fd` (asked then
    /// for its state, after the call: a failed connect may have autobound a name), so the
    /// next call on it does not ask again. Only an unconnected one: a peer's name would
    /// need a question of its own.
    pub fn probed(&mut self, pid: Pid, fd: Fd, own: &UnixSocket) {
        if own.peer.is_some_and(|p| p != 0) {
            return;
        }
        self.procs.entry(pid).or_default().insert(
            fd,
            Entry {
                kind: Some(FdKind::Unix),
                ino: Some(own.inode),
                id: None,
            },
        );
        self.socks
            .learn(unix_identity(fd, own, UnixName::Unnamed), own.kind);
    }

    /// Take in what a successful call made, before its exit is decoded (whose lookups of
    /// the new fds then find it): an fd number handed out starts a new life.
    pub fn created(&mut self, pid: Pid, via: Tid, made: Created) {
        let fds = self.procs.entry(pid).or_default();
        match made {
            Created::Socket { fd, kind } => {
                let mut e = Entry {
                    kind: Some(FdKind::Unix),
                    ..Entry::default()
                };
                let ino = match ident::probe_fd_link(via, fd) {
                    Some(FdLink::Socket(ino)) => Some(ino),
                    _ => None,
                };
                e.ino = ino;
                fds.insert(fd, e);
                if let Some(ino) = ino {
                    self.socks
                        .learn(new_unix_identity(fd, ino, kind, None), kind);
                    self.made_plain(ino);
                }
            }
            Created::Pair { fds: pair, kind } => {
                let inos = pair.map(|fd| match ident::probe_fd_link(via, fd) {
                    Some(FdLink::Socket(ino)) => Some(ino),
                    _ => None,
                });
                for (i, fd) in pair.into_iter().enumerate() {
                    let (ino, peer) = (inos[i], inos[1 - i]);
                    fds.insert(
                        fd,
                        Entry {
                            kind: Some(FdKind::Unix),
                            ino,
                            id: None,
                        },
                    );
                    if let (Some(ino), Some(peer)) = (ino, peer) {
                        self.socks
                            .learn(new_unix_identity(fd, ino, kind, Some(peer)), kind);
                    }
                }
                for ino in inos.into_iter().flatten() {
                    self.made_plain(ino);
                }
            }
            Created::Accepted { fd, listener } => {
                // Same family as the listener; the identity (whose peer only sock_diag
                // knows) is asked when the exit is decoded.
                let kind = fds.get(&listener).and_then(|l| l.kind.clone());
                fds.insert(
                    fd,
                    Entry {
                        kind,
                        ..Entry::default()
                    },
                );
            }
            Created::Dup { from, to } if from != to => {
                let mut e = fds.get(&from).cloned().unwrap_or_default();
                if let Some(id) = e.id.as_mut() {
                    id.fd = to;
                }
                fds.insert(to, e);
            }
            Created::Dup { .. } => {}
        }
    }

    /// Apply what a call (or an exec, or the end of the process) did to the fd numbers
    /// of `pid`.
    pub fn apply(&mut self, pid: Pid, change: FdChange) {
        match change {
            FdChange::None => {}
            FdChange::Closed(fd) => {
                if let Some(ino) = self
                    .procs
                    .get_mut(&pid)
                    .and_then(|p| p.remove(&fd))
                    .and_then(|e| e.ino)
                {
                    // Likely gone; if another fd still holds it, it is asked again. Its
                    // peer then has no peer (the kernel says none once a stream's other
                    // end is closed): asked again too, so its next line shows what the
                    // kernel says, not a peer that has gone (strace's cache does that).
                    let peer = self.socks.get(ino).and_then(|id| id.peer);
                    self.socks.forget(ino);
                    self.no_autobind.remove(&ino);
                    if let Some(p) = peer {
                        self.socks.forget(p);
                    }
                }
            }
            FdChange::ConnectFailed(fd)
                if self
                    .ino_of(pid, fd)
                    .is_some_and(|ino| self.no_autobind.contains(&ino)) => {}
            FdChange::Rebound(fd) | FdChange::ConnectFailed(fd) => {
                if let Some(e) = self.procs.get_mut(&pid).and_then(|p| p.get_mut(&fd)) {
                    e.id = None;
                    if let Some(ino) = e.ino {
                        self.socks.forget(ino);
                    }
                }
            }
            FdChange::PassCred(fd) => match self.ino_of(pid, fd) {
                Some(ino) => {
                    self.no_autobind.remove(&ino);
                }
                // Not known by inode: it cannot be in the set, unless another fd of
                // the same socket put it there; ask rather than guess.
                None => {
                    if let Some(FdLink::Socket(ino)) = ident::probe_fd_link(pid, fd) {
                        self.no_autobind.remove(&ino);
                    }
                }
            },
            FdChange::All => {
                self.procs.remove(&pid);
            }
        }
    }
}

/// How something changed what the fd numbers of a process name. `change_at_entry`,
/// `created_at_exit` and `change_at_exit` are the one list of the calls that do it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FdChange {
    /// Nothing changed.
    None,
    /// This number was freed.
    Closed(Fd),
    /// The same socket, but its name or peer may have changed (a connect or bind that
    /// worked).
    Rebound(Fd),
    /// A connect that failed: the socket is as it was, unless connect autobound it a name
    /// (SO_PASSCRED, SO_PASSPIDFD).
    ConnectFailed(Fd),
    /// setsockopt(SO_PASSCRED or SO_PASSPIDFD): from now on a failed connect may autobind.
    PassCred(Fd),
    /// Any number may have changed: close_range, exec (O_CLOEXEC), the process ended.
    All,
}

/// At the entry stop, after decoding (which read the identity of an fd being closed):
/// close frees its number, close_range many; a setsockopt that may make connect autobind
/// is taken as set, whether it then works or not.
pub fn change_at_entry(sys: Sysno, fd: Option<Fd>, args: &[u64; 6]) -> FdChange {
    match (sys, fd) {
        (Sysno::close, Some(fd)) => FdChange::Closed(fd),
        (Sysno::close_range, _) => FdChange::All,
        (Sysno::setsockopt, Some(fd))
            if args[1] as i32 == libc::SOL_SOCKET
                && matches!(args[2] as i32, libc::SO_PASSCRED | libc::SO_PASSPIDFD) =>
        {
            FdChange::PassCred(fd)
        }
        _ => FdChange::None,
    }
}

/// At the exit stop, before decoding: the fd a call returned, and what the call says of
/// it. `read_pair` reads socketpair's two fds from the tracee. The fds received with
/// SCM_RIGHTS are numbers that were free, so nothing is known of them until asked.
pub fn created_at_exit(
    sys: Sysno,
    args: &[u64; 6],
    rval: i64,
    read_pair: impl FnOnce(u64) -> Option<[Fd; 2]>,
) -> Option<Created> {
    let fd = Fd::try_from(rval).ok().filter(|&fd| fd >= 0)?;
    let unix = args[0] == libc::AF_UNIX as u64;
    match sys {
        Sysno::socket if unix => Some(Created::Socket {
            fd,
            kind: unix_kind(args[1]),
        }),
        Sysno::socketpair if unix => read_pair(args[3]).map(|fds| Created::Pair {
            fds,
            kind: unix_kind(args[1]),
        }),
        Sysno::accept | Sysno::accept4 => Some(Created::Accepted {
            fd,
            listener: args[0] as i32,
        }),
        Sysno::dup | Sysno::dup2 | Sysno::dup3 => Some(Created::Dup {
            from: args[0] as i32,
            to: fd,
        }),
        Sysno::fcntl
            if args[1] == libc::F_DUPFD as u64 || args[1] == libc::F_DUPFD_CLOEXEC as u64 =>
        {
            Some(Created::Dup {
                from: args[0] as i32,
                to: fd,
            })
        }
        _ => None,
    }
}

/// The type of an AF_UNIX socket from socket()'s type argument: flags masked off, and
/// SOCK_RAW made a datagram socket, as the kernel does.
fn unix_kind(ty: u64) -> SockKind {
    match ty as u32 & 0xf {
        3 => SockKind::Dgram,
        t => SockKind::from_raw(t),
    }
}

/// At the exit stop, after decoding: the sockets whose identity the call may have
/// changed (`rval`: what it returned). connect gives a peer (and, with SO_PASSCRED,
/// autobinds a name even when it fails); bind a name, only when it works. listen and
/// shutdown change neither.
pub fn change_at_exit(sys: Sysno, fd: Option<Fd>, rval: i64) -> FdChange {
    match (sys, fd) {
        (Sysno::connect, Some(fd)) if rval < 0 => FdChange::ConnectFailed(fd),
        (Sysno::connect, Some(fd)) => FdChange::Rebound(fd),
        (Sysno::bind, Some(fd)) if rval == 0 => FdChange::Rebound(fd),
        _ => FdChange::None,
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
        c.apply(
            me,
            change_at_entry(Sysno::close, Some(a.as_raw_fd()), &[0; 6]),
        );
        c.apply(me, FdChange::All);
        assert!(c.procs.is_empty());
    }

    #[test]
    fn calls_that_change_fd_numbers() {
        let z = &[0; 6];
        assert_eq!(
            change_at_entry(Sysno::close, Some(4), z),
            FdChange::Closed(4)
        );
        assert_eq!(change_at_entry(Sysno::close_range, None, z), FdChange::All);
        assert_eq!(change_at_entry(Sysno::read, Some(4), z), FdChange::None);
        let sol = libc::SOL_SOCKET as u64;
        for (opt, change) in [
            (libc::SO_PASSCRED, FdChange::PassCred(4)),
            (libc::SO_PASSPIDFD, FdChange::PassCred(4)),
            (libc::SO_SNDBUF, FdChange::None),
        ] {
            let args = [4, sol, opt as u64, 0, 0, 0];
            assert_eq!(change_at_entry(Sysno::setsockopt, Some(4), &args), change);
        }
        let other_level = [4, libc::SOL_TCP as u64, libc::SO_PASSCRED as u64, 0, 0, 0];
        assert_eq!(
            change_at_entry(Sysno::setsockopt, Some(4), &other_level),
            FdChange::None
        );
        let none = |_| None;
        assert_eq!(
            created_at_exit(Sysno::dup2, &[3, 7, 0, 0, 0, 0], 7, none),
            Some(Created::Dup { from: 3, to: 7 })
        );
        assert_eq!(
            created_at_exit(Sysno::accept4, &[3, 0, 0, 0, 0, 0], -11, none),
            None
        );
        assert_eq!(
            created_at_exit(Sysno::accept4, &[3, 0, 0, 0, 0, 0], 5, none),
            Some(Created::Accepted { fd: 5, listener: 3 })
        );
        let raw = (libc::SOCK_RAW | libc::SOCK_CLOEXEC) as u64;
        assert_eq!(
            created_at_exit(Sysno::socket, &[1, raw, 0, 0, 0, 0], 4, none),
            Some(Created::Socket {
                fd: 4,
                kind: SockKind::Dgram
            })
        );
        let inet = libc::AF_INET as u64;
        assert_eq!(
            created_at_exit(Sysno::socket, &[inet, 1, 0, 0, 0, 0], 4, none),
            None
        );
        assert_eq!(
            created_at_exit(Sysno::socketpair, &[1, 5, 0, 0x1000, 0, 0], 0, |at| {
                assert_eq!(at, 0x1000);
                Some([5, 6])
            }),
            Some(Created::Pair {
                fds: [5, 6],
                kind: SockKind::Seqpacket
            })
        );
        let getfl = libc::F_GETFL as u64;
        assert_eq!(
            created_at_exit(Sysno::fcntl, &[3, getfl, 0, 0, 0, 0], 2, none),
            None
        );
        assert_eq!(
            change_at_exit(Sysno::connect, Some(3), 0),
            FdChange::Rebound(3)
        );
        assert_eq!(
            change_at_exit(Sysno::connect, Some(3), -2),
            FdChange::ConnectFailed(3)
        );
        assert_eq!(
            change_at_exit(Sysno::bind, Some(3), 0),
            FdChange::Rebound(3)
        );
        // A bind that fails gives no name.
        assert_eq!(change_at_exit(Sysno::bind, Some(3), -98), FdChange::None);
        assert_eq!(change_at_exit(Sysno::listen, Some(3), 0), FdChange::None);
    }

    fn me() -> Pid {
        std::process::id() as Pid
    }

    /// What a fresh lookup says, to hold the cache's answers against.
    fn truth(fd: Fd) -> SockId {
        ident::probe_fd_identity(me(), fd).unwrap()
    }

    #[test]
    fn identities_learnt_from_the_calls_match_the_kernel() {
        use std::os::unix::net::{UnixListener, UnixStream};
        let mut c = FdCache::default();
        let (a, b) = UnixStream::pair().unwrap();
        let (fa, fb) = (a.as_raw_fd(), b.as_raw_fd());
        c.created(
            me(),
            me(),
            Created::Pair {
                fds: [fa, fb],
                kind: SockKind::Stream,
            },
        );
        assert_eq!(c.identity(me(), me(), fa), Some(truth(fa)));
        assert_eq!(c.identity(me(), me(), fb), Some(truth(fb)));
        assert_eq!(c.kind(me(), me(), fa), FdKind::Unix);

        let d = nix::unistd::dup(&a).unwrap();
        c.created(
            me(),
            me(),
            Created::Dup {
                from: fa,
                to: d.as_raw_fd(),
            },
        );
        assert_eq!(
            c.identity(me(), me(), d.as_raw_fd()),
            Some(truth(d.as_raw_fd()))
        );

        // A client asked about while its connection waits in the accept queue has no
        // peer; the server's accept tells it its peer, as the kernel then says.
        let dir = std::env::temp_dir().join(format!("sockwhy-fdkind-{}", me()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("l.sock");
        let _ = std::fs::remove_file(&path);
        let l = UnixListener::bind(&path).unwrap();
        let s = socket_fd();
        c.created(
            me(),
            me(),
            Created::Socket {
                fd: s.as_raw_fd(),
                kind: SockKind::Stream,
            },
        );
        assert_eq!(
            c.identity(me(), me(), s.as_raw_fd()),
            Some(truth(s.as_raw_fd()))
        );
        let cl = UnixStream::from(s);
        nix::sys::socket::connect(
            cl.as_raw_fd(),
            &nix::sys::socket::UnixAddr::new(&path).unwrap(),
        )
        .unwrap();
        c.apply(
            me(),
            change_at_exit(Sysno::connect, Some(cl.as_raw_fd()), 0),
        );
        assert_eq!(c.identity(me(), me(), cl.as_raw_fd()).unwrap().peer, None);
        let (srv, _) = l.accept().unwrap();
        c.created(
            me(),
            me(),
            Created::Accepted {
                fd: srv.as_raw_fd(),
                listener: l.as_raw_fd(),
            },
        );
        assert_eq!(
            c.identity(me(), me(), srv.as_raw_fd()),
            Some(truth(srv.as_raw_fd()))
        );
        assert_eq!(
            c.identity(me(), me(), cl.as_raw_fd()),
            Some(truth(cl.as_raw_fd()))
        );
        assert_eq!(
            c.identity(me(), me(), cl.as_raw_fd()).unwrap().peer,
            Some(truth(srv.as_raw_fd()).inode)
        );

        // bind gives a name: the old answer is forgotten.
        let u = socket_fd();
        let upath = dir.join("u.sock");
        let _ = std::fs::remove_file(&upath);
        c.identity(me(), me(), u.as_raw_fd());
        nix::sys::socket::bind(
            u.as_raw_fd(),
            &nix::sys::socket::UnixAddr::new(&upath).unwrap(),
        )
        .unwrap();
        c.apply(me(), change_at_exit(Sysno::bind, Some(u.as_raw_fd()), 0));
        assert_eq!(
            c.identity(me(), me(), u.as_raw_fd()),
            Some(truth(u.as_raw_fd()))
        );
        c.apply(
            me(),
            change_at_entry(Sysno::close, Some(u.as_raw_fd()), &[0; 6]),
        );
        assert!(!c.procs[&me()].contains_key(&u.as_raw_fd()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A connect that fails keeps a plain socket's answer (the kernel's is the same), and
    /// forgets that of a socket with SO_PASSCRED, which the kernel autobound a name, and
    /// of a socket not made in sight, or when setsockopt might go unseen.
    #[test]
    fn a_failed_connect_changes_a_socket_only_when_it_may_autobind() {
        let missing = nix::sys::socket::UnixAddr::new("/nonexistent/fdkind.sock").unwrap();
        let fail = |fd: Fd| {
            assert!(nix::sys::socket::connect(fd, &missing).is_err());
            change_at_exit(Sysno::connect, Some(fd), -(libc::ENOENT as i64))
        };
        let made = |c: &mut FdCache, fd: Fd| {
            c.created(
                me(),
                me(),
                Created::Socket {
                    fd,
                    kind: SockKind::Stream,
                },
            )
        };
        let mut c = FdCache::new(true);
        let plain = socket_fd();
        let p = plain.as_raw_fd();
        made(&mut c, p);
        c.identity(me(), me(), p);
        c.apply(me(), fail(p));
        let ino = c.procs[&me()][&p].ino.unwrap();
        assert!(c.socks.get(ino).is_some(), "kept");
        assert_eq!(c.identity(me(), me(), p), Some(truth(p)));

        let cred = socket_fd();
        let q = cred.as_raw_fd();
        made(&mut c, q);
        c.identity(me(), me(), q);
        let sol = libc::SOL_SOCKET as u64;
        let args = [q as u64, sol, libc::SO_PASSCRED as u64, 0, 0, 0];
        c.apply(me(), change_at_entry(Sysno::setsockopt, Some(q), &args));
        nix::sys::socket::setsockopt(&cred, nix::sys::socket::sockopt::PassCred, &true).unwrap();
        c.apply(me(), fail(q));
        let now = truth(q);
        assert!(
            matches!(now.path, UnixName::Abstract(_)),
            "the kernel autobound it: {now:?}"
        );
        assert_eq!(c.identity(me(), me(), q), Some(now));

        // Made where setsockopt may go unseen: asked again after the failure.
        let mut blind = FdCache::new(false);
        made(&mut blind, p);
        blind.identity(me(), me(), p);
        blind.apply(me(), fail(p));
        assert!(blind.no_autobind.is_empty());
        let ino = blind.procs[&me()][&p].ino.unwrap();
        assert!(blind.socks.get(ino).is_none());
    }

    fn socket_fd() -> std::os::fd::OwnedFd {
        use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};
        socket(
            AddressFamily::Unix,
            SockType::Stream,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .unwrap()
    }
}
