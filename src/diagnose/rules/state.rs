//! Rules about the state of the call's own socket and its peer. One function per cause;
//! `table.rs` says when each is asked and gives it its id.

use super::{Ctx, cause, cause_fix, history_text, owners_text, sock_text};
pub(super) use super::{RECVS, SENDS};
use crate::model::facts::{FileKind, O_PATH, SockState, UnixSocket};
use crate::model::{Cause, Confidence, Errno, Fd, SockKind, UnixName};
use crate::render::escape::{escape_bytes, escape_str, quote_unix_name};
use syscalls::Sysno;

fn own_evidence(c: &Ctx) -> Vec<String> {
    let mut ev = Vec::new();
    if let Some(o) = &c.f.own {
        let name = match &o.name {
            UnixName::Unnamed => ", not bound".into(),
            n => format!(", bound to {}", quote_unix_name(n)),
        };
        ev.push(format!("{} is {}{name}", c.fd_text(), sock_text(o)));
    }
    if let Some(h) = c.ev.fd.and_then(|fd| history_text(c, fd)) {
        ev.push(h);
    }
    ev
}

/// EISCONN: the fd, the confidence, and the evidence (state now, the earlier connect).
fn connected(c: &Ctx) -> Option<(Fd, Confidence, Vec<String>)> {
    let fd = c.ev.fd?;
    let earlier = c.h.last_ok(c.ev.pid, fd, Sysno::connect);
    let connected = c.f.own.as_ref().map(|o| o.state == SockState::Connected);
    let conf = match (connected, earlier) {
        (Some(true), _) => Confidence::High,
        (None, Some(_)) => Confidence::Medium,
        _ => return None,
    };
    let mut ev = own_evidence(c);
    if let Some(e) = earlier {
        ev.push(format!(
            "connect() on fd {fd} already succeeded at #{}",
            e.seq
        ));
    }
    Some((fd, conf, ev))
}

/// EISCONN on connect.
pub(super) fn already_connected(c: &Ctx) -> Option<Cause> {
    let (fd, conf, ev) = connected(c)?;
    cause_fix(
        format!("fd {fd} is already connected; a socket connects once."),
        ev,
        conf,
        "to connect again, close the socket and create a new one",
    )
}

/// EISCONN on a send with an address.
pub(super) fn connected_stream(c: &Ctx) -> Option<Cause> {
    let (fd, conf, ev) = connected(c)?;
    cause_fix(
        format!(
            "fd {fd} is a connected stream socket: send without an address (send/write), or use a datagram socket for sendto()."
        ),
        ev,
        conf,
        "pass no address (send(), write()) on a connected socket",
    )
}

/// EPIPE after the program's own shutdown(SHUT_WR).
pub(super) fn own_shutdown(c: &Ctx) -> Option<Cause> {
    let fd = c.ev.fd?;
    let s = c.h.last_ok(c.ev.pid, fd, Sysno::shutdown)?;
    let mut ev = peer_evidence(c);
    ev.push(format!("shutdown() on fd {fd} at #{}", s.seq));
    cause_fix(
        format!(
            "The program itself shut fd {fd} down (shutdown at #{}); writing after SHUT_WR/SHUT_RDWR fails.",
            s.seq
        ),
        ev,
        Confidence::Medium,
        "do not write after shutting the socket down for writing",
    )
}

/// The call's own state and whether the kernel shut it down both ways.
fn peer_evidence(c: &Ctx) -> Vec<String> {
    let mut ev = own_evidence(c);
    if let Some(o) = &c.f.own
        && o.shutdown == Some(3)
    {
        ev.push(format!(
            "the kernel has shut {} down in both directions",
            c.fd_text()
        ));
    }
    ev
}

/// EPIPE, and the peer still exists: it shut its side down for reading.
pub(super) fn peer_shut_read(c: &Ctx) -> Option<Cause> {
    let p = c.f.peer.as_ref()?;
    if p.exists != Some(true) || p.owners.is_empty() {
        return None;
    }
    let mut ev = peer_evidence(c);
    ev.push(format!(
        "peer inode {} is still held by {}",
        p.known.unwrap_or_default(),
        owners_text(&p.owners)
    ));
    cause(
        format!(
            "The peer still exists but shut its side down for reading (shutdown SHUT_RD/SHUT_RDWR by {}).",
            owners_text(&p.owners)
        ),
        ev,
        Confidence::Medium,
    )
}

