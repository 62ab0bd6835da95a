//! Read-only facts from the live system, asked only for failing calls while the tracee
//! is still stopped at the exit stop, and socket identity for fds. Which probes run for a
//! failure is the knowledge base's to say (`kb::probes_for`), not this module's.

pub mod identity;
pub mod names;
pub mod near;
pub mod netunix;
pub mod ns;
pub mod owners;
pub mod path;
pub mod procfs;
pub mod scan;
pub mod sockdiag;

use crate::kb::{self, Probe, ProbeSet};
use crate::model::facts::{
    BoundSocket, CredClaim, FileKind, HolderView, NameThere, Namespaces, NsKind, PeerFacts,
    RightsFd, SockState, UnixSocket, WalkEnd,
};
use crate::model::{
    ByteString, Cmsg, Errno, Facts, Fd, Pid, SockAddr, SockKind, SyscallEvent, Tid, UnixName,
};
use scan::Scanned;
use sockdiag::States;
use std::os::unix::ffi::OsStrExt;
use syscalls::Sysno;

/// Who failed.
#[derive(Clone, Copy, Debug)]
pub struct ProbeCtx {
    /// Thread-group id of the tracee.
    pub pid: Pid,
    /// Thread that made the call.
    pub tid: Tid,
}

/// Gather the facts that could explain `ev`'s failure: the probes the knowledge base
/// names for this (syscall, errno) (`probes` in `assets/errors.toml`), and no others.
/// Anything that could not be read is left None.
pub fn probe_failure(ctx: &ProbeCtx, ev: &SyscallEvent) -> Facts {
    let Some(errno) = &ev.errno else {
        return Facts::default();
    };
    let tags = kb::probes_for(&ev.syscall.name(), &errno.name());
    probe_failure_with(ctx, ev, tags)
}

