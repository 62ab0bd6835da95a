//! The TARGET column: what a call was aimed at, in a few characters, so that calls that
//! differ only there (five connects to five servers) do not look alike in the list.
//!
//! Worked out once per event when it is indexed (never per frame) and interned in the
//! store: a trace names few distinct targets, whatever its length.

use crate::model::{AddrName, SockAddr, SockId, SyscallEvent, UnixName};
use crate::render::escape::escape_bytes;

/// What `ev` talks to: the name in its address argument (`/run/app.sock`, `@name`), else
/// the socket its fd is (the name it or its peer is bound to, else `UNIX-STREAM:[ino]`),
/// else what a non-socket fd points to. None when the record says nothing of it.
pub(crate) fn call_target(ev: &SyscallEvent) -> Option<String> {
    let addr = ev
        .addr
        .as_ref()
        .or_else(|| ev.msgs.iter().find_map(|m| m.name.as_ref()));
    if let Some(t) = addr.and_then(named_addr) {
        return Some(t);
    }
    let sock = match ev.fd {
        Some(fd) => ev.fds.iter().find(|s| s.fd == fd),
        None => ev.fds.first(),
    };
    if let Some(t) = sock.and_then(socket_target) {
        return Some(t);
    }
    // An unnamed address (an unbound peer of accept) or another family says a little.
    addr.map(|a| match &a.name {
        AddrName::Other => escape_bytes(a.family.as_bytes()),
        _ => "(unnamed)".to_owned(),
    })
}

/// The name of an AF_UNIX address, unquoted; None when it has none.
fn named_addr(a: &SockAddr) -> Option<String> {
    match &a.name {
        AddrName::Unix(n) => unix_name(n),
        AddrName::Unknown { path: Some(p), .. } => Some(escape_bytes(p.as_bytes())),
        _ => None,
    }
}

/// `/run/app.sock` or `@name`; None when unnamed.
fn unix_name(n: &UnixName) -> Option<String> {
    match n {
        UnixName::Path(p) => Some(escape_bytes(p.as_bytes())),
        UnixName::Abstract(a) => Some(format!("@{}", escape_bytes(a.as_bytes()))),
        UnixName::Unnamed => None,
    }
}

/// The socket as the other end knows it: the peer's name (a client's connection), its
/// own name (a listener, an accepted connection), else its inode; a non-socket fd by
/// what it points to.
fn socket_target(s: &SockId) -> Option<String> {
    if let Some(t) = unix_name(&s.peer_path).or_else(|| unix_name(&s.path)) {
        return Some(t);
    }
    if let Some(t) = &s.target {
        return Some(escape_bytes(t.as_bytes()));
    }
    (s.inode != 0).then(|| format!("{}:[{}]", escape_bytes(s.proto.name().as_bytes()), s.inode))
}

/// `s` cut to `width` columns from the left, keeping its end (where a path's file name
/// is): `…/app/server.sock`. Every character is one column (the text is escaped ASCII).
pub(crate) fn keep_tail(s: &str, width: usize) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    if n <= width {
        return s.into();
    }
    if width == 0 {
        return "".into();
    }
    let tail: String = s.chars().skip(n - (width - 1)).collect();
    format!("…{tail}").into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MsgHdr, SockKind, SockProto};

    fn unix(n: UnixName) -> SockAddr {
        SockAddr::unix(n, 110)
    }

    #[test]
    fn address_first_then_socket_then_file() {
        let mut ev = SyscallEvent {
            addr: Some(unix(UnixName::Path("/run/app.sock".into()))),
            fd: Some(3),
            ..Default::default()
        };
        let mut id = SockId::new(3, SockProto::Unix(SockKind::Stream), 4001);
        ev.fds = vec![id.clone()];
        assert_eq!(call_target(&ev).as_deref(), Some("/run/app.sock"));
        ev.addr = Some(unix(UnixName::Abstract("demo\nctl".into())));
        assert_eq!(call_target(&ev).as_deref(), Some("@demo\\nctl"));
        // accept: the peer's address is unnamed; the listener's name says more.
        ev.addr = Some(unix(UnixName::Unnamed));
        id.path = UnixName::Path("/run/srv.sock".into());
        ev.fds = vec![id.clone()];
        assert_eq!(call_target(&ev).as_deref(), Some("/run/srv.sock"));
        ev.addr = None;
        id.peer_path = UnixName::Abstract("peer".into());
        ev.fds = vec![id.clone()];
        assert_eq!(call_target(&ev).as_deref(), Some("@peer"), "the peer first");
        id.path = UnixName::Unnamed;
        id.peer_path = UnixName::Unnamed;
        ev.fds = vec![id];
        assert_eq!(call_target(&ev).as_deref(), Some("UNIX-STREAM:[4001]"));
        let mut file = SockId::new(3, SockProto::File, 0);
        file.target = Some(b"/dev/pts/\x1b0"[..].into());
        ev.fds = vec![file];
        assert_eq!(call_target(&ev).as_deref(), Some("/dev/pts/\\x1b0"));
        ev.fds.clear();
        ev.addr = Some(unix(UnixName::Unnamed));
        assert_eq!(call_target(&ev).as_deref(), Some("(unnamed)"));
        ev.addr = None;
        ev.msgs = vec![MsgHdr {
            name: Some(unix(UnixName::Path("/dgram".into()))),
            namelen: 8,
            iov: Vec::new(),
            iovlen: 0,
            controllen: 0,
            cmsgs: Vec::new(),
            flags: String::new(),
        }];
        assert_eq!(call_target(&ev).as_deref(), Some("/dgram"), "msg_name");
        assert_eq!(call_target(&SyscallEvent::default()), None);
    }

    #[test]
    fn long_targets_keep_their_end() {
        assert_eq!(keep_tail("/run/app.sock", 20), "/run/app.sock");
        assert_eq!(keep_tail("/var/lib/app/server.sock", 12), "…server.sock");
        assert_eq!(keep_tail("abc", 0), "");
    }
}
