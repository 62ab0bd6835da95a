//! Rules about the address a call named: the path as the tracee sees it, the file there,
//! and the sockets bound to it. One function per cause; `table.rs` says for which calls
//! and errnos each is asked, in which order, and gives it its id.

use super::{Ctx, cause, cause_fix, gid_text, owners_text, sock_text, uid_text};
use crate::model::facts::{Access, BoundSocket, FileKind, NameThere, PathWalk, SockState, WalkEnd};
use crate::model::sockaddr::{SOCKADDR_UN, SUN_PATH};
use crate::model::{AddrName, Cause, Confidence, Errno, Facts, SockAddr, SockKind, UnixName};
use crate::render::escape::{escape_bytes, escape_str, quote_bytes, quote_unix_name};

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

/// The address and the first line of evidence about it.
fn addr_evidence<'a>(c: &'a Ctx) -> Option<(&'a SockAddr, Vec<String>)> {
    let a = c.addr()?;
    let ev = vec![format!(
        "address: family {}, addrlen {}{}",
        escape_str(&a.family),
        a.addrlen,
        a.unix_name()
            .and_then(UnixName::bytes)
            .map(|p| format!(", name of {} bytes", p.len()))
            .unwrap_or_default()
    )];
    Some((a, ev))
}

/// How a correct addrlen is computed, for the fixes of the address rules.
const ADDRLEN_FIX: &str = "pass addrlen = offsetof(struct sockaddr_un, sun_path) + strlen(sun_path) + 1 for a path (no +1 for an abstract name), at most sizeof(struct sockaddr_un)";

/// The decoder found the address malformed (a path without its NUL, a length past it).
pub(super) fn malformed(c: &Ctx) -> Option<Cause> {
    let (a, mut ev) = addr_evidence(c)?;
    let first = a.problems.first()?;
    ev.extend(a.problems.iter().map(|p| escape_str(p)));
    cause_fix(
        format!("The address is malformed: {}.", escape_str(first)),
        ev,
        Confidence::High,
        ADDRLEN_FIX,
    )
}

/// sun_family is not AF_UNIX.
pub(super) fn wrong_family(c: &Ctx) -> Option<Cause> {
    let (a, ev) = addr_evidence(c)?;
    if a.name != AddrName::Other {
        return None;
    }
    cause_fix(
        format!(
            "sun_family is {}, not AF_UNIX: an AF_UNIX socket only takes AF_UNIX addresses.",
            escape_str(&a.family)
        ),
        ev,
        Confidence::High,
        "set sun_family = AF_UNIX (an uninitialised or reused struct sockaddr is the usual culprit)",
    )
}

/// addrlen larger than struct sockaddr_un.
pub(super) fn addrlen_too_big(c: &Ctx) -> Option<Cause> {
    let (a, ev) = addr_evidence(c)?;
    if a.addrlen <= SOCKADDR_UN {
        return None;
    }
    cause_fix(
        format!(
            "addrlen {} exceeds sizeof(struct sockaddr_un), {SOCKADDR_UN}.",
            a.addrlen
        ),
        ev,
        Confidence::High,
        ADDRLEN_FIX,
    )
}

/// addrlen shorter than sun_family.
pub(super) fn addrlen_too_small(c: &Ctx) -> Option<Cause> {
    let (a, ev) = addr_evidence(c)?;
    if a.addrlen >= 2 {
        return None;
    }
    cause_fix(
        format!(
            "addrlen {} does not even cover sun_family (2 bytes).",
            a.addrlen
        ),
        ev,
        Confidence::High,
        ADDRLEN_FIX,
    )
}

/// A path longer than sun_path.
pub(super) fn path_too_long(c: &Ctx) -> Option<Cause> {
    let (a, ev) = addr_evidence(c)?;
    let Some(UnixName::Path(p)) = a.unix_name() else {
        return None;
    };
    if p.len() <= SUN_PATH {
        return None;
    }
    cause_fix(
        format!(
            "The path is {} bytes; sun_path holds {SUN_PATH} (the kernel says EINVAL, not ENAMETOOLONG).",
            p.len()
        ),
        ev,
        Confidence::High,
        "use a shorter path (a short directory such as /run/NAME, or a symlink to the directory), or an abstract name",
    )
}

/// A component over 255 bytes on the way (possibly through a symlink).
pub(super) fn component_too_long(c: &Ctx) -> Option<Cause> {
    let (_, mut ev) = addr_evidence(c)?;
    let Some(WalkEnd::Error {
        at,
        errno: Some(Errno::ENAMETOOLONG),
    }) = c.f.path.as_ref().map(|w| &w.end)
    else {
        return None;
    };
    ev.push(format!(
        "looking up {} fails with ENAMETOOLONG",
        quote_bytes(at.as_bytes())
    ));
    cause_fix(
        "A component of the path (possibly via a symlink) is longer than 255 bytes.",
        ev,
        Confidence::High,
        "shorten the file or directory name (or the symlink's target)",
    )
}