/// The peer is gone: who closed it (from the history), as " (pid 5 closed fd 7 at #3)",
/// and the evidence. None when nothing shows the peer gone.
fn peer_gone(c: &Ctx) -> Option<(String, Vec<String>)> {
    let mut ev = peer_evidence(c);
    let peer = c.f.peer.as_ref();
    // A datagram send without an address is refused only when the connected peer is
    // dead; the kernel has already disconnected the socket by the exit stop.
    let dgram_dropped = c.errno_is(Errno::ECONNREFUSED)
        && c.f.own.as_ref().is_some_and(|o| {
            o.kind == SockKind::Dgram && o.state == SockState::Unconnected && o.peer.is_none()
        });
    if dgram_dropped {
        ev.push(format!(
            "{} is unconnected at the exit stop: the kernel dropped the dead peer",
            c.fd_text()
        ));
    }
    let gone = peer.and_then(|p| p.exists) == Some(false)
        || c.f.own.as_ref().is_some_and(|o| o.peer == Some(0))
        || dgram_dropped;
    if !gone {
        return None;
    }
    let mut by = String::new();
    let own_inode = c.f.own.as_ref().map(|o| o.inode).or_else(|| {
        let fd = c.ev.fd?;
        c.ev.fds.iter().find(|s| s.fd == fd).map(|s| s.inode)
    });
    let known = peer
        .and_then(|p| p.known)
        .or_else(|| own_inode.and_then(|i| c.h.peer_of(i)));
    if let Some(k) = known {
        ev.push(format!("the peer socket, inode {k}, no longer exists"));
        if let Some(cl) = c.h.closed(k) {
            let what = match (cl.fd, cl.seq) {
                (Some(fd), Some(seq)) => format!("pid {} closed fd {fd} at #{seq}", cl.pid),
                _ => format!("pid {} held it and exited", cl.pid),
            };
            by = format!(" ({what}");
            ev.push(format!("last close seen in the trace: {what}"));
            if let Some((code, sig)) = c.h.exited(cl.pid) {
                let how = match (code, sig) {
                    (_, Some(s)) => format!("killed by {}", escape_str(s)),
                    (Some(code), None) => format!("exit code {code}"),
                    (None, None) => "exited".into(),
                };
                if cl.seq.is_some() {
                    by.push_str(&format!("; pid {} has since exited, {how}", cl.pid));
                } else {
                    by.push_str(&format!(", {how}"));
                }
                ev.push(format!("pid {} has exited ({how})", cl.pid));
            }
        }
    }
    if !by.is_empty() {
        by.push(')');
    }
    Some((by, ev))
}

/// EPIPE: the peer closed.
pub(super) fn peer_closed(c: &Ctx) -> Option<Cause> {
    let (by, ev) = peer_gone(c)?;
    cause_fix(
        format!(
            "The peer closed its end of the connection{by}; writes can never succeed now (and raise SIGPIPE without MSG_NOSIGNAL)."
        ),
        ev,
        Confidence::High,
        "reconnect; and send with MSG_NOSIGNAL (or ignore SIGPIPE) so a closed peer is an error, not a killed process",
    )
}

/// ECONNRESET: the peer closed with data unread.
pub(super) fn peer_reset(c: &Ctx) -> Option<Cause> {
    let (by, ev) = peer_gone(c)?;
    cause_fix(
        format!("The peer closed the connection{by} while data sent to it was still unread."),
        ev,
        Confidence::High,
        "the peer exited or closed without reading all it was sent: find why it stopped (its exit, a timeout), then reconnect",
    )
}

/// ECONNREFUSED on a connected datagram socket: its peer is gone.
pub(super) fn dgram_peer_closed(c: &Ctx) -> Option<Cause> {
    if c.addr().is_some() {
        return None;
    }
    let (by, ev) = peer_gone(c)?;
    cause_fix(
        format!(
            "The datagram peer this socket is connected to was closed{by}; the kernel refuses the send and disconnects the socket."
        ),
        ev,
        Confidence::High,
        "connect() again to the receiver's address once it is back",
    )
}

/// The call's fd and its own socket.
fn own<'a>(c: &'a Ctx) -> Option<(Fd, &'a UnixSocket)> {
    Some((c.ev.fd?, c.f.own.as_ref()?))
}

