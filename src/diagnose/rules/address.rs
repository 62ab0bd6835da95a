//! Rules about the address a call named: the path as the tracee sees it, the file there,
//! and the sockets bound to it.

use super::{Ctx, cause, creds_text, mode_text, owners_text, sock_text};
use crate::model::facts::{Access, BoundSocket, FileKind, SockState, WalkEnd};
use crate::model::sockaddr::{SOCKADDR_UN, SUN_PATH};
use crate::model::{AddrName, Cause, Confidence, Errno, Facts, SockAddr, SockKind, UnixName};
use crate::render::escape::{escape_str, quote_bytes, quote_unix_name};
use syscalls::Sysno;

/// Calls that look a name up to reach a peer.
const REACH: &[Sysno] = &[
    Sysno::connect,
    Sysno::sendto,
    Sysno::sendmsg,
    Sysno::sendmmsg,
];
/// Calls that take an address.
const ADDR_CALLS: &[Sysno] = &[
    Sysno::connect,
    Sysno::bind,
    Sysno::sendto,
    Sysno::sendmsg,
    Sysno::sendmmsg,
];
/// Where glibc looks for nscd.
const NSCD: &[&[u8]] = &[b"/var/run/nscd/socket", b"/run/nscd/socket"];

/// What the kernel would answer a connect() to an address now, by the facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Connect {
    /// Nothing in the facts refuses it.
    Accepted,
    /// It would fail with this errno.
    Refused(Errno),
    /// It would fail, but the facts do not say with which errno.
    Unknown,
}

/// A connect() to `a` judged in the kernel's order (the path walk with the caller's
/// permissions, a socket file, a socket bound there, one listening). A name bound only by
/// a datagram socket takes a datagram connect. Facts that were not looked at refuse
/// nothing.
pub(crate) fn connect_outcome(a: &SockAddr, f: &Facts) -> Connect {
    if let Some(UnixName::Path(_)) = a.unix_name()
        && let Some(w) = &f.path
    {
        // A directory the caller may not search hides everything below it.
        if w.denied.is_some() {
            return Connect::Refused(Errno::EACCES);
        }
        match &w.end {
            WalkEnd::Missing { .. } => return Connect::Refused(Errno::ENOENT),
            WalkEnd::NotDir { .. } => return Connect::Refused(Errno::ENOTDIR),
            WalkEnd::Loop => return Connect::Refused(Errno::ELOOP),
            WalkEnd::Error { errno: Some(e), .. } => return Connect::Refused(*e),
            WalkEnd::Error { errno: None, .. } => return Connect::Unknown,
            WalkEnd::Found => {}
        }
        if w.target().is_some_and(|t| t.info.kind != FileKind::Socket) {
            return Connect::Refused(Errno::ECONNREFUSED);
        }
    }
    match f.bound.as_deref() {
        None => Connect::Accepted,
        Some([]) => Connect::Refused(Errno::ECONNREFUSED),
        Some(b)
            if b.iter().any(|s| {
                s.sock.state == SockState::Listening || s.sock.kind == SockKind::Dgram
            }) =>
        {
            Connect::Accepted
        }
        Some(_) => Connect::Refused(Errno::ECONNREFUSED),
    }
}