/// connect() to an address without a name.
pub(super) fn unnamed_address(c: &Ctx) -> Option<Cause> {
    let (a, ev) = addr_evidence(c)?;
    if a.unix_name() != Some(&UnixName::Unnamed) {
        return None;
    }
    cause_fix(
        "The address has no name (addrlen covers only sun_family): there is nothing to connect to.",
        ev,
        Confidence::High,
        ADDRLEN_FIX,
    )
}

/// "uid 65534 (nobody)" or "the process".
fn who(c: &Ctx) -> String {
    c.f.creds
        .as_ref()
        .map(|cr| uid_text(cr.fsuid(), c.f.names.as_ref()))
        .unwrap_or_else(|| "the process".into())
}

/// Which permission bits the kernel used for the process on a file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Owner,
    Group,
    Other,
}

/// The bits for `need` (`x` or `w`) and their mask in the owner class.
fn need_bit(need: Access) -> (char, u32) {
    match need {
        Access::Search => ('x', 0o100),
        Access::Write => ('w', 0o200),
    }
}

/// The denial on the way, and the evidence about it (mode, owner, which bits apply, and
/// why in names: "uid 65534 (nobody) is not in group 33 (www-data)").
fn denial<'a>(c: &'a Ctx) -> Option<(&'a crate::model::facts::Denial, Vec<String>)> {
    let d = c.f.path.as_ref()?.denied.as_ref()?;
    let p = quote_bytes(d.path.as_bytes());
    let mut ev = vec![format!("{p}: {}", c.mode_text(&d.info))];
    if let Some(cr) = &c.f.creds {
        let names = c.f.names.as_ref();
        ev.push(c.creds_text(cr));
        let (user, group) = (
            uid_text(cr.fsuid(), names),
            gid_text(d.info.gid, names).replacen("gid", "group", 1),
        );
        ev.push(match class(c, d) {
            Some(Class::Owner) => format!("{user} owns it: the owner bits apply; no CAP_DAC_OVERRIDE"),
            Some(Class::Group) => {
                format!("{user} is in {group}: the group bits apply; no CAP_DAC_OVERRIDE")
            }
            _ => format!(
                "{user} is neither the owner ({}) nor in {group}: the \"other\" bits apply; no CAP_DAC_OVERRIDE",
                uid_text(d.info.uid, names)
            ),
        });
        if let Some(true) = names.and_then(|n| n.listed_in(cr.fsuid(), d.info.gid))
            && class(c, d) == Some(Class::Other)
        {
            ev.push(format!(
                "/etc/group lists {user} in {group}, but this process does not have that group: it was started before the group was given (start it again, or log in again)"
            ));
        }
    }
    Some((d, ev))
}

/// The class of bits that applied to the process.
fn class(c: &Ctx, d: &crate::model::facts::Denial) -> Option<Class> {
    let cr = c.f.creds.as_ref()?;
    Some(if cr.fsuid() == d.info.uid {
        Class::Owner
    } else if cr.fsgid() == d.info.gid || cr.groups.contains(&d.info.gid) {
        Class::Group
    } else {
        Class::Other
    })
}

/// What would let the process through, concretely: the chmod, the group to join (or
/// the restart that gives it), the user to run as.
fn denial_fix(c: &Ctx, d: &crate::model::facts::Denial) -> String {
    let p = quote_bytes(d.path.as_bytes());
    let (ch, owner_bit) = need_bit(d.need);
    let names = c.f.names.as_ref();
    let name = |b: Option<&crate::model::ByteString>, n: u32| {
        b.map(|b| escape_bytes(b.as_bytes()))
            .unwrap_or_else(|| n.to_string())
    };
    let Some(cr) = &c.f.creds else {
        return format!("give the process {ch} permission on {p}, or run it as a user that has it");
    };
    let mut ways = Vec::new();
    match class(c, d) {
        Some(Class::Owner) => ways.push(format!("chmod u+{ch} {p}")),
        Some(Class::Group) => ways.push(format!(
            "chmod g+{ch} {p} (its group is {})",
            gid_text(d.info.gid, names)
        )),
        _ => {
            if d.info.mode & (owner_bit >> 3) != 0 {
                let (u, g) = (
                    name(names.and_then(|n| n.user(cr.fsuid())), cr.fsuid()),
                    name(names.and_then(|n| n.group(d.info.gid)), d.info.gid),
                );
                if names.and_then(|n| n.listed_in(cr.fsuid(), d.info.gid)) == Some(true) {
                    ways.push(format!(
                        "start the client again so it gets group {g} (/etc/group lists {u} in it already)"
                    ));
                } else {
                    ways.push(format!(
                        "add {u} to group {g} (usermod -aG {g} {u}, then start the client again)"
                    ));
                }
            }
            ways.push(format!(
                "chmod o+{ch} {p} (mode {:04o})",
                d.info.mode | (owner_bit >> 6)
            ));
            if d.info.mode & owner_bit != 0 {
                ways.push(format!("run the client as {}", uid_text(d.info.uid, names)));
            }
        }
    }
    ways.join(", or ")
}

