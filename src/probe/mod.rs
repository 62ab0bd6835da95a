//! Read-only facts from the live system, asked only for failing calls while the tracee
//! is still stopped at the exit stop, and socket identity for fds.

pub mod identity;
pub mod netunix;
pub mod owners;
pub mod path;
pub mod procfs;
pub mod sockdiag;

use crate::model::facts::{
    BoundSocket, CredClaim, FileKind, PeerFacts, RightsFd, UnixName, UnixSocket, WalkEnd,
};
use crate::model::{AddrKind, Cmsg, Facts, Fd, Pid, SockAddr, SyscallEvent, Tid};
use std::os::unix::ffi::OsStrExt;

/// Who failed.
#[derive(Clone, Copy, Debug)]
pub struct ProbeCtx {
    /// Thread-group id of the tracee.
    pub pid: Pid,
    /// Thread that made the call.
    pub tid: Tid,
}

/// Errnos whose cause may lie in the address: the path walk and who is bound there.
const ADDRESS_ERRNOS: &[&str] = &[
    "ENOENT",
    "ECONNREFUSED",
    "EACCES",
    "EPERM",
    "EADDRINUSE",
    "ENOTDIR",
    "ELOOP",
    "ENAMETOOLONG",
    "EROFS",
    "EPROTOTYPE",
    "EAGAIN",
];

/// Errnos whose cause may lie in the peer of the fd's socket. Not EAGAIN: event loops
/// hit it constantly, and the owner scan behind a peer probe is the costly one.
const PEER_ERRNOS: &[&str] = &["EPIPE", "ECONNRESET", "ENOTCONN", "ECONNREFUSED"];

/// Gather the facts that could explain `ev`'s failure. Asks only what this
/// (syscall, errno) needs; anything that could not be read is left None.
pub fn probe_failure(ctx: &ProbeCtx, ev: &SyscallEvent) -> Facts {
    let mut f = Facts::default();
    let Some(errno) = ev.errno.as_deref() else {
        return f;
    };
    if ev.injected {
        // Nothing on the system caused an injected failure.
        return f;
    }
    let pid = ctx.pid;
    let sys = ev.syscall.as_str();
    f.creds = procfs::probe_creds(pid);
    if f.creds.is_none() {
        f.unchecked.push(format!("the credentials of pid {pid}"));
    }

    if let Some(fd) = ev.fd {
        f.own = probe_own_socket(pid, fd);
    }

    let addr = ev
        .addr
        .as_ref()
        .or_else(|| ev.msgs.iter().find_map(|m| m.name.as_ref()));
    let addr_call = matches!(sys, "connect" | "bind" | "sendto" | "sendmsg" | "sendmmsg");
    // EAGAIN names the listener's backlog only for connect; a datagram sender looping
    // on a full queue must not cost a socket-table dump per try.
    if addr_call
        && ADDRESS_ERRNOS.contains(&errno)
        && (errno != "EAGAIN" || sys == "connect")
        && let Some(a) = addr
    {
        probe_address(pid, a, sys == "bind", &mut f);
    }

    if PEER_ERRNOS.contains(&errno)
        && let Some(fd) = ev.fd
    {
        let known = ev
            .fds
            .iter()
            .find(|s| s.fd == fd)
            .and_then(|s| s.peer)
            .filter(|&p| p != 0)
            .or_else(|| f.own.as_ref().and_then(|o| o.peer).filter(|&p| p != 0));
        f.peer = Some(probe_peer(pid, known));
    }

    if matches!(errno, "ETOOMANYREFS" | "EMFILE" | "ENFILE") {
        f.nofile = procfs::probe_nofile(pid);
        f.open_fds = procfs::probe_open_fds(pid);
    }
    if errno == "EINTR" || ev.restart.is_some() {
        // At the exit stop the interrupting signal is still pending, not yet delivered.
        f.pending_signals = procfs::probe_pending_signals(ctx.tid);
    }
    if errno == "ENOMEM" {
        f.memcg = procfs::probe_memcg(pid);
    }
    if errno == "ENFILE" {
        f.system_files = procfs::probe_system_files();
    }

    for m in &ev.msgs {
        for c in &m.cmsgs {
            match c {
                Cmsg::Credentials { pid: cp, uid, gid } if matches!(errno, "EPERM" | "ESRCH") => {
                    f.claims.push(CredClaim {
                        pid: *cp,
                        uid: *uid,
                        gid: *gid,
                        pid_exists: Some(procfs::probe_pid_exists(*cp)),
                    })
                }
                Cmsg::Rights { fds, .. }
                    if matches!(errno, "EBADF" | "ETOOMANYREFS" | "EMFILE") =>
                {
                    f.rights.extend(fds.iter().map(|&fd| RightsFd {
                        fd,
                        open: procfs::probe_fd_open(pid, fd),
                    }))
                }
                _ => {}
            }
        }
    }

    if errno == "EAGAIN" {
        f.max_dgram_qlen = std::fs::read_to_string("/proc/sys/net/unix/max_dgram_qlen")
            .ok()
            .and_then(|s| s.trim().parse().ok());
    }
    f
}

/// What `pid` would meet connecting to `addr`: its credentials, the path walk with its
/// permissions, and the sockets bound there with their owners (for `sockwhy probe`).
pub fn probe_connect_target(pid: Pid, addr: &SockAddr) -> Facts {
    let mut f = Facts {
        creds: procfs::probe_creds(pid),
        ..Facts::default()
    };
    probe_address(pid, addr, false, &mut f);
    f
}

/// The socket behind the tracee's `fd`, as the kernel sees it now.
pub fn probe_own_socket(pid: Pid, fd: Fd) -> Option<UnixSocket> {
    let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
    let ino = identity::parse_socket_link(link.as_os_str().as_bytes())?;
    identity::probe_unix_socket(pid, ino)
}