/// [`probe_failure`] with the tags given: what runs is decided by `tags` alone (and by
/// what the call has: an fd, an address, control messages).
pub fn probe_failure_with(ctx: &ProbeCtx, ev: &SyscallEvent, tags: ProbeSet) -> Facts {
    let mut f = Facts::default();
    let mut scan = Scanned::default();
    if !ev.failed() || ev.injected {
        // Nothing on the system caused an injected failure.
        return f;
    }
    let pid = ctx.pid;
    if tags.any(&[Probe::Perm, Probe::Creds]) {
        f.creds = procfs::probe_creds(pid);
        if f.creds.is_none() {
            f.unchecked.push(format!("the credentials of pid {pid}"));
        }
    }
    if tags.any(&[Probe::State, Probe::Type, Probe::Backlog])
        && let Some(fd) = ev.fd
    {
        f.own = probe_own_socket(pid, fd);
    }
    let addr = ev
        .addr
        .as_ref()
        .or_else(|| ev.msgs.iter().find_map(|m| m.name.as_ref()));
    let addr_call = ev.syscall.is_any(&[
        Sysno::connect,
        Sysno::bind,
        Sysno::sendto,
        Sysno::sendmsg,
        Sysno::sendmmsg,
    ]);
    if addr_call
        && tags.any(&[Probe::Path, Probe::Perm, Probe::Listener, Probe::Backlog])
        && let Some(a) = addr
    {
        let table = tags.any(&[Probe::Listener, Probe::Backlog]);
        // EPROTOTYPE: only a socket of the caller's type is a likely one.
        let near = tags.has(Probe::Near).then(|| {
            ev.errno
                .as_ref()
                .is_some_and(|e| e.is(Errno::EPROTOTYPE))
                .then(|| own_kind(ev, &f))
                .flatten()
        });
        // A stream or seqpacket client that found nothing at the name (ENOENT) or nobody
        // listening (ECONNREFUSED) is about a listener, a socket bound but not listening,
        // or none: no connected socket can be what it reached, so the dump leaves them
        // out (most sockets of a busy host, and the cost of each failure grew with them).
        // What that gives up: an accepted connection still bound to the name after its
        // listener closed is not listed (the file is then reported stale, as the kernel
        // treats it).
        let client = ev.syscall == Sysno::connect
            && ev
                .errno
                .as_ref()
                .is_some_and(|e| e.is(Errno::ENOENT) || e.is(Errno::ECONNREFUSED))
            && matches!(
                own_kind(ev, &f),
                Some(SockKind::Stream | SockKind::Seqpacket)
            );
        let how = Lookup {
            bind: ev.syscall == Sysno::bind,
            table,
            near,
            states: if client {
                States::NotConnected
            } else {
                States::All
            },
        };
        probe_address(pid, a, how, &mut f, &mut scan);
    }
    if tags.has(Probe::Perm) {
        probe_names(pid, &mut f);
    }
    note_hidden_holders(&scan, &mut f);
    if tags.has(Probe::Peer)
        && let Some(fd) = ev.fd
    {
        let known = ev
            .fds
            .iter()
            .find(|s| s.fd == fd)
            .and_then(|s| s.peer)
            .filter(|&p| p != 0)
            .or_else(|| f.own.as_ref().and_then(|o| o.peer).filter(|&p| p != 0));
        f.peer = Some(probe_peer(pid, known, &mut scan));
    }
    if tags.has(Probe::Fd)
        && let Some(fd) = ev.fd
    {
        f.fd = Some(procfs::probe_fd(pid, fd));
    }
    if tags.has(Probe::Limits) {
        f.nofile = procfs::probe_nofile(pid);
        f.open_fds = procfs::probe_open_fds(pid);
        f.system_files = procfs::probe_system_files();
    }
    if tags.has(Probe::Signal) {
        // At the exit stop the interrupting signal is still pending, not yet delivered.
        f.pending_signals = procfs::probe_pending_signals(ctx.tid);
    }
    if tags.has(Probe::Memory) {
        f.memcg = procfs::probe_memcg(pid);
    }
    for c in ev.msgs.iter().flat_map(|m| &m.cmsgs) {
        match c {
            Cmsg::Credentials { pid: cp, uid, gid } if tags.has(Probe::Creds) => {
                f.claims.push(CredClaim {
                    pid: *cp,
                    uid: *uid,
                    gid: *gid,
                    pid_exists: Some(procfs::probe_pid_exists(*cp)),
                })
            }
            Cmsg::Rights { fds, .. } if tags.has(Probe::Rights) => {
                f.rights.extend(fds.iter().map(|&fd| RightsFd {
                    fd,
                    open: procfs::probe_fd_open(pid, fd),
                }))
            }
            _ => {}
        }
    }
    if tags.has(Probe::Optmem) {
        f.optmem_max = procfs::probe_optmem_max();
        if f.optmem_max.is_none() {
            f.unchecked.push("net.core.optmem_max".into());
        }
    }
    if tags.has(Probe::Queue) {
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
    let how = Lookup {
        bind: false,
        table: true,
        near: Some(None),
        // No socket type to judge by: every socket bound there is shown.
        states: States::All,
    };
    probe_address(pid, addr, how, &mut f, &mut Scanned::default());
    probe_names(pid, &mut f);
    f
}

/// When the owner scan could not look into every process and some socket the facts name
/// has no holder found, say that its holder could not be checked.
fn note_hidden_holders(scan: &Scanned, f: &mut Facts) {
    let unheld = f
        .bound
        .iter()
        .flatten()
        .chain(&f.bound_elsewhere)
        .chain(f.bound_other_netns.iter().flatten())
        .chain(f.near.iter().map(|n| &n.bound))
        .any(|b| b.owners.is_empty());
    if scan.incomplete() && unheld {
        f.unchecked.push(
            "who holds some of these sockets: sockwhy may not look into every process's fds (run it as root)"
                .into(),
        );
    }
}

/// The names of the ids a permission check on the path involved (the process's, the
/// refusing file's owner and group), as the tracee's own files give them.
fn probe_names(pid: Pid, f: &mut Facts) {
    let (Some(c), Some(w)) = (&f.creds, &f.path) else {
        return;
    };
    let mut uids = vec![c.fsuid()];
    let mut gids = vec![c.fsgid()];
    gids.extend(&c.groups);
    if let Some(d) = &w.denied {
        uids.push(d.info.uid);
        gids.push(d.info.gid);
    }
    f.names = names::probe_id_names(pid, &uids, &gids);
}

/// The type of the call's own socket, from the live probe or the fd's identity.
fn own_kind(ev: &SyscallEvent, f: &Facts) -> Option<SockKind> {
    if let Some(o) = &f.own {
        return Some(o.kind);
    }
    let fd = ev.fd?;
    ev.fds.iter().find(|s| s.fd == fd)?.unix_kind()
}

/// What to find out about an address.
#[derive(Clone, Copy, Debug)]
struct Lookup {
    /// The call is bind(): the walk is for creating the file.
    bind: bool,
    /// Find the sockets bound to it (and their holders).
    table: bool,
    /// Look for live sockets with similar names; `Some(Some(kind))`: only of that type.
    near: Option<Option<SockKind>>,
    /// Which sockets the tables need.
    states: States,
}

/// The socket behind the tracee's `fd`, as the kernel sees it now.
pub fn probe_own_socket(pid: Pid, fd: Fd) -> Option<UnixSocket> {
    let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
    let ino = identity::parse_socket_link(link.as_os_str().as_bytes())?;
    identity::probe_unix_socket(pid, ino)
}

/// The AF_UNIX sockets of network namespace `netns`, `rep` being a process in it: our
/// own sock_diag socket when it is ours (names and files only: the kernel fills every
/// other attribute for every socket of a dump), one made in that namespace otherwise
/// (root), and /proc/REP/net/unix (names only: false) when neither answers. `states`:
/// all of them, or only those not connected.
fn probe_unix_table_of(
    netns: Option<u64>,
    rep: Pid,
    ours: Option<u64>,
    states: States,
) -> Option<(Vec<UnixSocket>, bool)> {
    if netns.is_some()
        && netns == ours
        && let Ok(v) = sockdiag::probe_unix_names(states)
    {
        return Some((v, true));
    }
    let path = std::path::PathBuf::from(format!("/proc/{rep}/ns/net"));
    if let Ok(v) = sockdiag::probe_unix_all_in_netns(&path, states) {
        return Some((v, true));
    }
    let mut v = netunix::probe_net_unix(Some(rep)).ok()?;
    if states == States::NotConnected {
        v.retain(|s| s.state != SockState::Connected);
    }
    Some((v, false))
}

/// /proc/net/unix shows every NUL in a name as '@'.
fn lossy_abstract(name: &[u8]) -> Vec<u8> {
    name.iter()
        .map(|&b| if b == 0 { b'@' } else { b })
        .collect()
}

/// The sockets of `table` with the abstract name `name`.
fn abstract_matches(table: &[UnixSocket], name: &ByteString) -> Vec<UnixSocket> {
    let lossy = lossy_abstract(name.as_bytes());
    table
        .iter()
        .filter(|s| match &s.name {
            UnixName::Abstract(n) => n == name || n.as_bytes() == lossy,
            _ => false,
        })
        .cloned()
        .collect()
}

/// The sockets of one table bound to a path: by the file's inode (when the table knows
/// inodes and the path reached a socket file), and by name only.
struct PathMatches {
    by_file: Vec<UnixSocket>,
    by_name: Vec<UnixSocket>,
}

fn path_matches(
    table: &[UnixSocket],
    name: &[u8],
    absolute: Option<&crate::model::ByteString>,
    target: Option<crate::model::facts::FileInfo>,
) -> PathMatches {
    let mut by_file: Vec<UnixSocket> = Vec::new();
    if let Some(t) = target.filter(|t| t.kind == FileKind::Socket) {
        let by_ino: Vec<&UnixSocket> = table
            .iter()
            .filter(|s| s.vfs.is_some_and(|v| v.ino == t.id.ino))
            .collect();
        // Overlay filesystems may report another device in stat than the socket's
        // superblock; trust the device only when one matches.
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
        by_file.extend(pick.into_iter().cloned());
    }
    let by_name = table
        .iter()
        .filter(|s| !by_file.iter().any(|b| b.inode == s.inode))
        .filter(|s| match &s.name {
            UnixName::Path(p) => p.as_bytes() == name || absolute.is_some_and(|a| a == p),
            _ => false,
        })
        .cloned()
        .collect();
    PathMatches { by_file, by_name }
}

/// Walk the address's path, and (with `table`) find who is bound to it: in the tracee's
/// network namespace, then (when nobody there is) in the others, since a path socket is
/// reachable from any of them and an abstract name held in another is a near miss.
fn probe_address(pid: Pid, a: &SockAddr, how: Lookup, f: &mut Facts, scan: &mut Scanned) {
    const NO_TABLE: &str = "which sockets are bound (no sock_diag, no /proc/net/unix)";
    const HIDDEN_NETNS: &str =
        "the network namespaces of processes sockwhy may not look into (run it as root)";
    match a.unix_name() {
        Some(UnixName::Path(name)) => {
            let purpose = if how.bind {
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
            // The name as written against the cwd (the walk may have stopped earlier).
            let lexical = walk.cwd.as_ref().map(|cwd| {
                let mut p = cwd.as_bytes().to_vec();
                p.push(b'/');
                p.extend_from_slice(name.as_bytes());
                ByteString(p)
            });
            f.path = Some(walk);
            if !how.table {
                return;
            }
            // Only the network namespace is needed to read the right table; the others
            // only when some socket's holder is looked at (below).
            let mine = Namespaces {
                net: ns::ns_inode(pid, NsKind::Net),
                ..Namespaces::default()
            };
            f.ns = Some(mine);
            let ours = ns::our_namespaces().net;
            let Some((table, mut exact)) = probe_unix_table_of(mine.net, pid, ours, how.states)
            else {
                f.unchecked.push(NO_TABLE.into());
                return;
            };
            let is_socket = target.is_some_and(|t| t.kind == FileKind::Socket);
            let m = path_matches(&table, name.as_bytes(), absolute.as_ref(), target);
            if let Some(kind) = how.near
                && !m.by_file.iter().any(|s| s.state == SockState::Listening)
            {
                let abs = absolute.as_ref().or(lexical.as_ref()).map(|a| a.as_bytes());
                f.near =
                    near::probe_near(pid, &UnixName::Path(name.clone()), abs, &table, kind, scan);
            }
            let (mut by_file, mut by_name) = (m.by_file, m.by_name);
            let mut tables = vec![exact];
            if by_file.is_empty() && by_name.is_empty() {
                let others = ns::probe_other_netns(mine.net);
                if others.hidden {
                    f.unchecked.push(HIDDEN_NETNS.into());
                }
                for (netns, rep) in others.found {
                    let Some((t, ex)) = probe_unix_table_of(Some(netns), rep, ours, how.states)
                    else {
                        f.unchecked
                            .push(format!("the sockets of network namespace {netns}"));
                        exact = false;
                        continue;
                    };
                    tables.push(ex);
                    let m = path_matches(&t, name.as_bytes(), absolute.as_ref(), target);
                    by_file.extend(m.by_file);
                    by_name.extend(m.by_name);
                }
            }
            let exact = exact && tables.iter().all(|&e| e);
            f.bound_exact = exact;
            let mut found: Vec<(UnixSocket, bool)> =
                by_file.into_iter().map(|s| (s, true)).collect();
            let by_name: Vec<(UnixSocket, bool)> =
                by_name.into_iter().map(|s| (s, false)).collect();
            if !exact && is_socket {
                // Some table has no file inodes: a name match is the best we know.
                found.extend(by_name);
                f.bound = Some(with_owners(found, scan, None));
            } else {
                // File inodes are known (or there is no socket file): a socket bound by
                // this name but not to this file is bound to one that is gone, or to
                // one the tracee does not see (another mount namespace).
                f.bound = Some(with_owners(found, scan, None));
                f.bound_elsewhere = with_owners(by_name, scan, Some(name.as_bytes()));
            }
            if !f.bound_elsewhere.is_empty() || !f.near.is_empty() {
                f.ns = Some(ns::probe_namespaces(pid));
            }
        }
        Some(UnixName::Abstract(name)) if how.table => {
            let mine = Namespaces {
                net: ns::ns_inode(pid, NsKind::Net),
                ..Namespaces::default()
            };
            f.ns = Some(mine);
            let ours = ns::our_namespaces().net;
            let Some((table, _)) = probe_unix_table_of(mine.net, pid, ours, how.states) else {
                f.unchecked.push(NO_TABLE.into());
                return;
            };
            // Every bound abstract name is in either table.
            f.bound_exact = true;
            let found: Vec<(UnixSocket, bool)> = abstract_matches(&table, name)
                .into_iter()
                .map(|s| (s, false))
                .collect();
            if let Some(kind) = how.near
                && found.is_empty()
            {
                f.near = near::probe_near(
                    pid,
                    &UnixName::Abstract(name.clone()),
                    None,
                    &table,
                    kind,
                    scan,
                );
            }
            if found.is_empty() {
                let mut elsewhere = Vec::new();
                let others = ns::probe_other_netns(mine.net);
                if others.hidden {
                    f.unchecked.push(HIDDEN_NETNS.into());
                }
                for (netns, rep) in others.found {
                    match probe_unix_table_of(Some(netns), rep, ours, how.states) {
                        Some((t, _)) => elsewhere
                            .extend(abstract_matches(&t, name).into_iter().map(|s| (s, false))),
                        None => f
                            .unchecked
                            .push(format!("the sockets of network namespace {netns}")),
                    }
                }
                f.bound_other_netns = Some(with_owners(elsewhere, scan, None));
                if f.bound_other_netns.as_ref().is_some_and(|b| !b.is_empty()) {
                    f.ns = Some(ns::probe_namespaces(pid));
                }
            }
            f.bound = Some(with_owners(found, scan, None));
        }
        _ => {}
    }
}

/// The sockets found, each with its holders (from the failure's one scan) and, for
/// those in another network namespace or bound by `name` to another file, how the first
/// holder sees the name.
fn with_owners(
    found: Vec<(UnixSocket, bool)>,
    scan: &mut Scanned,
    name: Option<&[u8]>,
) -> Vec<BoundSocket> {
    // Everything sock_diag says of each: our namespace's table has names and files only
    // (a socket of another namespace is not found by our sock_diag and stays as its
    // namespace's full dump gave it).
    let found: Vec<(UnixSocket, bool)> = found
        .into_iter()
        .map(|(s, by_file)| (sockdiag::probe_unix_inode(s.inode).unwrap_or(s), by_file))
        .collect();
    found
        .into_iter()
        .map(|(sock, by_file)| {
            let owners = scan.owners(sock.inode);
            let holder = owners.first().map(|o| match (name, &sock.name) {
                (Some(_), UnixName::Path(p)) => {
                    ns::probe_holder_view(o.pid, p.as_bytes(), sock.vfs)
                }
                _ => HolderView {
                    pid: o.pid,
                    ns: ns::probe_namespaces(o.pid),
                    there: NameThere::Unknown,
                    cwd: None,
                },
            });
            BoundSocket {
                owners,
                sock,
                by_file,
                holder,
            }
        })
        .collect()
}

/// Does the peer the trace knew still exist, and who holds it.
fn probe_peer(pid: Pid, known: Option<u64>, scan: &mut Scanned) -> PeerFacts {
    let Some(k) = known else {
        return PeerFacts {
            known: None,
            exists: None,
            owners: Vec::new(),
            name: None,
        };
    };
    let sock = identity::probe_unix_socket(pid, k);
    let owners = if sock.is_some() {
        scan.owners(k)
    } else {
        Vec::new()
    };
    PeerFacts {
        known: Some(k),
        exists: Some(sock.is_some()),
        owners,
        name: sock.map(|s| s.name),
    }
}