/// EACCES: a directory on the way the tracee may not search.
pub(super) fn search_denied(c: &Ctx) -> Option<Cause> {
    let (d, ev) = denial(c)?;
    if d.need != Access::Search {
        return None;
    }
    let p = quote_bytes(d.path.as_bytes());
    cause_fix(
        format!(
            "{} may not search directory {p}, so nothing below it can be reached.",
            who(c)
        ),
        ev,
        Confidence::High,
        denial_fix(c, d),
    )
}

/// EACCES on bind: no write permission on the directory.
pub(super) fn dir_write_denied(c: &Ctx) -> Option<Cause> {
    let (d, ev) = denial(c)?;
    if d.need != Access::Write {
        return None;
    }
    let p = quote_bytes(d.path.as_bytes());
    cause_fix(
        format!(
            "{} may not create the socket file: no write permission on directory {p}.",
            who(c)
        ),
        ev,
        Confidence::High,
        format!(
            "{}, or bind in a directory it may write (its own directory under /run, or $XDG_RUNTIME_DIR)",
            denial_fix(c, d)
        ),
    )
}

/// EACCES on connect or send: no write permission on the socket file.
pub(super) fn socket_write_denied(c: &Ctx) -> Option<Cause> {
    let (d, ev) = denial(c)?;
    if d.need != Access::Write {
        return None;
    }
    let p = quote_bytes(d.path.as_bytes());
    cause_fix(
        format!(
            "{} may not write to socket file {p}; connecting needs write permission on it.",
            who(c)
        ),
        ev,
        Confidence::High,
        denial_fix(c, d),
    )
}

/// EACCES although the mode bits allow it: an ACL or a security module.
pub(super) fn acl_or_lsm(c: &Ctx) -> Option<Cause> {
    let w = c.f.path.as_ref()?;
    if w.denied.is_some() || !w.perms_checked || !c.errno_is(Errno::EACCES) {
        return None;
    }
    cause_fix(
        "The mode bits along the path allow this process; an ACL or a security module (SELinux, AppArmor, Landlock) is the likely refuser.",
        c.f.creds
            .as_ref()
            .map(|cr| c.creds_text(cr))
            .into_iter()
            .collect(),
        Confidence::Low,
        format!(
            "look at the ACLs (getfacl {}) and the security module's log (dmesg, the audit log)",
            quote_bytes(w.given.as_bytes())
        ),
    )
}

/// EPERM on a datagram send to an address: the receiver is connected to someone else.
pub(super) fn receiver_connected(c: &Ctx) -> Option<Cause> {
    let bound = c.f.bound.as_deref()?;
    let me = c.f.own.as_ref().map(|o| o.inode);
    let r = bound.iter().find(|b| {
        b.sock.kind == SockKind::Dgram && b.sock.peer.is_some_and(|p| p != 0 && Some(p) != me)
    })?;
    let peer = r.sock.peer.unwrap_or_default();
    let mut ev = holders(bound);
    ev.push(format!("the receiving socket is connected to inode {peer}"));
    cause_fix(
        format!(
            "The receiving datagram socket (held by {}) is connected to another socket (inode {peer}), so it takes datagrams only from that one.",
            owners_text(&r.owners)
        ),
        ev,
        Confidence::High,
        "send to a receiver that is not connect()ed to a peer, or have the receiver stay unconnected",
    )
}

/// EROFS on bind.
pub(super) fn read_only(c: &Ctx) -> Option<Cause> {
    let w = c.f.path.as_ref()?;
    if w.parent_readonly != Some(true) {
        return None;
    }
    cause_fix(
        "The directory is on a read-only mount, so bind() cannot create the socket file there.",
        vec![format!(
            "the parent of {} is mounted read-only",
            quote_bytes(w.given.as_bytes())
        )],
        Confidence::High,
        "bind under a writable directory (/run, /tmp, $XDG_RUNTIME_DIR), or make that mount writable",
    )
}

pub(super) fn holders(bound: &[BoundSocket]) -> Vec<String> {
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

/// The name the call passed, when it has one.
fn named<'a>(c: &'a Ctx) -> Option<&'a UnixName> {
    c.addr()?.unix_name().filter(|n| !n.is_unnamed())
}

/// EADDRINUSE on bind: a live socket holds the name.
pub(super) fn in_use_live(c: &Ctx) -> Option<Cause> {
    let shown = quote_unix_name(named(c)?);
    let bound = c.f.bound.as_deref().filter(|b| !b.is_empty())?;
    let who = owners_text(&bound[0].owners);
    let fix = match bound[0].owners.first() {
        Some(o) => format!(
            "pid {} ({}) serves this name: if it is an old instance of this server, stop \
             it first; otherwise give this server another name",
            o.pid,
            crate::render::escape::escape_bytes(o.comm.as_bytes())
        ),
        None => "another socket holds the name: stop its server, or bind another name".into(),
    };
    cause_fix(
        format!("{shown} is already bound by {who}."),
        holders(bound),
        Confidence::High,
        fix,
    )
}