/// EINVAL / ENAMETOOLONG: which field of the address is wrong.
pub(super) fn bad_address(c: &Ctx) -> Option<Cause> {
    if !c.is(
        ADDR_CALLS,
        &[Errno::EINVAL, Errno::ENAMETOOLONG, Errno::EAFNOSUPPORT],
    ) {
        return None;
    }
    let a = c.addr()?;
    let mut ev = Vec::new();
    ev.push(format!(
        "address: family {}, addrlen {}{}",
        escape_str(&a.family),
        a.addrlen,
        a.unix_name()
            .and_then(UnixName::bytes)
            .map(|p| format!(", name of {} bytes", p.len()))
            .unwrap_or_default()
    ));
    if let Some(first) = a.problems.first() {
        ev.extend(a.problems.iter().map(|p| escape_str(p)));
        return cause(
            format!("The address is malformed: {}.", escape_str(first)),
            ev,
            Confidence::High,
        );
    }
    if a.name == AddrName::Other {
        return cause(
            format!(
                "sun_family is {}, not AF_UNIX: an AF_UNIX socket only takes AF_UNIX addresses.",
                escape_str(&a.family)
            ),
            ev,
            Confidence::High,
        );
    }
    if a.addrlen > SOCKADDR_UN {
        return cause(
            format!(
                "addrlen {} exceeds sizeof(struct sockaddr_un), {SOCKADDR_UN}.",
                a.addrlen
            ),
            ev,
            Confidence::High,
        );
    }
    if a.addrlen < 2 {
        return cause(
            format!(
                "addrlen {} does not even cover sun_family (2 bytes).",
                a.addrlen
            ),
            ev,
            Confidence::High,
        );
    }
    if let Some(UnixName::Path(p)) = a.unix_name()
        && p.len() > SUN_PATH
    {
        return cause(
            format!(
                "The path is {} bytes; sun_path holds {SUN_PATH} (the kernel says EINVAL, not ENAMETOOLONG).",
                p.len()
            ),
            ev,
            Confidence::High,
        );
    }
    if let Some(w) = &c.f.path
        && let WalkEnd::Error {
            at,
            errno: Some(Errno::ENAMETOOLONG),
        } = &w.end
    {
        ev.push(format!(
            "looking up {} fails with ENAMETOOLONG",
            quote_bytes(at.as_bytes())
        ));
        return cause(
            "A component of the path (possibly via a symlink) is longer than 255 bytes.",
            ev,
            Confidence::High,
        );
    }
    if a.unix_name() == Some(&UnixName::Unnamed) && c.sys == Sysno::connect {
        return cause(
            "The address has no name (addrlen covers only sun_family): there is nothing to connect to.",
            ev,
            Confidence::High,
        );
    }
    None
}

/// glibc's name-service lookups try nscd first: ENOENT there is everyday noise.
pub(super) fn nscd_noise(c: &Ctx) -> Option<Cause> {
    if !c.is(REACH, &[Errno::ENOENT, Errno::ECONNREFUSED]) {
        return None;
    }
    let Some(UnixName::Path(p)) = c.addr()?.unix_name() else {
        return None;
    };
    if !NSCD.contains(&p.as_bytes()) {
        return None;
    }
    cause(
        "Harmless: glibc probes the nscd cache daemon on every user/host lookup; nscd is not running, so glibc reads /etc/passwd, /etc/hosts, ... itself.",
        vec![format!(
            "{} is glibc's nscd socket",
            quote_bytes(p.as_bytes())
        )],
        Confidence::High,
    )
}

/// EACCES: which component the tracee may not search or write.
pub(super) fn access(c: &Ctx) -> Option<Cause> {
    if !c.is(ADDR_CALLS, &[Errno::EACCES, Errno::EPERM]) {
        return None;
    }
    let w = c.f.path.as_ref()?;
    let creds = c.f.creds.as_ref();
    let Some(d) = &w.denied else {
        if w.perms_checked && c.errno == Errno::EACCES {
            return cause(
                "The mode bits along the path allow this process; an ACL or a security module (SELinux, AppArmor, Landlock) is the likely refuser.",
                creds.map(creds_text).into_iter().collect(),
                Confidence::Low,
            );
        }
        return None;
    };
    let who = creds
        .map(|cr| format!("uid {}", cr.fsuid()))
        .unwrap_or_else(|| "the process".into());
    let p = quote_bytes(d.path.as_bytes());
    let summary = match (d.need, c.sys) {
        (Access::Search, _) => {
            format!("{who} may not search directory {p}, so nothing below it can be reached.")
        }
        (Access::Write, Sysno::bind) => {
            format!("{who} may not create the socket file: no write permission on directory {p}.")
        }
        (Access::Write, _) => format!(
            "{who} may not write to socket file {p}; connecting needs write permission on it."
        ),
    };
    let mut ev = vec![format!("{p}: {}", mode_text(&d.info))];
    if let Some(cr) = creds {
        ev.push(creds_text(cr));
        let class = if cr.fsuid() == d.info.uid {
            "the owner bits apply"
        } else if cr.fsgid() == d.info.gid || cr.groups.contains(&d.info.gid) {
            "the group bits apply"
        } else {
            "neither owner nor in the group: the \"other\" bits apply"
        };
        ev.push(format!("{class}; no CAP_DAC_OVERRIDE"));
    }
    cause(summary, ev, Confidence::High)
}