/// ENOTCONN on a datagram socket whose connected peer closed.
pub(super) fn dgram_peer_gone(c: &Ctx) -> Option<Cause> {
    let (fd, o) = own(c)?;
    if o.kind != SockKind::Dgram {
        return None;
    }
    let mut ev = own_evidence(c);
    let refused = c.h.calls(c.ev.pid, fd).into_iter().rev().find(|p| {
        p.syscall.is_any(SENDS) && p.errno.as_ref().is_some_and(|e| e.is(Errno::ECONNREFUSED))
    });
    let when = match refused {
        Some(r) => format!(
            "when {} #{} was refused",
            escape_str(&r.syscall.name()),
            r.seq
        ),
        None => {
            let p = c.f.peer.as_ref().filter(|p| p.exists == Some(false))?;
            ev.push(format!(
                "the former peer, inode {}, no longer exists",
                p.known?
            ));
            "at the first failed send".into()
        }
    };
    cause_fix(
        format!(
            "fd {fd} was connected to a datagram socket that has closed; the kernel disconnected fd {fd} {when}."
        ),
        ev,
        Confidence::High,
        "connect() again to the receiver's address once it is back",
    )
}

/// ENOTCONN on a listening socket.
pub(super) fn listening_no_data(c: &Ctx) -> Option<Cause> {
    let (fd, o) = own(c)?;
    if o.state != SockState::Listening {
        return None;
    }
    cause_fix(
        format!(
            "fd {fd} is a listening socket; it carries no data. Use the fd that accept() returns."
        ),
        own_evidence(c),
        Confidence::High,
        "read and write on the fd accept() returns, not on the listening one",
    )
}

/// ENOTCONN on a socket that was never (or is no longer) connected.
pub(super) fn not_connected(c: &Ctx) -> Option<Cause> {
    let (fd, o) = own(c)?;
    if matches!(o.state, SockState::Listening | SockState::Connected) {
        return None;
    }
    let failed_connect =
        c.h.calls(c.ev.pid, fd)
            .into_iter()
            .rev()
            .find(|p| p.syscall == Sysno::connect && p.errno.is_some())
            .map(|p| {
                format!(
                    " (its connect() at #{} failed with {})",
                    p.seq,
                    escape_str(&p.errno.as_ref().map(|e| e.name()).unwrap_or_default())
                )
            })
            .unwrap_or_default();
    let fix = if failed_connect.is_empty() {
        "connect() before sending (or, on a datagram socket, give the address with sendto())"
    } else {
        "check connect()'s result before using the socket: it failed, so the socket never connected"
    };
    cause_fix(
        format!(
            "fd {fd} is not connected{failed_connect}: connect() it first, or give an address (datagram)."
        ),
        own_evidence(c),
        Confidence::High,
        fix,
    )
}

/// EINVAL from the state machine: the fd, its socket, whether it is bound.
fn state<'a>(c: &'a Ctx) -> Option<(Fd, &'a UnixSocket, bool)> {
    let (fd, o) = own(c)?;
    Some((fd, o, !o.name.is_unnamed()))
}

/// EINVAL on bind: bound already.
pub(super) fn already_bound(c: &Ctx) -> Option<Cause> {
    let (fd, o, bound) = state(c)?;
    if !bound {
        return None;
    }
    cause_fix(
        format!(
            "fd {fd} is already bound to {}; a socket can be bound only once.",
            quote_unix_name(&o.name)
        ),
        own_evidence(c),
        Confidence::High,
        "bind once; for another name, use a new socket",
    )
}

/// EINVAL on listen or accept: the socket is not bound.
pub(super) fn listen_not_bound(c: &Ctx) -> Option<Cause> {
    let (fd, o, bound) = state(c)?;
    if bound || o.state != SockState::Unconnected {
        return None;
    }
    cause_fix(
        format!(
            "fd {fd} is not bound: AF_UNIX does not pick a name by itself for listen(); bind() first."
        ),
        own_evidence(c),
        Confidence::High,
        "bind() the socket to a path or an abstract name before listen()",
    )
}

/// EINVAL on accept: bound, not listening.
pub(super) fn accept_not_listening(c: &Ctx) -> Option<Cause> {
    let (fd, o, bound) = state(c)?;
    if !bound || !matches!(o.state, SockState::Unconnected | SockState::Connected) {
        return None;
    }
    cause_fix(
        format!("fd {fd} is not listening: call listen() before accept()."),
        own_evidence(c),
        Confidence::High,
        "call listen() after bind() and before accept()",
    )
}