/// The path's target when the name is a path and the walk reached it, and nobody is
/// bound there.
fn unbound_target(c: &Ctx) -> Option<(String, crate::model::facts::FileInfo)> {
    let name = named(c)?;
    if !matches!(name, UnixName::Path(_)) || c.f.bound.as_deref().is_some_and(|b| !b.is_empty()) {
        return None;
    }
    let t = c.f.path.as_ref()?.target()?;
    Some((quote_unix_name(name), t.info))
}

/// EADDRINUSE on bind: something other than a socket sits at the path.
pub(super) fn in_use_not_socket(c: &Ctx) -> Option<Cause> {
    let (shown, t) = unbound_target(c)?;
    if t.kind == FileKind::Socket {
        return None;
    }
    cause_fix(
        format!(
            "{shown} already exists as {}; bind() creates the file itself, so any existing name fails.",
            t.kind.phrase()
        ),
        vec![format!("{shown}: {}", c.mode_text(&t))],
        Confidence::High,
        format!("move {shown} away, or bind another path"),
    )
}

/// EADDRINUSE on bind: a socket file nobody holds.
pub(super) fn in_use_stale(c: &Ctx) -> Option<Cause> {
    let (shown, t) = unbound_target(c)?;
    if t.kind != FileKind::Socket || c.f.bound.is_none() {
        return None;
    }
    let mut ev = vec![format!("{shown}: {}", c.mode_text(&t))];
    ev.push("no socket in the system is bound to this file".into());
    ev.extend(replaced(&c.f.bound_elsewhere));
    cause_fix(
        format!(
            "{shown} is a stale socket file nobody holds (left by a process that exited); remove it (unlink) before bind()."
        ),
        ev,
        exactness(c.f),
        format!(
            "unlink {shown} before bind() (servers do this after checking that nobody listens, as sockwhy did)"
        ),
    )
}

/// High when the socket table said which socket holds which file, else Medium.
pub(super) fn exactness(f: &Facts) -> Confidence {
    if f.bound_exact {
        Confidence::High
    } else {
        Confidence::Medium
    }
}

/// EPROTOTYPE: the bound socket's type is not the caller's.
pub(super) fn wrong_type(c: &Ctx) -> Option<Cause> {
    let bound = c.f.bound.as_deref()?;
    let mine = c.own_kind()?;
    let other = bound.iter().find(|b| b.sock.kind != mine)?;
    let mut ev = holders(bound);
    ev.extend(c.f.near.iter().map(super::near::near_text));
    let instead = match c.f.near.first() {
        Some(n) => format!(
            ", or connect to {}, a live {} socket with a similar name",
            quote_unix_name(&n.bound.sock.name),
            mine.name()
        ),
        None => String::new(),
    };
    cause_fix(
        format!(
            "The address is bound by a {} socket, but {} is {}: both ends must have the same type.",
            other.sock.kind.name(),
            c.fd_text(),
            mine.name()
        ),
        ev,
        Confidence::High,
        format!(
            "create the client's socket as {}{instead}",
            other.sock.kind.name()
        ),
    )
}

/// The listener of a connect that got EAGAIN, with its queue and the evidence.
fn backlog(c: &Ctx) -> Option<(u32, u32, Vec<String>)> {
    let bound = c.f.bound.as_deref()?;
    let l = bound
        .iter()
        .find(|b| b.sock.state == SockState::Listening)?;
    let (q, max) = (l.sock.rqueue?, l.sock.wqueue?);
    let mut ev = holders(bound);
    ev.push(format!(
        "accept queue: {q} connection(s) waiting, listen() backlog {max} (the kernel lets backlog+1 wait)"
    ));
    if let Some(nb) = c.f.fd.as_ref().and_then(|f| f.nonblocking()) {
        ev.push(format!(
            "{} is {}",
            c.fd_text(),
            if nb {
                "non-blocking (O_NONBLOCK)"
            } else {
                "blocking: its send timeout (SO_SNDTIMEO) ran out"
            }
        ));
    }
    Some((q, max, ev))
}

/// What to do about a full backlog (AF_UNIX refuses, unlike TCP's EINPROGRESS).
const BACKLOG_FIX: &str = "the server must accept() faster or listen() with a larger backlog (capped by net.core.somaxconn); the client should retry connect() later: on AF_UNIX EAGAIN is a refusal, not a connect in progress (waiting for the socket to become writable, as for TCP, leaves a socket that is not connected)";

/// EAGAIN on a non-blocking connect: the listener's accept queue is full.
pub(super) fn backlog_full(c: &Ctx) -> Option<Cause> {
    let (q, max, ev) = backlog(c)?;
    if q <= max {
        return None;
    }
    cause_fix(
        format!(
            "The listener's accept queue is full ({q} waiting, backlog {max}): the server is not calling accept() fast enough, and this connect does not wait (non-blocking, or its send timeout ran out). Unlike TCP this is not a connect in progress: the connection was refused."
        ),
        ev,
        Confidence::High,
        BACKLOG_FIX,
    )
}