/// EPERM on a datagram send to an address: the receiver is connected to someone else.
pub(super) fn receiver_connected(c: &Ctx) -> Option<Cause> {
    if !c.is(REACH, &[Errno::EPERM]) {
        return None;
    }
    let bound = c.f.bound.as_deref()?;
    let me = c.f.own.as_ref().map(|o| o.inode);
    let r = bound.iter().find(|b| {
        b.sock.kind == SockKind::Dgram && b.sock.peer.is_some_and(|p| p != 0 && Some(p) != me)
    })?;
    let peer = r.sock.peer.unwrap_or_default();
    let mut ev = holders(bound);
    ev.push(format!("the receiving socket is connected to inode {peer}"));
    cause(
        format!(
            "The receiving datagram socket (held by {}) is connected to another socket (inode {peer}), so it takes datagrams only from that one.",
            owners_text(&r.owners)
        ),
        ev,
        Confidence::High,
    )
}

/// EROFS on bind.
pub(super) fn read_only(c: &Ctx) -> Option<Cause> {
    if !c.is(&[Sysno::bind], &[Errno::EROFS]) {
        return None;
    }
    let w = c.f.path.as_ref()?;
    if w.parent_readonly != Some(true) {
        return None;
    }
    cause(
        "The directory is on a read-only mount, so bind() cannot create the socket file there.",
        vec![format!(
            "the parent of {} is mounted read-only",
            quote_bytes(w.given.as_bytes())
        )],
        Confidence::High,
    )
}

fn holders(bound: &[BoundSocket]) -> Vec<String> {
    bound
        .iter()
        .map(|b| {
            let how = if b.by_file { "" } else { " (matched by name)" };
            format!(
                "bound{how}: {} held by {}",
                sock_text(&b.sock),
                owners_text(&b.owners)
            )
        })
        .collect()
}

fn replaced(elsewhere: &[BoundSocket]) -> Vec<String> {
    elsewhere
        .iter()
        .map(|b| {
            format!(
                "bound by this name to a file that is gone: {} held by {}",
                sock_text(&b.sock),
                owners_text(&b.owners)
            )
        })
        .collect()
}

/// EADDRINUSE on bind: who holds the name, or a stale file.
pub(super) fn in_use(c: &Ctx) -> Option<Cause> {
    if !c.is(&[Sysno::bind], &[Errno::EADDRINUSE]) {
        return None;
    }
    let name = c.addr()?.unix_name().filter(|n| !n.is_unnamed())?;
    let bound = c.f.bound.as_deref().unwrap_or_default();
    let shown = quote_unix_name(name);
    if !bound.is_empty() {
        let who = owners_text(&bound[0].owners);
        return cause(
            format!("{shown} is already bound by {who}."),
            holders(bound),
            Confidence::High,
        );
    }
    if let UnixName::Path(_) = name
        && let Some(t) = c.f.path.as_ref().and_then(|w| w.target())
    {
        let ev = vec![format!("{shown}: {}", mode_text(&t.info))];
        if t.info.kind != FileKind::Socket {
            return cause(
                format!(
                    "{shown} already exists as {}; bind() creates the file itself, so any existing name fails.",
                    t.info.kind.phrase()
                ),
                ev,
                Confidence::High,
            );
        }
        if c.f.bound.is_some() {
            let mut ev = ev;
            ev.push("no socket in the system is bound to this file".into());
            ev.extend(replaced(&c.f.bound_elsewhere));
            let conf = if c.f.bound_exact {
                Confidence::High
            } else {
                Confidence::Medium
            };
            return cause(
                format!(
                    "{shown} is a stale socket file nobody holds (left by a process that exited); remove it (unlink) before bind()."
                ),
                ev,
                conf,
            );
        }
    }
    None
}

/// EPROTOTYPE: the bound socket's type is not the caller's.
pub(super) fn prototype(c: &Ctx) -> Option<Cause> {
    if !c.is(REACH, &[Errno::EPROTOTYPE]) {
        return None;
    }
    let bound = c.f.bound.as_deref()?;
    let mine = c.own_kind()?;
    let other = bound.iter().find(|b| b.sock.kind != mine)?;
    cause(
        format!(
            "The address is bound by a {} socket, but {} is {}: both ends must have the same type.",
            other.sock.kind.name(),
            c.fd_text(),
            mine.name()
        ),
        holders(bound),
        Confidence::High,
    )
}

