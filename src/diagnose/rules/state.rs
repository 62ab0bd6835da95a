//! Rules about the state of the call's own socket and its peer.

use super::{Ctx, cause, history_text, owners_text, sock_text};
use crate::model::facts::SockState;
use crate::model::{Cause, Confidence, Errno, SockKind, UnixName};
use crate::render::escape::{escape_bytes, escape_str, quote_unix_name};
use syscalls::Sysno;

/// Calls that send on a socket (x86-64 has no `send` or `recv`: libc maps them to
/// sendto and recvfrom).
const SENDS: &[Sysno] = &[
    Sysno::sendto,
    Sysno::sendmsg,
    Sysno::sendmmsg,
    Sysno::write,
    Sysno::writev,
    Sysno::pwrite64,
];
/// Calls that receive on a socket.
const RECVS: &[Sysno] = &[
    Sysno::recvfrom,
    Sysno::recvmsg,
    Sysno::recvmmsg,
    Sysno::read,
    Sysno::readv,
    Sysno::pread64,
];

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

/// EISCONN: connect (or sendto with an address) on a connected socket.
pub(super) fn already_connected(c: &Ctx) -> Option<Cause> {
    if !c.is(
        &[
            Sysno::connect,
            Sysno::sendto,
            Sysno::sendmsg,
            Sysno::sendmmsg,
        ],
        &[Errno::EISCONN],
    ) {
        return None;
    }
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
    let summary = if c.sys == Sysno::connect {
        format!("fd {fd} is already connected; a socket connects once.")
    } else {
        format!(
            "fd {fd} is a connected stream socket: send without an address (send/write), or use a datagram socket for sendto()."
        )
    };
    cause(summary, ev, conf)
}

/// EPIPE / ECONNRESET / ECONNREFUSED on a connected socket: the peer went away.
pub(super) fn peer_gone(c: &Ctx) -> Option<Cause> {
    let send = SENDS.contains(&c.sys);
    let recv = RECVS.contains(&c.sys);
    let ok = match c.errno {
        Errno::EPIPE => send,
        Errno::ECONNRESET => send || recv,
        // A connected datagram socket whose peer closed: the first send is refused.
        Errno::ECONNREFUSED => send && c.addr().is_none(),
        _ => false,
    };
    if !ok {
        return None;
    }
    let mut ev = own_evidence(c);
    if let Some(o) = &c.f.own
        && o.shutdown == Some(3)
    {
        ev.push(format!(
            "the kernel has shut {} down in both directions",
            c.fd_text()
        ));
    }
    // Our own shutdown(SHUT_WR) also gives EPIPE.
    if c.errno == Errno::EPIPE
        && let Some(fd) = c.ev.fd
        && let Some(s) = c.h.last_ok(c.ev.pid, fd, Sysno::shutdown)
    {
        ev.push(format!("shutdown() on fd {fd} at #{}", s.seq));
        return cause(
            format!(
                "The program itself shut fd {fd} down (shutdown at #{}); writing after SHUT_WR/SHUT_RDWR fails.",
                s.seq
            ),
            ev,
            Confidence::Medium,
        );
    }
    let peer = c.f.peer.as_ref();
    // A datagram send without an address is refused only when the connected peer is
    // dead; the kernel has already disconnected the socket by the exit stop.
    let dgram_dropped = c.errno == Errno::ECONNREFUSED
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
    if let Some(p) = peer
        && p.exists == Some(true)
        && !p.owners.is_empty()
        && c.errno == Errno::EPIPE
    {
        ev.push(format!(
            "peer inode {} is still held by {}",
            p.known.unwrap_or_default(),
            owners_text(&p.owners)
        ));
        return cause(
            format!(
                "The peer still exists but shut its side down for reading (shutdown SHUT_RD/SHUT_RDWR by {}).",
                owners_text(&p.owners)
            ),
            ev,
            Confidence::Medium,
        );
    }
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
    let summary = match c.errno {
        Errno::EPIPE => format!(
            "The peer closed its end of the connection{by}; writes can never succeed now (and raise SIGPIPE without MSG_NOSIGNAL)."
        ),
        Errno::ECONNRESET => {
            format!("The peer closed the connection{by} while data sent to it was still unread.")
        }
        _ => format!(
            "The datagram peer this socket is connected to was closed{by}; the kernel refuses the send and disconnects the socket."
        ),
    };
    cause(summary, ev, Confidence::High)
}