/// EAGAIN on connect, but the queue has room now.
pub(super) fn backlog_was_full(c: &Ctx) -> Option<Cause> {
    let (q, max, ev) = backlog(c)?;
    if q > max {
        return None;
    }
    cause_fix(
        "The listener's accept queue was full at the moment of the call; it has room now (the server accepted since).",
        ev,
        Confidence::Medium,
        BACKLOG_FIX,
    )
}

/// The walk of a bind's path, and the path as given.
fn bind_walk<'a>(c: &'a Ctx) -> Option<(&'a PathWalk, String)> {
    let w = c.f.path.as_ref()?;
    Some((w, quote_bytes(w.given.as_bytes())))
}

/// ENOENT on bind: a directory of the path does not exist.
pub(super) fn bind_missing_dir(c: &Ctx) -> Option<Cause> {
    let (w, given) = bind_walk(c)?;
    let WalkEnd::Missing { at, last: false } = &w.end else {
        return None;
    };
    let at = quote_bytes(at.as_bytes());
    cause_fix(
        format!(
            "Directory {at} does not exist: bind() creates only the socket file {given}, never the directories above it."
        ),
        vec![format!("{at} does not exist")],
        Confidence::High,
        format!("create {at} before bind() (mkdir -p; for a service, systemd's RuntimeDirectory=)"),
    )
}

/// The kind of file at `at` on the walk, as a phrase.
fn kind_at(w: &PathWalk, at: &crate::model::ByteString) -> &'static str {
    w.steps
        .iter()
        .find(|s| &s.path == at)
        .map(|s| s.info.kind.phrase())
        .unwrap_or("not a directory")
}

/// ENOTDIR on bind or connect: a component used as a directory is something else.
pub(super) fn not_a_directory(c: &Ctx) -> Option<Cause> {
    let w = c.f.path.as_ref()?;
    let WalkEnd::NotDir { at } = &w.end else {
        return None;
    };
    let given = quote_bytes(w.given.as_bytes());
    let kind = kind_at(w, at);
    let at = quote_bytes(at.as_bytes());
    let mut ev = walk_evidence(w);
    ev.push(format!("{at} is {kind}"));
    cause_fix(
        format!("{at} is used as a directory in {given}, but it is {kind}."),
        ev,
        Confidence::High,
        format!("fix the path: {at} is not a directory (a file where a directory was expected)"),
    )
}

/// ELOOP: too many symlinks.
pub(super) fn symlink_loop(c: &Ctx) -> Option<Cause> {
    let w = c.f.path.as_ref()?;
    if w.end != WalkEnd::Loop {
        return None;
    }
    cause_fix(
        format!(
            "Resolving {} follows more than 40 symbolic links (a loop).",
            quote_bytes(w.given.as_bytes())
        ),
        walk_evidence(w),
        Confidence::High,
        "fix the symbolic links along the path (one points back at itself)",
    )
}

/// The name of a connect or send, as shown, when it is abstract.
fn abstract_name(c: &Ctx) -> Option<String> {
    match c.addr()?.unix_name()? {
        n @ UnixName::Abstract(_) => Some(quote_unix_name(n)),
        _ => None,
    }
}

/// ECONNREFUSED: nobody has bound an abstract name.
pub(super) fn abstract_unbound(c: &Ctx) -> Option<Cause> {
    let shown = abstract_name(c)?;
    if !c.f.bound.as_deref()?.is_empty() {
        return None;
    }
    super::near::with_hint(
        c,
        cause_fix(
            format!(
                "Nobody has bound the abstract name {shown} (in this network namespace): the server is not running, or uses another name."
            ),
            vec!["no AF_UNIX socket has that abstract name".into()],
            Confidence::High,
            "start the server, or check the name the client uses (ss -xlp lists the abstract names servers listen on)",
        ),
    )
}

/// The name (abstract, or a path that resolves to a socket file), as shown, and the
/// sockets bound to it, when some are.
fn bound_name<'a>(c: &'a Ctx) -> Option<(String, &'a [BoundSocket])> {
    let bound = c.f.bound.as_deref().filter(|b| !b.is_empty())?;
    if let Some(shown) = abstract_name(c) {
        return Some((shown, bound));
    }
    let w = c.f.path.as_ref()?;
    let t = w.target()?;
    (t.info.kind == FileKind::Socket && !c.errno_is(Errno::ENOENT))
        .then(|| (quote_bytes(w.given.as_bytes()), bound))
}

/// ECONNREFUSED, but there is a listener now: it was not listening yet.
pub(super) fn listening_now(c: &Ctx) -> Option<Cause> {
    let (shown, bound) = bound_name(c)?;
    if matches!(c.own_kind(), Some(SockKind::Dgram))
        || !bound.iter().any(|b| b.sock.state == SockState::Listening)
    {
        return None;
    }
    cause_fix(
        format!(
            "{shown} has a listener now; it was probably not listening yet (or was restarting) when this call ran."
        ),
        holders(bound),
        Confidence::Low,
        "retry the connect (clients that start with their server should retry for a while)",
    )
}