/// EINVAL on listen: connected.
pub(super) fn listen_connected(c: &Ctx) -> Option<Cause> {
    let (fd, o, _) = state(c)?;
    if o.state != SockState::Connected {
        return None;
    }
    cause_fix(
        format!("fd {fd} is connected; a connected socket cannot listen."),
        own_evidence(c),
        Confidence::High,
        "listen on a fresh socket bound to the server's name",
    )
}

/// EINVAL on a receive: a stream socket that is not connected.
pub(super) fn recv_unconnected(c: &Ctx) -> Option<Cause> {
    let (fd, o, _) = state(c)?;
    if !matches!(o.kind, SockKind::Stream | SockKind::Seqpacket)
        || o.state != SockState::Unconnected
    {
        return None;
    }
    cause_fix(
        format!(
            "fd {fd} is a {} socket that is not connected; receiving on it is invalid.",
            o.kind.name()
        ),
        own_evidence(c),
        Confidence::High,
        "connect() (client) or accept() (server) first, and receive on the connected fd",
    )
}

/// EOPNOTSUPP: listen or accept on a datagram socket.
pub(super) fn listen_dgram(c: &Ctx) -> Option<Cause> {
    let fd = c.ev.fd?;
    if c.own_kind()? != SockKind::Dgram {
        return None;
    }
    cause_fix(
        format!(
            "fd {fd} is a SOCK_DGRAM socket: {}() exists only for SOCK_STREAM and SOCK_SEQPACKET.",
            c.sys.name()
        ),
        own_evidence(c),
        Confidence::High,
        "use SOCK_STREAM or SOCK_SEQPACKET for a server that accepts connections; a datagram server just receives",
    )
}

/// EOPNOTSUPP: a send to an address on an unconnected stream socket.
pub(super) fn stream_address(c: &Ctx) -> Option<Cause> {
    let fd = c.ev.fd?;
    let kind = c.own_kind()?;
    if !matches!(kind, SockKind::Stream | SockKind::Seqpacket) || c.addr().is_none() {
        return None;
    }
    cause_fix(
        format!(
            "fd {fd} is an unconnected {} socket: sending to an address is for datagram sockets; connect() first.",
            kind.name()
        ),
        own_evidence(c),
        Confidence::High,
        "connect() to the address, then send without one",
    )
}

/// EOPNOTSUPP with MSG_OOB.
pub(super) fn oob(c: &Ctx) -> Option<Cause> {
    c.ev.fd?;
    c.own_kind()?;
    if !c.ev.args.iter().any(|a| a.contains("MSG_OOB")) {
        return None;
    }
    cause_fix(
        "MSG_OOB (out-of-band data) is not supported on this AF_UNIX socket.",
        own_evidence(c),
        Confidence::Medium,
        "drop MSG_OOB (AF_UNIX has it only for SOCK_STREAM, on kernels built with it)",
    )
}

/// EAGAIN on a non-blocking accept: nothing waiting.
pub(super) fn nothing_waiting(c: &Ctx) -> Option<Cause> {
    let (fd, o) = own(c)?;
    if o.state != SockState::Listening || o.rqueue != Some(0) {
        return None;
    }
    let mut ev = own_evidence(c);
    ev.push(format!("accept queue of fd {fd} is empty"));
    cause_fix(
        format!(
            "No connection is waiting on fd {fd}, and it is non-blocking: accept() would have to wait."
        ),
        ev,
        Confidence::High,
        "normal in an event loop: wait until the socket is readable (poll, epoll), then accept again",
    )
}

/// EAGAIN on a non-blocking receive: nothing queued.
pub(super) fn nothing_queued(c: &Ctx) -> Option<Cause> {
    let (fd, o) = own(c)?;
    if o.rqueue != Some(0) {
        return None;
    }
    let mut ev = own_evidence(c);
    ev.push(format!("0 bytes queued to read on fd {fd}"));
    cause_fix(
        format!(
            "Nothing is queued on fd {fd} and the call is non-blocking (O_NONBLOCK or MSG_DONTWAIT): the peer has sent nothing yet."
        ),
        ev,
        Confidence::High,
        "normal in an event loop: wait until the socket is readable, then receive again",
    )
}