/// ENOTCONN: using a socket that is not connected.
pub(super) fn not_connected(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::ENOTCONN {
        return None;
    }
    let fd = c.ev.fd?;
    let o = c.f.own.as_ref()?;
    let mut ev = own_evidence(c);
    let refused = c.h.calls(c.ev.pid, fd).into_iter().rev().find(|p| {
        p.syscall.is_any(SENDS) && p.errno.as_ref().is_some_and(|e| e.is(Errno::ECONNREFUSED))
    });
    if o.kind == SockKind::Dgram
        && let Some(r) = refused
    {
        return cause(
            format!(
                "fd {fd} was connected to a datagram socket that has closed; the kernel disconnected fd {fd} when {} #{} was refused.",
                escape_str(&r.syscall.name()),
                r.seq
            ),
            ev,
            Confidence::High,
        );
    }
    if o.kind == SockKind::Dgram
        && let Some(p) = &c.f.peer
        && p.exists == Some(false)
        && let Some(k) = p.known
    {
        ev.push(format!("the former peer, inode {k}, no longer exists"));
        return cause(
            format!(
                "fd {fd} was connected to a datagram socket that has closed; the kernel disconnected fd {fd} at the first failed send."
            ),
            ev,
            Confidence::High,
        );
    }
    match o.state {
        SockState::Listening => cause(
            format!(
                "fd {fd} is a listening socket; it carries no data. Use the fd that accept() returns."
            ),
            ev,
            Confidence::High,
        ),
        SockState::Connected => None,
        _ => {
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
            cause(
                format!(
                    "fd {fd} is not connected{failed_connect}: connect() it first, or give an address (datagram)."
                ),
                ev,
                Confidence::High,
            )
        }
    }
}

/// EINVAL from the state machine: listen/accept on an unbound socket, bind twice, recv
/// on an unconnected stream.
pub(super) fn wrong_state(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::EINVAL {
        return None;
    }
    let fd = c.ev.fd?;
    let o = c.f.own.as_ref()?;
    let ev = own_evidence(c);
    let stream = matches!(o.kind, SockKind::Stream | SockKind::Seqpacket);
    let bound = !o.name.is_unnamed();
    let summary = match (c.sys, o.state) {
        (Sysno::bind, _) if bound => format!(
            "fd {fd} is already bound to {}; a socket can be bound only once.",
            quote_unix_name(&o.name)
        ),
        (Sysno::listen | Sysno::accept | Sysno::accept4, SockState::Unconnected) if !bound => {
            format!(
                "fd {fd} is not bound: AF_UNIX does not pick a name by itself for listen(); bind() first."
            )
        }
        (Sysno::accept | Sysno::accept4, SockState::Unconnected | SockState::Connected)
            if bound =>
        {
            format!("fd {fd} is not listening: call listen() before accept().")
        }
        (Sysno::listen, SockState::Connected) => {
            format!("fd {fd} is connected; a connected socket cannot listen.")
        }
        (s, SockState::Unconnected) if stream && RECVS.contains(&s) => format!(
            "fd {fd} is a {} socket that is not connected; receiving on it is invalid.",
            o.kind.name()
        ),
        _ => return None,
    };
    cause(summary, ev, Confidence::High)
}

/// EOPNOTSUPP: an operation this socket type does not have.
pub(super) fn not_supported(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::EOPNOTSUPP {
        return None;
    }
    let fd = c.ev.fd?;
    let kind = c.own_kind()?;
    let ev = own_evidence(c);
    match (c.sys, kind) {
        (Sysno::listen | Sysno::accept | Sysno::accept4, SockKind::Dgram) => cause(
            format!(
                "fd {fd} is a SOCK_DGRAM socket: {}() exists only for SOCK_STREAM and SOCK_SEQPACKET.",
                c.sys.name()
            ),
            ev,
            Confidence::High,
        ),
        (
            Sysno::sendto | Sysno::sendmsg | Sysno::sendmmsg,
            SockKind::Stream | SockKind::Seqpacket,
        ) if c.addr().is_some() => cause(
            format!(
                "fd {fd} is an unconnected {} socket: sending to an address is for datagram sockets; connect() first.",
                kind.name()
            ),
            ev,
            Confidence::High,
        ),
        _ if c.ev.args.iter().any(|a| a.contains("MSG_OOB")) => cause(
            "MSG_OOB (out-of-band data) is not supported on this AF_UNIX socket.",
            ev,
            Confidence::Medium,
        ),
        _ => None,
    }
}

/// EAGAIN on a non-blocking socket: nothing to read, no connection waiting, no room.
pub(super) fn would_block(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::EAGAIN {
        return None;
    }
    let fd = c.ev.fd?;
    let o = c.f.own.as_ref()?;
    let mut ev = own_evidence(c);
    if matches!(c.sys, Sysno::accept | Sysno::accept4) && o.state == SockState::Listening {
        if o.rqueue == Some(0) {
            ev.push(format!("accept queue of fd {fd} is empty"));
            return cause(
                format!(
                    "No connection is waiting on fd {fd}, and it is non-blocking: accept() would have to wait."
                ),
                ev,
                Confidence::High,
            );
        }
        return None;
    }
    if RECVS.contains(&c.sys) {
        if o.rqueue == Some(0) {
            ev.push(format!("0 bytes queued to read on fd {fd}"));
            return cause(
                format!(
                    "Nothing is queued on fd {fd} and the call is non-blocking (O_NONBLOCK or MSG_DONTWAIT): the peer has sent nothing yet."
                ),
                ev,
                Confidence::High,
            );
        }
        return None;
    }
    if SENDS.contains(&c.sys) {
        if o.kind == SockKind::Dgram {
            if let Some(q) = c.f.max_dgram_qlen {
                ev.push(format!("net.unix.max_dgram_qlen is {q}"));
            }
            return cause(
                "The receiving socket's queue is full: the receiver is not reading as fast as this process sends (non-blocking send).",
                ev,
                Confidence::Medium,
            );
        }
        if let Some(w) = o.wqueue {
            ev.push(format!(
                "{w} bytes sent on fd {fd} are not yet read by the peer"
            ));
        }
        return cause(
            format!(
                "The send buffer of fd {fd} is full: the peer is not reading, and the socket is non-blocking."
            ),
            ev,
            Confidence::Medium,
        );
    }
    None
}