/// ECONNREFUSED: bound, but nobody called listen().
pub(super) fn not_listening(c: &Ctx) -> Option<Cause> {
    let (shown, bound) = bound_name(c)?;
    if matches!(c.own_kind(), Some(SockKind::Dgram))
        || bound.iter().any(|b| b.sock.state == SockState::Listening)
    {
        return None;
    }
    cause_fix(
        format!(
            "{shown} is bound by {}, but that socket is not listening: the server has not called listen() (yet).",
            owners_text(&bound[0].owners)
        ),
        holders(bound),
        Confidence::High,
        "the server must call listen() after bind(); if it is starting up, retry later",
    )
}

/// What the walk saw on the way: the cwd of a relative path, symlinks followed.
fn walk_evidence(w: &PathWalk) -> Vec<String> {
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
    ev
}

/// The walk of a connect's path name (not an abstract one).
fn connect_walk<'a>(c: &'a Ctx) -> Option<&'a PathWalk> {
    match c.addr()?.unix_name()? {
        UnixName::Path(_) => c.f.path.as_ref(),
        _ => None,
    }
}

/// ENOENT: a directory of the path does not exist.
pub(super) fn missing_directory(c: &Ctx) -> Option<Cause> {
    let w = connect_walk(c)?;
    let WalkEnd::Missing { at, last: false } = &w.end else {
        return None;
    };
    let at = quote_bytes(at.as_bytes());
    let mut ev = walk_evidence(w);
    ev.push(format!("{at} does not exist"));
    super::near::with_hint(
        c,
        cause_fix(
            format!(
                "Directory {at} does not exist, so {} cannot either.",
                quote_bytes(w.given.as_bytes())
            ),
            ev,
            Confidence::High,
            "start the service that creates it, or point the client at the path the server uses",
        ),
    )
}

/// The missing socket file of a connect, as shown, with the evidence so far.
fn missing_file(c: &Ctx) -> Option<(String, Vec<String>)> {
    let w = connect_walk(c)?;
    let WalkEnd::Missing { at, last: true } = &w.end else {
        return None;
    };
    let at = quote_bytes(at.as_bytes());
    let mut ev = walk_evidence(w);
    ev.push(format!("{at} does not exist; its directory does"));
    Some((at, ev))
}

/// ENOENT: the socket file was deleted, its server still holds the socket.
pub(super) fn deleted_while_held(c: &Ctx) -> Option<Cause> {
    let (at, mut ev) = missing_file(c)?;
    let b = c.f.bound_elsewhere.first()?;
    ev.push(format!(
        "a socket is still bound to that name: {} held by {}",
        sock_text(&b.sock),
        owners_text(&b.owners)
    ));
    cause_fix(
        format!(
            "The socket file {at} was deleted while {} still has the socket: restart the server (or have it recreate the file).",
            owners_text(&b.owners)
        ),
        ev_gone_for_holder(b, ev),
        gone_for_holder(b),
        "restart that server so it binds the path again (something removed its file: a cleanup job, a second instance, a package script)",
    )
}

/// Sure that a file is gone only when its holder does not see it either: a holder in
/// another mount namespace (or under another root) may see a file the tracee does not.
fn gone_for_holder(b: &BoundSocket) -> Confidence {
    match b.holder.as_ref().map(|h| h.there) {
        Some(NameThere::Missing) => Confidence::High,
        _ => Confidence::Medium,
    }
}

/// The evidence, with what the holder's view says about the file.
fn ev_gone_for_holder(b: &BoundSocket, mut ev: Vec<String>) -> Vec<String> {
    match &b.holder {
        Some(h) if h.there == NameThere::Missing => ev.push(format!(
            "pid {} does not see the file either (through its own root)",
            h.pid
        )),
        Some(h) => ev.push(format!(
            "not checked: whether the name reaches the socket's file as pid {} sees it",
            h.pid
        )),
        None => ev.push("not checked: how the holder sees the name (no holder found)".into()),
    }
    ev
}

/// ENOENT: no socket file, nobody bound by that name.
pub(super) fn no_socket_file(c: &Ctx) -> Option<Cause> {
    let (at, mut ev) = missing_file(c)?;
    if !c.f.bound_elsewhere.is_empty() {
        return None;
    }
    if c.f.bound.is_some() {
        ev.push("no socket is bound to that name either".into());
    }
    super::near::with_hint(
        c,
        cause_fix(
            format!(
                "No socket file at {at}: the server is not running, has not created it yet, or uses another path."
            ),
            ev,
            Confidence::High,
            "start the server, or point the client at the path the server uses",
        ),
    )
}