/// EAGAIN on a non-blocking connect: the listener's accept queue is full.
pub(super) fn backlog_full(c: &Ctx) -> Option<Cause> {
    if !c.is(&[Sysno::connect], &[Errno::EAGAIN]) {
        return None;
    }
    let bound = c.f.bound.as_deref()?;
    let l = bound
        .iter()
        .find(|b| b.sock.state == SockState::Listening)?;
    let (q, max) = (l.sock.rqueue?, l.sock.wqueue?);
    let mut ev = holders(bound);
    ev.push(format!(
        "accept queue: {q} connection(s) waiting, listen() backlog {max} (the kernel lets backlog+1 wait)"
    ));
    if q > max {
        cause(
            format!(
                "The listener's accept queue is full ({q} waiting, backlog {max}): the server is not calling accept() fast enough, and this connect does not wait (non-blocking, or its send timeout ran out)."
            ),
            ev,
            Confidence::High,
        )
    } else {
        cause(
            "The listener's accept queue was full at the moment of the call; it has room now (the server accepted since).",
            ev,
            Confidence::Medium,
        )
    }
}

/// ENOENT / ENOTDIR / ELOOP on bind: the directory the socket file should go in.
pub(super) fn bind_dir(c: &Ctx) -> Option<Cause> {
    if !c.is(
        &[Sysno::bind],
        &[Errno::ENOENT, Errno::ENOTDIR, Errno::ELOOP],
    ) {
        return None;
    }
    let w = c.f.path.as_ref()?;
    let given = quote_bytes(w.given.as_bytes());
    match &w.end {
        WalkEnd::Missing { at, last: false } => {
            let at = quote_bytes(at.as_bytes());
            cause(
                format!(
                    "Directory {at} does not exist: bind() creates only the socket file {given}, never the directories above it."
                ),
                vec![format!("{at} does not exist")],
                Confidence::High,
            )
        }
        WalkEnd::NotDir { at } => {
            let at = quote_bytes(at.as_bytes());
            cause(
                format!("{at} is used as a directory in {given}, but it is not one."),
                vec![format!("{at} is not a directory")],
                Confidence::High,
            )
        }
        WalkEnd::Loop => cause(
            format!("Resolving {given} follows more than 40 symbolic links (a loop)."),
            vec![],
            Confidence::High,
        ),
        _ => None,
    }
}

/// ENOENT / ECONNREFUSED / ENOTDIR / ELOOP on connect or send: what is (not) there.
pub(super) fn target(c: &Ctx) -> Option<Cause> {
    if !c.is(
        REACH,
        &[
            Errno::ENOENT,
            Errno::ECONNREFUSED,
            Errno::ENOTDIR,
            Errno::ELOOP,
        ],
    ) {
        return None;
    }
    match c.addr()?.unix_name()? {
        n @ UnixName::Abstract(_) => abstract_target(c, n),
        UnixName::Path(_) => path_target(c),
        UnixName::Unnamed => None,
    }
}

fn not_listening(c: &Ctx, bound: &[BoundSocket], shown: &str) -> Option<Cause> {
    let mine = c.own_kind();
    if matches!(mine, Some(SockKind::Dgram)) {
        return None;
    }
    if bound.iter().any(|b| b.sock.state == SockState::Listening) {
        return cause(
            format!(
                "{shown} has a listener now; it was probably not listening yet (or was restarting) when this call ran."
            ),
            holders(bound),
            Confidence::Low,
        );
    }
    cause(
        format!(
            "{shown} is bound by {}, but that socket is not listening: the server has not called listen() (yet).",
            owners_text(&bound[0].owners)
        ),
        holders(bound),
        Confidence::High,
    )
}

fn abstract_target(c: &Ctx, name: &UnixName) -> Option<Cause> {
    let bound = c.f.bound.as_deref()?;
    let shown = quote_unix_name(name);
    if bound.is_empty() {
        return cause(
            format!(
                "Nobody has bound the abstract name {shown} (in this network namespace): the server is not running, or uses another name."
            ),
            vec!["no AF_UNIX socket has that abstract name".into()],
            Confidence::High,
        );
    }
    not_listening(c, bound, &shown)
}