/// EMSGSIZE on a datagram or seqpacket send: the message is larger than the send buffer.
pub(super) fn message_too_big(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::EMSGSIZE || !SENDS.contains(&c.sys) {
        return None;
    }
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
    let (Some(size), Some(buf)) = (size, o.sndbuf) else {
        return cause(
            format!(
                "A {} message must fit in the socket's send buffer (SO_SNDBUF) in one piece; this one does not.",
                o.kind.name()
            ),
            ev,
            Confidence::Medium,
        );
    };
    // The kernel keeps 32 bytes of the buffer for its own bookkeeping.
    let max = u64::from(buf).saturating_sub(32);
    ev.push(format!(
        "message of {size} bytes; send buffer {buf} bytes allows at most {max}"
    ));
    if size > max {
        cause(
            format!(
                "The {size}-byte message is larger than {} can send at once ({max} bytes, from SO_SNDBUF {buf}): split it, or raise SO_SNDBUF.",
                c.fd_text()
            ),
            ev,
            Confidence::High,
        )
    } else {
        None
    }
}

/// ENOTSOCK: the fd is something else.
pub(super) fn not_a_socket(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::ENOTSOCK {
        return None;
    }
    let fd = c.ev.fd?;
    let id = c.ev.fds.iter().find(|s| s.fd == fd)?;
    let what = id
        .target
        .as_ref()
        .map(|t| escape_bytes(t.as_bytes()))
        .unwrap_or_else(|| escape_str(&id.proto.name()));
    cause(
        format!("fd {fd} is not a socket: it refers to {what}."),
        vec![format!("/proc/PID/fd/{fd} -> {what}")],
        Confidence::High,
    )
}

/// EBADF on the call's own fd: closed earlier.
pub(super) fn bad_fd(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::EBADF {
        return None;
    }
    let fd = c.ev.fd?;
    let calls = c.h.calls(c.ev.pid, fd);
    let last = calls.last()?;
    if last.syscall != Sysno::close || last.errno.is_some() {
        return None;
    }
    cause(
        format!(
            "fd {fd} was closed earlier (close at #{}) and not opened again.",
            last.seq
        ),
        vec![format!("close(fd {fd}) succeeded at #{}", last.seq)],
        Confidence::High,
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
        f.own.as_mut().unwrap().state = SockState::Listening;
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("listening socket"), "{c:?}");
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
        assert!(
            find_cause(&e, &f, &h)
                .unwrap()
                .summary
                .contains("fd 4 is not bound")
        );
        f.own.as_mut().unwrap().name = UnixName::Path("/a".into());
        e.syscall = Sysno::accept.into();
        assert!(
            find_cause(&e, &f, &h)
                .unwrap()
                .summary
                .contains("not listening")
        );
        e.syscall = Sysno::bind.into();
        assert!(
            find_cause(&e, &f, &h)
                .unwrap()
                .summary
                .contains("already bound to \"/a\"")
        );
        e.syscall = Sysno::recvfrom.into();
        f.own.as_mut().unwrap().name = UnixName::Unnamed;
        assert!(
            find_cause(&e, &f, &h)
                .unwrap()
                .summary
                .contains("not connected")
        );
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
        e.syscall = Sysno::recvfrom.into();
        e.errno = Some("ECONNRESET".into());
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("still unread"), "{c:?}");
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
        assert!(
            find_cause(&e, &f, &h)
                .unwrap()
                .summary
                .starts_with("Nothing is queued on fd 3")
        );
        e.syscall = Sysno::accept4.into();
        f.own.as_mut().unwrap().state = SockState::Listening;
        assert!(
            find_cause(&e, &f, &h)
                .unwrap()
                .summary
                .starts_with("No connection is waiting")
        );
        e.syscall = Sysno::sendto.into();
        f.own.as_mut().unwrap().kind = SockKind::Dgram;
        f.max_dgram_qlen = Some(10);
        let c = find_cause(&e, &f, &h).unwrap();
        assert!(c.summary.contains("receiving socket's queue is full"));
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
        assert!(
            find_cause(&e, &f, &h)
                .unwrap()
                .summary
                .contains("SOCK_DGRAM socket: listen()")
        );
        h.record(&call(3, "close", 5, None));
        let mut e = ev("write", "EBADF");
        e.fd = Some(5);
        assert!(
            find_cause(&e, &Facts::default(), &h)
                .unwrap()
                .summary
                .contains("closed earlier (close at #3)")
        );
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
        assert!(
            find_cause(&e, &Facts::default(), &h)
                .unwrap()
                .summary
                .contains("refers to /dev/pts/0")
        );
    }
}