/// Every AF_UNIX socket `pid` can see, with its name and file (the rest is asked for the
/// ones that match, in `with_owners`): sock_diag in our namespace (true), else its
/// /proc/PID/net/unix (false: names only, no file inodes).
pub fn probe_unix_table(pid: Pid) -> Option<(Vec<UnixSocket>, bool)> {
    if identity::same_netns(pid)
        && let Ok(v) = sockdiag::probe_unix_names()
    {
        return Some((v, true));
    }
    netunix::probe_net_unix(Some(pid)).ok().map(|v| (v, false))
}

/// Walk the address's path and find who is bound to it.
fn probe_address(pid: Pid, a: &SockAddr, bind: bool, f: &mut Facts) {
    let Some(name) = a.path.as_ref() else {
        return;
    };
    match a.kind {
        AddrKind::Path => {
            let purpose = if bind {
                path::WalkFor::Bind
            } else {
                path::WalkFor::Connect
            };
            let walk = path::probe_path_walk(pid, name.as_bytes(), purpose, f.creds.as_ref());
            let target = walk.target().map(|s| s.info);
            // The path as an absolute name, to match sockets bound by name only.
            let absolute = match &walk.end {
                WalkEnd::Found => walk.steps.last().map(|s| s.path.clone()),
                WalkEnd::Missing { at, last: true } => Some(at.clone()),
                _ => None,
            };
            f.path = Some(walk);
            let Some((table, exact)) = probe_unix_table(pid) else {
                f.unchecked
                    .push("which sockets are bound (no sock_diag, no /proc/net/unix)".into());
                return;
            };
            f.bound_exact = exact;
            let mut found: Vec<(UnixSocket, bool)> = Vec::new();
            let is_socket = target.is_some_and(|t| t.kind == FileKind::Socket);
            if let Some(t) = target.filter(|t| t.kind == FileKind::Socket) {
                let by_ino: Vec<&UnixSocket> = table
                    .iter()
                    .filter(|s| s.vfs.is_some_and(|v| v.ino == t.id.ino))
                    .collect();
                // Overlay filesystems may report another device in stat than the
                // socket's superblock; trust the device only when one matches.
                let same_dev: Vec<&UnixSocket> = by_ino
                    .iter()
                    .copied()
                    .filter(|s| s.vfs == Some(t.id))
                    .collect();
                let pick = if same_dev.is_empty() {
                    by_ino
                } else {
                    same_dev
                };
                found.extend(pick.into_iter().map(|s| (s.clone(), true)));
            }
            // Bound by this name but not (known to be) to this file.
            let by_name: Vec<(UnixSocket, bool)> = table
                .iter()
                .filter(|s| !found.iter().any(|(b, _)| b.inode == s.inode))
                .filter(|s| match &s.name {
                    Some(UnixName::Path(p)) => {
                        p == name || absolute.as_ref().is_some_and(|a| a == p)
                    }
                    _ => false,
                })
                .map(|s| (s.clone(), false))
                .collect();
            if !exact && is_socket {
                // /proc/net/unix has no file inodes: a name match is the best we know.
                found.extend(by_name);
                f.bound = Some(with_owners(found));
            } else {
                // File inodes are known (or there is no socket file): a socket bound by
                // this name but not to this file is bound to one that is gone.
                f.bound = Some(with_owners(found));
                f.bound_elsewhere = with_owners(by_name);
            }
        }
        AddrKind::Abstract => {
            let Some((table, _)) = probe_unix_table(pid) else {
                f.unchecked
                    .push("which sockets are bound (no sock_diag, no /proc/net/unix)".into());
                return;
            };
            // Every bound abstract name is in either table.
            f.bound_exact = true;
            // /proc/net/unix shows every NUL in a name as '@'.
            let lossy: Vec<u8> = name
                .as_bytes()
                .iter()
                .map(|&b| if b == 0 { b'@' } else { b })
                .collect();
            let found = table
                .into_iter()
                .filter(|s| match &s.name {
                    Some(UnixName::Abstract(n)) => n == name || n.as_bytes() == lossy,
                    _ => false,
                })
                .map(|s| (s, false))
                .collect();
            f.bound = Some(with_owners(found));
        }
        AddrKind::Unnamed | AddrKind::Other => {}
    }
}

fn with_owners(found: Vec<(UnixSocket, bool)>) -> Vec<BoundSocket> {
    // Everything sock_diag says of each (the table has names and files only).
    let found: Vec<(UnixSocket, bool)> = found
        .into_iter()
        .map(|(s, by_file)| (sockdiag::probe_unix_inode(s.inode).unwrap_or(s), by_file))
        .collect();
    let inodes: Vec<u64> = found.iter().map(|(s, _)| s.inode).collect();
    let mut owners = owners::probe_socket_owners(&inodes);
    found
        .into_iter()
        .map(|(sock, by_file)| BoundSocket {
            owners: owners.remove(&sock.inode).unwrap_or_default(),
            sock,
            by_file,
        })
        .collect()
}

/// Does the peer the trace knew still exist, and who holds it.
fn probe_peer(pid: Pid, known: Option<u64>) -> PeerFacts {
    let Some(k) = known else {
        return PeerFacts {
            known: None,
            exists: None,
            owners: Vec::new(),
            name: None,
        };
    };
    let sock = identity::probe_unix_socket(pid, k);
    let owners = owners::probe_socket_owners(&[k])
        .remove(&k)
        .unwrap_or_default();
    PeerFacts {
        known: Some(k),
        exists: Some(sock.is_some()),
        owners,
        name: sock.and_then(|s| s.name),
    }
}