fn path_target(c: &Ctx) -> Option<Cause> {
    let w = c.f.path.as_ref()?;
    let given = quote_bytes(w.given.as_bytes());
    let mut ev = Vec::new();
    if let Some(cwd) = &w.cwd {
        ev.push(format!(
            "relative path, resolved against the process's cwd {}",
            quote_bytes(cwd.as_bytes())
        ));
    }
    for s in w.steps.iter().filter(|s| s.link.is_some()) {
        ev.push(format!(
            "{} is a symlink to {}",
            quote_bytes(s.path.as_bytes()),
            quote_bytes(s.link.as_ref().map(|l| l.as_bytes()).unwrap_or_default())
        ));
    }
    match &w.end {
        WalkEnd::Missing { at, last: false } => {
            let at = quote_bytes(at.as_bytes());
            ev.push(format!("{at} does not exist"));
            cause(
                format!("Directory {at} does not exist, so {given} cannot either."),
                ev,
                Confidence::High,
            )
        }
        WalkEnd::Missing { at, last: true } => {
            let at = quote_bytes(at.as_bytes());
            ev.push(format!("{at} does not exist; its directory does"));
            if let Some(b) = c.f.bound_elsewhere.first() {
                ev.push(format!(
                    "a socket is still bound to that name: {} held by {}",
                    sock_text(&b.sock),
                    owners_text(&b.owners)
                ));
                return cause(
                    format!(
                        "The socket file {at} was deleted while {} still has the socket: restart the server (or have it recreate the file).",
                        owners_text(&b.owners)
                    ),
                    ev,
                    Confidence::High,
                );
            }
            if c.f.bound.is_some() {
                ev.push("no socket is bound to that name either".into());
            }
            cause(
                format!(
                    "No socket file at {at}: the server is not running, has not created it yet, or uses another path."
                ),
                ev,
                Confidence::High,
            )
        }
        WalkEnd::NotDir { at } => {
            let kind = w
                .steps
                .iter()
                .find(|s| &s.path == at)
                .map(|s| s.info.kind.phrase())
                .unwrap_or("not a directory");
            let at = quote_bytes(at.as_bytes());
            ev.push(format!("{at} is {kind}"));
            cause(
                format!("{at} is used as a directory in {given}, but it is {kind}."),
                ev,
                Confidence::High,
            )
        }
        WalkEnd::Loop => cause(
            format!("Resolving {given} follows more than 40 symbolic links (a loop)."),
            ev,
            Confidence::High,
        ),
        WalkEnd::Error { at, errno } => {
            let why = errno.map_or("the process's root or cwd cannot be read", |e| {
                e.name().unwrap_or("an unnamed errno")
            });
            ev.push(format!(
                "looking up {} fails with {why}",
                quote_bytes(at.as_bytes())
            ));
            cause(
                format!("The path cannot be resolved: {why}."),
                ev,
                Confidence::Low,
            )
        }
        WalkEnd::Found => {
            let t = w.target()?;
            ev.push(format!("{given}: {}", mode_text(&t.info)));
            if t.info.kind != FileKind::Socket {
                return cause(
                    format!(
                        "{given} is {}, not a socket: connecting to a non-socket file is refused.",
                        t.info.kind.phrase()
                    ),
                    ev,
                    Confidence::High,
                );
            }
            let bound = c.f.bound.as_deref()?;
            if bound.is_empty() {
                ev.push("no socket in the system is bound to this file".into());
                let conf = if c.f.bound_exact {
                    Confidence::High
                } else {
                    Confidence::Medium
                };
                if let Some(b) = c.f.bound_elsewhere.first() {
                    ev.extend(replaced(&c.f.bound_elsewhere));
                    return cause(
                        format!(
                            "{given} is a stale socket file: {} still has a socket bound by this name, but to an earlier file that was deleted and replaced; restart that server.",
                            owners_text(&b.owners)
                        ),
                        ev,
                        conf,
                    );
                }
                return cause(
                    format!(
                        "{given} is a stale socket file: nobody holds a socket on it, so the server that created it has exited (or runs in another network namespace)."
                    ),
                    ev,
                    conf,
                );
            }
            if c.errno == Errno::ENOENT {
                return cause(
                    format!("{given} exists now; it was probably created after this call."),
                    ev,
                    Confidence::Low,
                );
            }
            not_listening(c, bound, &given)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::{History, find_cause};
    use crate::model::facts::*;
    use crate::model::{ByteString, Confidence, Facts};
    use crate::model::{SockKind, UnixName};

    fn walk(given: &str, steps: Vec<(&str, FileInfo)>, end: WalkEnd) -> PathWalk {
        PathWalk {
            given: given.into(),
            cwd: None,
            steps: steps
                .into_iter()
                .map(|(p, info)| PathStep {
                    path: p.into(),
                    info,
                    link: None,
                })
                .collect(),
            end,
            denied: None,
            perms_checked: true,
            parent_readonly: None,
        }
    }

    fn dir() -> FileInfo {
        info(FileKind::Dir, 0o755, 0, 0)
    }

    fn owner(pid: i32, comm: &str, fd: i32) -> Owner {
        Owner {
            pid,
            comm: comm.into(),
            fds: vec![fd],
        }
    }

    fn run(e: &crate::model::SyscallEvent, f: &Facts) -> crate::model::Cause {
        find_cause(e, f, &History::default()).expect("a cause")
    }

    #[test]
    fn rules_connect_missing_directory_is_named() {
        let mut e = ev("connect", "ENOENT");
        e.addr = Some(path("/run/app/x.sock"));
        let f = Facts {
            path: Some(walk(
                "/run/app/x.sock",
                vec![("/", dir()), ("/run", dir())],
                WalkEnd::Missing {
                    at: "/run/app".into(),
                    last: false,
                },
            )),
            bound: Some(vec![]),
            bound_exact: true,
            ..Default::default()
        };
        let c = run(&e, &f);
        assert!(
            c.summary.contains("Directory \"/run/app\" does not exist"),
            "{c:?}"
        );
        assert_eq!(c.confidence, Confidence::High);
    }

    #[test]
    fn rules_connect_missing_socket_file_and_deleted_while_bound() {
        let mut e = ev("connect", "ENOENT");
        e.addr = Some(path("/run/x.sock"));
        let w = walk(
            "/run/x.sock",
            vec![("/", dir()), ("/run", dir())],
            WalkEnd::Missing {
                at: "/run/x.sock".into(),
                last: true,
            },
        );
        let mut f = Facts {
            path: Some(w),
            bound: Some(vec![]),
            bound_exact: true,
            ..Default::default()
        };
        let c = run(&e, &f);
        assert!(
            c.summary.starts_with("No socket file at \"/run/x.sock\""),
            "{c:?}"
        );
        let mut s = sock(7, SockKind::Stream, SockState::Listening);
        s.name = UnixName::Path("/run/x.sock".into());
        f.bound_elsewhere = vec![BoundSocket {
            sock: s,
            owners: vec![owner(42, "srv", 3)],
            by_file: false,
        }];
        let c = run(&e, &f);
        assert!(
            c.summary.contains("was deleted while pid 42 (srv) fd 3"),
            "{c:?}"
        );
    }

    #[test]
    fn rules_connect_not_a_socket_and_stale_and_not_listening() {
        let mut e = ev("connect", "ECONNREFUSED");
        e.addr = Some(path("/tmp/s"));
        let mut f = Facts {
            path: Some(walk(
                "/tmp/s",
                vec![
                    ("/", dir()),
                    ("/tmp", dir()),
                    ("/tmp/s", info(FileKind::Regular, 0o644, 0, 0)),
                ],
                WalkEnd::Found,
            )),
            bound: Some(vec![]),
            bound_exact: true,
            ..Default::default()
        };
        let c = run(&e, &f);
        assert!(
            c.summary.contains("is a regular file, not a socket"),
            "{c:?}"
        );

        f.path.as_mut().unwrap().steps[2].info.kind = FileKind::Socket;
        let c = run(&e, &f);
        assert!(c.summary.contains("stale socket file"), "{c:?}");
        assert_eq!(c.confidence, Confidence::High);
        f.bound_exact = false;
        assert_eq!(run(&e, &f).confidence, Confidence::Medium);

        f.bound = Some(vec![BoundSocket {
            sock: sock(8, SockKind::Stream, SockState::Unconnected),
            owners: vec![owner(43, "late\x1b[2J", 4)],
            by_file: true,
        }]);
        let c = run(&e, &f);
        assert!(c.summary.contains("not listening"), "{c:?}");
        assert!(c.summary.contains("late\\x1b[2J"), "comm is escaped: {c:?}");
    }

    #[test]
    fn rules_abstract_nobody_bound() {
        let mut e = ev("connect", "ECONNREFUSED");
        e.addr = Some(abs("svc\n"));
        let f = Facts {
            bound: Some(vec![]),
            bound_exact: true,
            ..Default::default()
        };
        let c = run(&e, &f);
        assert!(c.summary.contains("abstract name @\"svc\\n\""), "{c:?}");
        assert_eq!(c.confidence, Confidence::High);
    }

    #[test]
    fn rules_nscd_is_noise() {
        let mut e = ev("connect", "ENOENT");
        e.addr = Some(path("/var/run/nscd/socket"));
        let c = run(&e, &Facts::default());
        assert!(c.summary.starts_with("Harmless"), "{c:?}");
    }

    #[test]
    fn rules_eacces_names_component_mode_and_ids() {
        let mut e = ev("connect", "EACCES");
        e.addr = Some(path("/srv/locked/x.sock"));
        let mut w = walk("/srv/locked/x.sock", vec![], WalkEnd::Found);
        w.denied = Some(Denial {
            path: "/srv/locked".into(),
            need: Access::Search,
            info: info(FileKind::Dir, 0o700, 0, 0),
        });
        let f = Facts {
            path: Some(w),
            creds: Some(Creds {
                uid: [65534; 4],
                gid: [65534; 4],
                groups: vec![],
                cap_eff: 0,
            }),
            ..Default::default()
        };
        let c = run(&e, &f);
        assert_eq!(
            c.summary,
            "uid 65534 may not search directory \"/srv/locked\", so nothing below it can be reached."
        );
        assert!(c.evidence[0].contains("drwx------ (0700), owner uid 0 gid 0"));
        assert!(c.evidence.iter().any(|e| e.contains("\"other\" bits")));

        let mut e = ev("bind", "EACCES");
        e.addr = Some(path("/srv/x.sock"));
        let mut f = f;
        f.path.as_mut().unwrap().denied = Some(Denial {
            path: "/srv".into(),
            need: Access::Write,
            info: info(FileKind::Dir, 0o755, 0, 0),
        });
        assert!(
            run(&e, &f)
                .summary
                .contains("no write permission on directory \"/srv\"")
        );
    }

    #[test]
    fn rules_eaddrinuse_holder_stale_and_other_file() {
        let mut e = ev("bind", "EADDRINUSE");
        e.addr = Some(path("/run/x.sock"));
        let mut f = Facts {
            path: Some(walk(
                "/run/x.sock",
                vec![("/run/x.sock", info(FileKind::Socket, 0o755, 0, 0))],
                WalkEnd::Found,
            )),
            bound: Some(vec![BoundSocket {
                sock: sock(9, SockKind::Stream, SockState::Listening),
                owners: vec![owner(77, "nginx", 6)],
                by_file: true,
            }]),
            bound_exact: true,
            ..Default::default()
        };
        let c = run(&e, &f);
        assert_eq!(
            c.summary,
            "\"/run/x.sock\" is already bound by pid 77 (nginx) fd 6."
        );
        f.bound = Some(vec![]);
        let c = run(&e, &f);
        assert!(
            c.summary.contains("stale socket file nobody holds"),
            "{c:?}"
        );
        assert!(c.summary.contains("unlink"));
        f.path.as_mut().unwrap().steps[0].info.kind = FileKind::Dir;
        assert!(
            run(&e, &f)
                .summary
                .contains("already exists as a directory")
        );
    }

    #[test]
    fn rules_eprototype_and_backlog() {
        let mut e = ev("connect", "EPROTOTYPE");
        e.fd = Some(3);
        e.addr = Some(path("/run/x.sock"));
        let mut f = Facts {
            own: Some(sock(1, SockKind::Stream, SockState::Unconnected)),
            bound: Some(vec![BoundSocket {
                sock: sock(9, SockKind::Dgram, SockState::Unconnected),
                owners: vec![owner(5, "logd", 3)],
                by_file: true,
            }]),
            ..Default::default()
        };
        let c = run(&e, &f);
        assert!(
            c.summary
                .contains("bound by a SOCK_DGRAM socket, but fd 3 is SOCK_STREAM"),
            "{c:?}"
        );

        let mut e = ev("connect", "EAGAIN");
        e.addr = Some(path("/run/x.sock"));
        let mut l = sock(9, SockKind::Stream, SockState::Listening);
        l.rqueue = Some(1);
        l.wqueue = Some(0);
        f.bound.as_mut().unwrap()[0].sock = l;
        let c = run(&e, &f);
        assert!(
            c.summary
                .contains("accept queue is full (1 waiting, backlog 0)"),
            "{c:?}"
        );
        assert_eq!(c.confidence, Confidence::High);
    }

    #[test]
    fn rules_bind_into_missing_directory() {
        let mut e = ev("bind", "ENOENT");
        e.addr = Some(path("/run/app/x.sock"));
        let f = Facts {
            path: Some(walk(
                "/run/app/x.sock",
                vec![("/", dir()), ("/run", dir())],
                WalkEnd::Missing {
                    at: "/run/app".into(),
                    last: false,
                },
            )),
            ..Default::default()
        };
        let c = run(&e, &f);
        assert!(
            c.summary
                .starts_with("Directory \"/run/app\" does not exist: bind() creates only"),
            "{c:?}"
        );
    }

    #[test]
    fn rules_eperm_receiver_connected_elsewhere() {
        let mut e = ev("sendto", "EPERM");
        e.addr = Some(path("/run/log.sock"));
        let mut r = sock(9, SockKind::Dgram, SockState::Connected);
        r.peer = Some(44);
        let f = Facts {
            own: Some(sock(1, SockKind::Dgram, SockState::Unconnected)),
            bound: Some(vec![BoundSocket {
                sock: r,
                owners: vec![owner(5, "logd", 3)],
                by_file: true,
            }]),
            ..Default::default()
        };
        let c = run(&e, &f);
        assert!(
            c.summary
                .contains("is connected to another socket (inode 44)"),
            "{c:?}"
        );
    }

    #[test]
    fn rules_connect_verdict_in_the_kernel_order() {
        use super::super::{ConnectVerdict, connect_verdict};
        use crate::model::Errno;
        let a = path("/run/x.sock");
        let errno = |f: &Facts| match connect_verdict(100, &a, f) {
            ConnectVerdict::Accepted => None,
            ConnectVerdict::Refused { errno, .. } => Some(errno),
        };
        let sock_file = walk(
            "/run/x.sock",
            vec![("/run/x.sock", info(FileKind::Socket, 0o777, 0, 0))],
            WalkEnd::Found,
        );
        let with = |bound: Option<Vec<BoundSocket>>| Facts {
            path: Some(sock_file.clone()),
            bound,
            bound_exact: true,
            ..Default::default()
        };
        let bound = |kind, state| BoundSocket {
            sock: sock(9, kind, state),
            owners: vec![],
            by_file: true,
        };
        // Nothing looked at refuses nothing; a listener accepts.
        assert_eq!(errno(&Facts::default()), None);
        assert_eq!(
            errno(&with(Some(vec![bound(
                SockKind::Stream,
                SockState::Listening
            )]))),
            None
        );
        // A datagram socket takes a datagram connect.
        assert_eq!(
            errno(&with(Some(vec![bound(
                SockKind::Dgram,
                SockState::Unconnected
            )]))),
            None
        );
        assert_eq!(
            errno(&with(Some(vec![bound(
                SockKind::Stream,
                SockState::Unconnected
            )]))),
            Some(Some(Errno::ECONNREFUSED))
        );
        assert_eq!(errno(&with(Some(vec![]))), Some(Some(Errno::ECONNREFUSED)));
        let mut f = with(None);
        f.path.as_mut().unwrap().end = WalkEnd::Missing {
            at: "/run".into(),
            last: false,
        };
        assert_eq!(errno(&f), Some(Some(Errno::ENOENT)));
        // A directory the caller may not search comes before what lies below it.
        f.path.as_mut().unwrap().denied = Some(Denial {
            path: "/run".into(),
            need: Access::Search,
            info: dir(),
        });
        assert_eq!(errno(&f), Some(Some(Errno::EACCES)));
        f.path.as_mut().unwrap().denied = None;
        f.path.as_mut().unwrap().end = WalkEnd::Error {
            at: "/run".into(),
            errno: None,
        };
        assert_eq!(errno(&f), Some(None), "fails, errno unknown");
    }

    #[test]
    fn rules_bad_address_fields() {
        let mut e = ev("bind", "EINVAL");
        let mut a = path(&"a".repeat(120));
        a.addrlen = 110;
        e.addr = Some(a.clone());
        let c = run(&e, &Facts::default());
        assert!(c.summary.contains("120 bytes; sun_path holds 108"), "{c:?}");
        a.problems = vec!["addrlen 200 exceeds sizeof(struct sockaddr_un) 110".into()];
        e.addr = Some(a.clone());
        assert!(run(&e, &Facts::default()).summary.contains("addrlen 200"));
        let mut o = path("x");
        o.name = crate::model::AddrName::Other;
        o.family = "AF_INET".into();
        e.addr = Some(o);
        assert!(
            run(&e, &Facts::default())
                .summary
                .contains("sun_family is AF_INET")
        );
        let _ = ByteString::default();
    }
}