/// The path cannot be resolved for another reason.
pub(super) fn unresolvable(c: &Ctx) -> Option<Cause> {
    let w = connect_walk(c)?;
    let WalkEnd::Error { at, errno } = &w.end else {
        return None;
    };
    let why = errno.map_or("the process's root or cwd cannot be read", |e| {
        e.name().unwrap_or("an unnamed errno")
    });
    let mut ev = walk_evidence(w);
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

/// The file a connect's path reached, as shown, with the evidence so far.
fn found_file(c: &Ctx) -> Option<(String, crate::model::facts::FileInfo, Vec<String>)> {
    let w = connect_walk(c)?;
    let t = w.target()?;
    let given = quote_bytes(w.given.as_bytes());
    let mut ev = walk_evidence(w);
    ev.push(format!("{given}: {}", c.mode_text(&t.info)));
    Some((given, t.info, ev))
}

/// ECONNREFUSED: the path is a regular file, a directory, ...
pub(super) fn not_a_socket_file(c: &Ctx) -> Option<Cause> {
    let (given, t, ev) = found_file(c)?;
    if t.kind == FileKind::Socket {
        return None;
    }
    super::near::with_hint(
        c,
        cause_fix(
            format!(
                "{given} is {}, not a socket: connecting to a non-socket file is refused.",
                t.kind.phrase()
            ),
            ev,
            Confidence::High,
            "point the client at the server's socket; this path names something else",
        ),
    )
}

/// A socket file nobody holds, with the evidence.
fn unheld_socket_file(c: &Ctx) -> Option<(String, Vec<String>)> {
    let (given, t, mut ev) = found_file(c)?;
    if t.kind != FileKind::Socket || !c.f.bound.as_deref()?.is_empty() {
        return None;
    }
    ev.push("no socket in the system is bound to this file".into());
    Some((given, ev))
}

/// ECONNREFUSED: a stale socket file whose server runs on, bound to an earlier file.
pub(super) fn stale_replaced(c: &Ctx) -> Option<Cause> {
    let (given, mut ev) = unheld_socket_file(c)?;
    let b = c.f.bound_elsewhere.first()?;
    ev.extend(replaced(&c.f.bound_elsewhere));
    cause_fix(
        format!(
            "{given} is a stale socket file: {} still has a socket bound by this name, but to an earlier file that was deleted and replaced; restart that server.",
            owners_text(&b.owners)
        ),
        ev,
        exactness(c.f),
        "restart that server so it binds the current file (and find what replaced its file)",
    )
}

/// ECONNREFUSED: a socket file nobody holds.
pub(super) fn stale_socket(c: &Ctx) -> Option<Cause> {
    let (given, ev) = unheld_socket_file(c)?;
    if !c.f.bound_elsewhere.is_empty() {
        return None;
    }
    super::near::with_hint(
        c,
        cause_fix(
            format!(
                "{given} is a stale socket file: nobody holds a socket on it, so the server that created it has exited{}.",
                if c.f.bound_exact {
                    ""
                } else {
                    " (or holds it in a network namespace whose sockets sockwhy could not match to files)"
                }
            ),
            ev,
            exactness(c.f),
            "start the server (a careful server removes the stale file before bind())",
        ),
    )
}

/// ENOENT, yet the socket file exists now.
pub(super) fn created_after(c: &Ctx) -> Option<Cause> {
    let (given, t, ev) = found_file(c)?;
    if t.kind != FileKind::Socket || !c.errno_is(Errno::ENOENT) || c.f.bound.as_deref()?.is_empty()
    {
        return None;
    }
    cause_fix(
        format!("{given} exists now; it was probably created after this call."),
        ev,
        Confidence::Low,
        "retry the connect (clients that start with their server should retry for a while)",
    )
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
        assert_eq!(c.rule, "connect.missing-directory");
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
        assert_eq!(c.rule, "connect.no-socket-file");
        let mut s = sock(7, SockKind::Stream, SockState::Listening);
        s.name = UnixName::Path("/run/x.sock".into());
        f.bound_elsewhere = vec![BoundSocket {
            sock: s,
            owners: vec![owner(42, "srv", 3)],
            by_file: false,
            holder: None,
        }];
        let c = run(&e, &f);
        assert!(
            c.summary.contains("was deleted while pid 42 (srv) fd 3"),
            "{c:?}"
        );
        assert_eq!(c.rule, "connect.deleted-while-held");
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
        assert_eq!(c.rule, "connect.not-a-socket-file");

        f.path.as_mut().unwrap().steps[2].info.kind = FileKind::Socket;
        let c = run(&e, &f);
        assert!(c.summary.contains("stale socket file"), "{c:?}");
        assert_eq!(c.rule, "connect.stale-socket");
        assert_eq!(c.confidence, Confidence::High);
        f.bound_exact = false;
        assert_eq!(run(&e, &f).confidence, Confidence::Medium);

        f.bound = Some(vec![BoundSocket {
            sock: sock(8, SockKind::Stream, SockState::Unconnected),
            owners: vec![owner(43, "late\x1b[2J", 4)],
            by_file: true,
            holder: None,
        }]);
        let c = run(&e, &f);
        assert!(c.summary.contains("not listening"), "{c:?}");
        assert_eq!(c.rule, "connect.not-listening");
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
        assert_eq!(c.rule, "connect.abstract-unbound");
        assert_eq!(c.confidence, Confidence::High);
    }

    #[test]
    fn rules_nscd_is_noise() {
        let mut e = ev("connect", "ENOENT");
        e.addr = Some(path("/var/run/nscd/socket"));
        let c = run(&e, &Facts::default());
        assert!(c.summary.starts_with("Harmless"), "{c:?}");
        assert_eq!(c.rule, "connect.optional-service-absent");
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
        // With the names of the tracee's /etc/passwd and /etc/group.
        let mut named = f.clone();
        if let Some(d) = named.path.as_mut().and_then(|w| w.denied.as_mut()) {
            d.info.gid = 33;
            d.info.mode = 0o750;
        }
        named.names = Some(IdNames {
            users: vec![(65534, "nobody".into(), 65534), (0, "root".into(), 0)],
            groups: vec![
                (33, "www-data".into(), vec![]),
                (65534, "nogroup".into(), vec![]),
            ],
        });
        let n = run(&e, &named);
        assert_eq!(
            n.summary,
            "uid 65534 (nobody) may not search directory \"/srv/locked\", so nothing below it can be reached."
        );
        assert!(
            n.evidence.contains(&"uid 65534 (nobody) is neither the owner (uid 0 (root)) nor in group 33 (www-data): the \"other\" bits apply; no CAP_DAC_OVERRIDE".to_owned()),
            "{n:?}"
        );
        assert_eq!(
            n.fix.as_deref(),
            Some(
                "add nobody to group www-data (usermod -aG www-data nobody, then start the client again), or chmod o+x \"/srv/locked\" (mode 0751), or run the client as uid 0 (root)"
            )
        );
        // Listed in the group already, but the process does not have it.
        named.names.as_mut().unwrap().groups[0].2 = vec!["nobody".into()];
        let n = run(&e, &named);
        assert!(
            n.evidence.iter().any(|e| e.contains("/etc/group lists uid 65534 (nobody) in group 33 (www-data), but this process does not have that group")),
            "{n:?}"
        );
        assert!(
            n.fix
                .as_deref()
                .unwrap()
                .starts_with("start the client again so it gets group www-data"),
            "{n:?}"
        );
        assert_eq!(c.rule, "path.search-denied");
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
        let c = run(&e, &f);
        assert!(
            c.summary
                .contains("no write permission on directory \"/srv\"")
        );
        assert_eq!(c.rule, "bind.dir-write-denied");
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
                holder: None,
            }]),
            bound_exact: true,
            ..Default::default()
        };
        let c = run(&e, &f);
        assert_eq!(
            c.summary,
            "\"/run/x.sock\" is already bound by pid 77 (nginx) fd 6."
        );
        assert_eq!(c.rule, "bind.in-use-live-server");
        let fix = c.fix.as_deref().unwrap();
        assert!(
            fix.starts_with("pid 77 (nginx) serves this name") && fix.contains("stop it first"),
            "{c:?}"
        );
        f.bound = Some(vec![]);
        let c = run(&e, &f);
        assert!(
            c.summary.contains("stale socket file nobody holds"),
            "{c:?}"
        );
        assert!(c.summary.contains("unlink"));
        assert_eq!(c.rule, "bind.in-use-stale-file");
        f.path.as_mut().unwrap().steps[0].info.kind = FileKind::Dir;
        let c = run(&e, &f);
        assert!(c.summary.contains("already exists as a directory"));
        assert_eq!(c.rule, "bind.in-use-not-socket");
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
                holder: None,
            }]),
            ..Default::default()
        };
        let c = run(&e, &f);
        assert!(
            c.summary
                .contains("bound by a SOCK_DGRAM socket, but fd 3 is SOCK_STREAM"),
            "{c:?}"
        );
        assert_eq!(c.rule, "connect.wrong-type");

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
        assert_eq!(c.rule, "connect.backlog-full");
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
        assert_eq!(c.rule, "bind.missing-directory");
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
                holder: None,
            }]),
            ..Default::default()
        };
        let c = run(&e, &f);
        assert!(
            c.summary
                .contains("is connected to another socket (inode 44)"),
            "{c:?}"
        );
        assert_eq!(c.rule, "sendto.receiver-connected");
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
            holder: None,
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
        assert_eq!(c.rule, "address.path-too-long");
        a.problems = vec!["addrlen 200 exceeds sizeof(struct sockaddr_un) 110".into()];
        e.addr = Some(a.clone());
        let c = run(&e, &Facts::default());
        assert!(c.summary.contains("addrlen 200"));
        assert_eq!(c.rule, "address.malformed");
        let mut o = path("x");
        o.name = crate::model::AddrName::Other;
        o.family = "AF_INET".into();
        e.addr = Some(o);
        let c = run(&e, &Facts::default());
        assert!(c.summary.contains("sun_family is AF_INET"));
        assert_eq!(c.rule, "address.wrong-family");
        let _ = ByteString::default();
    }
}