/// EAGAIN on a datagram send: the receiver's queue is full.
pub(super) fn dgram_queue_full(c: &Ctx) -> Option<Cause> {
    let (_, o) = own(c)?;
    if o.kind != SockKind::Dgram {
        return None;
    }
    let mut ev = own_evidence(c);
    if let Some(q) = c.f.max_dgram_qlen {
        ev.push(format!("net.unix.max_dgram_qlen is {q}"));
    }
    cause_fix(
        "The receiving socket's queue is full: the receiver is not reading as fast as this process sends (non-blocking send).",
        ev,
        Confidence::Medium,
        "wait until the socket is writable and send again; the receiver must read faster (or raise net.unix.max_dgram_qlen)",
    )
}

/// EAGAIN on a stream send: the send buffer is full.
pub(super) fn buffer_full(c: &Ctx) -> Option<Cause> {
    let (fd, o) = own(c)?;
    if o.kind == SockKind::Dgram {
        return None;
    }
    let mut ev = own_evidence(c);
    if let Some(w) = o.wqueue {
        ev.push(format!(
            "{w} bytes sent on fd {fd} are not yet read by the peer"
        ));
    }
    cause_fix(
        format!(
            "The send buffer of fd {fd} is full: the peer is not reading, and the socket is non-blocking."
        ),
        ev,
        Confidence::Medium,
        "wait until the socket is writable (poll), then send the rest",
    )
}

/// EMSGSIZE on a datagram or seqpacket send: the message is larger than the send buffer.
pub(super) fn message_too_big(c: &Ctx) -> Option<Cause> {
    let o = c.f.own.as_ref()?;
    if o.kind == SockKind::Stream {
        return None;
    }
    // sendmsg: the iovecs; send/sendto/write: the length argument.
    let size: Option<u64> = if c.ev.msgs.is_empty() {
        c.ev.args.get(2).and_then(|a| a.trim().parse().ok())
    } else {
        c.ev.msgs.first().map(|m| m.iov.iter().map(|v| v.len).sum())
    };
    let mut ev = own_evidence(c);
    let fix = "split the message, or raise SO_SNDBUF on the sending socket";
    let (Some(size), Some(buf)) = (size, o.sndbuf) else {
        return cause_fix(
            format!(
                "A {} message must fit in the socket's send buffer (SO_SNDBUF) in one piece; this one does not.",
                o.kind.name()
            ),
            ev,
            Confidence::Medium,
            fix,
        );
    };
    // The kernel keeps 32 bytes of the buffer for its own bookkeeping.
    let max = u64::from(buf).saturating_sub(32);
    ev.push(format!(
        "message of {size} bytes; send buffer {buf} bytes allows at most {max}"
    ));
    if size <= max {
        return None;
    }
    cause_fix(
        format!(
            "The {size}-byte message is larger than {} can send at once ({max} bytes, from SO_SNDBUF {buf}): split it, or raise SO_SNDBUF.",
            c.fd_text()
        ),
        ev,
        Confidence::High,
        fix,
    )
}

/// What an fd that is not a socket is, in words: "a pipe", "an eventfd", "a terminal
/// (/dev/pts/0)", "a regular file (/etc/passwd)".
pub(super) fn fd_kind_text(target: &[u8], kind: Option<FileKind>) -> String {
    // `anon_inode:[eventfd]`, or `anon_inode:inotify` without brackets.
    let anon = target.strip_prefix(b"anon_inode:".as_slice()).map(|r| {
        let r = r.strip_prefix(b"[".as_slice()).unwrap_or(r);
        r.strip_suffix(b"]".as_slice()).unwrap_or(r)
    });
    let shown = escape_bytes(target);
    let named: Option<&str> = [
        ("eventfd", "an eventfd"),
        ("eventpoll", "an epoll instance"),
        ("timerfd", "a timerfd"),
        ("signalfd", "a signalfd"),
        ("inotify", "an inotify instance"),
        ("pidfd", "a pidfd"),
        ("io_uring", "an io_uring instance"),
        ("memfd", "a memfd"),
    ]
    .iter()
    .find(|(n, _)| anon == Some(n.as_bytes()))
    .map(|(_, p)| *p);
    if let Some(p) = named {
        return p.to_owned();
    }
    if target.starts_with(b"pipe:[") {
        return "a pipe".to_owned();
    }
    if target.starts_with(b"anon_inode:") {
        return format!("an anonymous kernel object ({shown})");
    }
    if target == b"/dev/null" {
        return "the null device (/dev/null)".to_owned();
    }
    let tty = target.starts_with(b"/dev/pts/")
        || target.starts_with(b"/dev/tty")
        || target == b"/dev/console";
    match kind {
        _ if tty => format!("a terminal ({shown})"),
        Some(FileKind::Regular) => format!("a regular file ({shown})"),
        Some(FileKind::Dir) => format!("a directory ({shown})"),
        Some(FileKind::Fifo) => format!("a named pipe ({shown})"),
        Some(FileKind::CharDev) => format!("a character device ({shown})"),
        Some(FileKind::BlockDev) => format!("a block device ({shown})"),
        _ => shown,
    }
}

/// ENOTSOCK: the fd is something else.
pub(super) fn not_a_socket(c: &Ctx) -> Option<Cause> {
    let fd = c.ev.fd?;
    let id = c.ev.fds.iter().find(|s| s.fd == fd);
    let probed = c.f.fd.as_ref().filter(|f| f.open);
    let target = probed
        .and_then(|f| f.target.as_ref())
        .or_else(|| id.and_then(|s| s.target.as_ref()));
    let what = match target {
        Some(t) => fd_kind_text(t.as_bytes(), probed.and_then(|f| f.kind)),
        None => escape_str(&id?.proto.name()),
    };
    let mut ev = vec![format!(
        "/proc/PID/fd/{fd} -> {}",
        target.map_or("?".into(), |t| escape_bytes(t.as_bytes()))
    )];
    if let Some(k) = probed.and_then(|f| f.kind) {
        ev.push(format!("it is {}", k.phrase()));
    }
    cause_fix(
        format!("fd {fd} is not a socket: it refers to {what}."),
        ev,
        Confidence::High,
        "the fd number is wrong: it was closed and reused, or another fd was meant",
    )
}

/// EBADF on a negative fd: a failed open or socket() whose -1 was used.
pub(super) fn negative_fd(c: &Ctx) -> Option<Cause> {
    let fd = c.ev.fd.filter(|&fd| fd < 0)?;
    cause_fix(
        format!(
            "fd {fd} is not a descriptor: the program used the result of a call that failed (socket(), open(), accept() return -1)."
        ),
        vec![format!("the call's fd argument is {fd}")],
        Confidence::High,
        "check the result of the call that should have made the fd before using it",
    )
}

/// EBADF on an fd opened with O_PATH.
pub(super) fn o_path(c: &Ctx) -> Option<Cause> {
    let f = c.f.fd.as_ref().filter(|f| f.open)?;
    if f.flags? & O_PATH == 0 {
        return None;
    }
    let what = f
        .target
        .as_ref()
        .map(|t| fd_kind_text(t.as_bytes(), f.kind))
        .unwrap_or_else(|| "a file".into());
    cause_fix(
        format!(
            "fd {} was opened with O_PATH ({what}): such an fd names a file but allows no I/O on it.",
            f.fd
        ),
        vec![format!("fdinfo flags {:o} include O_PATH", f.flags?)],
        Confidence::High,
        "open the file without O_PATH, or connect to a socket by its path instead of through the fd",
    )
}

/// EBADF: the fd is not open (and the trace did not see it closed).
pub(super) fn not_open(c: &Ctx) -> Option<Cause> {
    let f = c.f.fd.as_ref().filter(|f| !f.open)?;
    cause_fix(
        format!(
            "fd {} is not open in the process: it was never opened, or was closed where sockwhy did not see it (before the trace, or by a call outside the traced set).",
            f.fd
        ),
        vec![format!("/proc/PID/fd/{} does not exist", f.fd)],
        Confidence::High,
        "find where the fd number comes from: a stale variable, a double close, or an fd inherited from a parent that did not pass it",
    )
}

/// EBADF on the call's own fd: closed earlier.
pub(super) fn closed_earlier(c: &Ctx) -> Option<Cause> {
    let fd = c.ev.fd?;
    let calls = c.h.calls(c.ev.pid, fd);
    let last = calls.last()?;
    if last.syscall != Sysno::close || last.errno.is_some() {
        return None;
    }
    cause_fix(
        format!(
            "fd {fd} was closed earlier (close at #{}) and not opened again.",
            last.seq
        ),
        vec![format!("close(fd {fd}) succeeded at #{}", last.seq)],
        Confidence::High,
        "a use after close: find which part of the program closed it (a double close closes someone else's fd)",
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::{History, find_cause};
    use crate::model::facts::*;
    use crate::model::{Confidence, Facts, ProcessEvent, ProcessEventKind, SockId, SyscallEvent};
    use crate::model::{SockKind, UnixName};
    use syscalls::Sysno;

    fn call(seq: u64, sys: &str, fd: i32, errno: Option<&str>) -> SyscallEvent {
        SyscallEvent {
            seq,
            pid: 100,
            tid: 100,
            syscall: sys.into(),
            fd: Some(fd),
            errno: errno.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn rules_eisconn_uses_state_and_history() {
        let mut h = History::default();
        h.record(&call(2, "connect", 3, None));
        let mut e = ev("connect", "EISCONN");
        e.fd = Some(3);
        let f = Facts {
            own: Some(sock(1, SockKind::Stream, SockState::Connected)),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &h).unwrap();
        assert_eq!(
            c.summary,
            "fd 3 is already connected; a socket connects once."
        );
        assert_eq!(c.rule, "connect.already-connected");
        assert!(
            c.evidence
                .iter()
                .any(|e| e.contains("already succeeded at #2"))
        );
        assert_eq!(c.confidence, Confidence::High);
    }

    #[test]
    fn rules_enotconn_after_failed_connect_and_listening() {
        let mut h = History::default();
        h.record(&call(2, "connect", 3, Some("ECONNREFUSED")));
        let mut e = ev("write", "ENOTCONN");
        e.fd = Some(3);
        let mut f = Facts {
            own: Some(sock(1, SockKind::Stream, SockState::Unconnected)),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(
            c.summary
                .contains("its connect() at #2 failed with ECONNREFUSED"),
            "{c:?}"
        );
        assert_eq!(c.rule, "socket.not-connected");
        f.own.as_mut().unwrap().state = SockState::Listening;
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("listening socket"), "{c:?}");
        assert_eq!(c.rule, "socket.listening-no-data");
    }

    #[test]
    fn rules_dgram_peer_closed_then_enotconn() {
        let mut h = History::default();
        h.record(&call(2, "sendto", 3, None));
        let mut e = ev("sendto", "ECONNREFUSED");
        e.seq = 3;
        e.fd = Some(3);
        let f = Facts {
            own: Some(sock(1, SockKind::Dgram, SockState::Unconnected)),
            peer: Some(PeerFacts {
                known: None,
                exists: None,
                owners: vec![],
                name: None,
            }),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(
            c.summary
                .starts_with("The datagram peer this socket is connected to was closed"),
            "{c:?}"
        );
        assert_eq!(c.rule, "send.dgram-peer-closed");
        assert_eq!(c.confidence, Confidence::High);
        h.record(&e);
        let mut e = ev("sendto", "ENOTCONN");
        e.fd = Some(3);
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(
            c.summary
                .contains("disconnected fd 3 when sendto #3 was refused"),
            "{c:?}"
        );
        assert_eq!(c.rule, "socket.dgram-peer-gone");
    }

    #[test]
    fn rules_einval_state_machine() {
        let h = History::default();
        let mut e = ev("listen", "EINVAL");
        e.fd = Some(4);
        let mut f = Facts {
            own: Some(sock(1, SockKind::Stream, SockState::Unconnected)),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("fd 4 is not bound"));
        assert_eq!(c.rule, "listen.not-bound");
        f.own.as_mut().unwrap().name = UnixName::Path("/a".into());
        e.syscall = Sysno::accept.into();
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("not listening"));
        assert_eq!(c.rule, "accept.not-listening");
        e.syscall = Sysno::bind.into();
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("already bound to \"/a\""));
        assert_eq!(c.rule, "bind.already-bound");
        e.syscall = Sysno::recvfrom.into();
        f.own.as_mut().unwrap().name = UnixName::Unnamed;
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("not connected"));
        assert_eq!(c.rule, "recv.stream-unconnected");
    }

    #[test]
    fn rules_epipe_and_econnreset_name_who_closed() {
        let mut h = History::default();
        let mut close = call(5, "close", 7, None);
        close.pid = 200;
        close.fds = vec![SockId {
            fd: 7,
            proto: "UNIX-STREAM".into(),
            inode: 555,
            peer: None,
            path: UnixName::Unnamed,
            peer_path: UnixName::Unnamed,
            target: None,
        }];
        h.record(&close);
        h.record_process(&ProcessEvent {
            event: Some(ProcessEventKind::Exit.into()),
            pid: 200,
            tid: 200,
            exit_code: Some(0),
            ..Default::default()
        });
        let mut e = ev("write", "EPIPE");
        e.fd = Some(3);
        let mut own = sock(1, SockKind::Stream, SockState::Connected);
        own.peer = Some(0);
        own.shutdown = Some(3);
        let f = Facts {
            own: Some(own),
            peer: Some(PeerFacts {
                known: Some(555),
                exists: Some(false),
                owners: vec![],
                name: None,
            }),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.starts_with("The peer closed its end"), "{c:?}");
        assert!(
            c.summary.contains(
                "closed its end of the connection (pid 200 closed fd 7 at #5; pid 200 has since exited, exit code 0)"
            ),
            "{c:?}"
        );
        assert_eq!(c.confidence, Confidence::High);
        assert_eq!(c.rule, "send.peer-closed");
        e.syscall = Sysno::recvfrom.into();
        e.errno = Some("ECONNRESET".into());
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("still unread"), "{c:?}");
        assert_eq!(c.rule, "socket.peer-reset");
    }

    #[test]
    fn rules_eagain_recv_accept_and_send() {
        let h = History::default();
        let mut e = ev("recvfrom", "EAGAIN");
        e.fd = Some(3);
        let mut own = sock(1, SockKind::Stream, SockState::Connected);
        own.rqueue = Some(0);
        let mut f = Facts {
            own: Some(own),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.starts_with("Nothing is queued on fd 3"));
        assert_eq!(c.rule, "recv.nothing-queued");
        e.syscall = Sysno::accept4.into();
        f.own.as_mut().unwrap().state = SockState::Listening;
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.starts_with("No connection is waiting"));
        assert_eq!(c.rule, "accept.nothing-waiting");
        e.syscall = Sysno::sendto.into();
        f.own.as_mut().unwrap().kind = SockKind::Dgram;
        f.max_dgram_qlen = Some(10);
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("receiving socket's queue is full"));
        assert_eq!(c.rule, "send.dgram-queue-full");
        assert!(
            c.evidence
                .iter()
                .any(|e| e.contains("max_dgram_qlen is 10"))
        );
    }

    #[test]
    fn rules_emsgsize_against_sndbuf() {
        let mut e = ev("sendto", "EMSGSIZE");
        e.fd = Some(3);
        e.args = vec!["3".into(), "\"xx\"...".into(), "300000".into()];
        let mut own = sock(1, SockKind::Dgram, SockState::Unconnected);
        own.sndbuf = Some(212992);
        let f = Facts {
            own: Some(own),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(
            c.summary.starts_with(
                "The 300000-byte message is larger than fd 3 can send at once (212960 bytes"
            ),
            "{c:?}"
        );
        assert_eq!(c.rule, "send.message-too-big");
    }

    #[test]
    fn rules_eopnotsupp_and_ebadf_and_enotsock() {
        let mut h = History::default();
        let mut e = ev("listen", "EOPNOTSUPP");
        e.fd = Some(3);
        let f = Facts {
            own: Some(sock(1, SockKind::Dgram, SockState::Unconnected)),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("SOCK_DGRAM socket: listen()"));
        assert_eq!(c.rule, "listen.dgram");
        h.record(&call(3, "close", 5, None));
        let mut e = ev("write", "EBADF");
        e.fd = Some(5);
        let c = find_cause(&e, &Facts::default(), &h).unwrap();
        assert!(c.summary.contains("closed earlier (close at #3)"));
        assert_eq!(c.rule, "fd.closed-earlier");
        let mut e = ev("connect", "ENOTSOCK");
        e.fd = Some(1);
        e.fds = vec![SockId {
            fd: 1,
            proto: "file".into(),
            inode: 0,
            peer: None,
            path: UnixName::Unnamed,
            peer_path: UnixName::Unnamed,
            target: Some("/dev/pts/0".into()),
        }];
        let c = find_cause(&e, &Facts::default(), &h).unwrap();
        assert!(
            c.summary.contains("refers to a terminal (/dev/pts/0)"),
            "{c:?}"
        );
        assert_eq!(c.rule, "fd.not-a-socket");
    }
}
