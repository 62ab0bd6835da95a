//! Which socket a tracee fd is (strace -yy): /proc/PID/fd, then sock_diag or /proc/net/unix.
//!
//! One call costs a readlink and one sock_diag query by inode (two when the socket has a
//! peer, for the peer's path); the tracer caches the answer per fd.

use super::{netunix, sockdiag};
use crate::model::facts::UnixSocket;
use crate::model::{Fd, InetProto, Pid, SockId, SockProto};
use std::os::unix::ffi::OsStrExt;

/// Look up the identity of `fd` in process `pid`. None when the fd is not open.
pub fn probe_fd_identity(pid: Pid, fd: Fd) -> Option<SockId> {
    let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
    let link = link.as_os_str().as_bytes();
    let Some(ino) = parse_socket_link(link) else {
        return Some(SockId {
            target: Some(link.into()),
            ..SockId::new(fd, SockProto::File, 0)
        });
    };
    if let Some(u) = probe_unix_socket(pid, ino) {
        let peer = u.peer.filter(|&p| p != 0);
        let peer_path = peer
            .and_then(|p| probe_unix_socket(pid, p))
            .map(|p| p.name)
            .unwrap_or_default();
        return Some(SockId {
            peer,
            path: u.name,
            peer_path,
            ..SockId::new(fd, SockProto::Unix(u.kind), ino)
        });
    }
    let proto = probe_other_family(pid, ino).unwrap_or(SockProto::Socket);
    Some(SockId::new(fd, proto, ino))
}

/// `socket:[12345]` -> 12345.
pub fn parse_socket_link(link: &[u8]) -> Option<u64> {
    let n = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(n).ok()?.parse().ok()
}

/// The AF_UNIX socket with inode `ino` as seen from `pid`'s network namespace: sock_diag
/// first, then /proc/PID/net/unix (also when the tracee is in another namespace, which
/// our netlink socket cannot see).
pub fn probe_unix_socket(pid: Pid, ino: u64) -> Option<UnixSocket> {
    match sockdiag::probe_unix_inode(ino) {
        Ok(s) => return Some(s),
        Err(sockdiag::SockDiagError::NotFound(_)) if same_netns(pid) => return None,
        Err(_) => {}
    }
    netunix::probe_net_unix(Some(pid))
        .ok()?
        .into_iter()
        .find(|s| s.inode == ino)
}

/// True when `pid` is in our network namespace (so our sock_diag socket sees its sockets).
pub fn same_netns(pid: Pid) -> bool {
    match (
        std::fs::read_link(format!("/proc/{pid}/ns/net")),
        std::fs::read_link("/proc/self/ns/net"),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Families other than AF_UNIX, by finding the inode in /proc/PID/net/* (column index
/// of the inode in each file).
const OTHER_FAMILIES: &[(&str, SockProto, usize)] = &[
    ("tcp", SockProto::Inet(InetProto::Tcp), 9),
    ("tcp6", SockProto::Inet(InetProto::Tcp6), 9),
    ("udp", SockProto::Inet(InetProto::Udp), 9),
    ("udp6", SockProto::Inet(InetProto::Udp6), 9),
    ("netlink", SockProto::Netlink, 9),
    ("udplite", SockProto::Inet(InetProto::UdpLite), 9),
    ("udplite6", SockProto::Inet(InetProto::UdpLite6), 9),
    ("raw", SockProto::Inet(InetProto::Raw), 9),
    ("raw6", SockProto::Inet(InetProto::Raw6), 9),
    ("packet", SockProto::Packet, 8),
];

fn probe_other_family(pid: Pid, ino: u64) -> Option<SockProto> {
    let want = ino.to_string();
    OTHER_FAMILIES.iter().find_map(|(file, label, col)| {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{file}")).ok()?;
        text.lines()
            .skip(1)
            .any(|l| l.split_whitespace().nth(*col) == Some(want.as_str()))
            .then_some(*label)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ByteString, SockKind, UnixName};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};

    fn me() -> Pid {
        std::process::id() as Pid
    }

    #[test]
    fn probe_identity_stream_pair_with_peer_path() {
        let path = std::env::temp_dir().join(format!("sockwhy-id-{}.sock", me()));
        let _ = std::fs::remove_file(&path);
        let l = UnixListener::bind(&path).unwrap();
        let c = UnixStream::connect(&path).unwrap();
        let (s, _) = l.accept().unwrap();
        let pb = UnixName::Path(path.as_os_str().as_bytes().into());

        let li = probe_fd_identity(me(), l.as_raw_fd()).unwrap();
        assert_eq!(li.proto, SockProto::Unix(SockKind::Stream));
        assert_eq!(li.path, pb);
        assert_eq!(li.peer, None);

        let ci = probe_fd_identity(me(), c.as_raw_fd()).unwrap();
        let si = probe_fd_identity(me(), s.as_raw_fd()).unwrap();
        assert_eq!(ci.peer, Some(si.inode));
        assert_eq!(si.peer, Some(ci.inode));
        assert_eq!(ci.path, UnixName::Unnamed);
        assert_eq!(ci.peer_path, pb, "client shows the server's path");
        assert_eq!(si.path, pb);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn probe_identity_abstract_dgram_and_other_kinds() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("sockwhy-id-{}", me());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let d = UnixDatagram::bind_addr(&addr).unwrap();
        let di = probe_fd_identity(me(), d.as_raw_fd()).unwrap();
        assert_eq!(di.proto, SockProto::Unix(SockKind::Dgram));
        assert_eq!(di.path, UnixName::Abstract(ByteString::from(name.as_str())));

        let f = std::fs::File::open("/proc/self/status").unwrap();
        let fi = probe_fd_identity(me(), f.as_raw_fd()).unwrap();
        assert_eq!(fi.proto, SockProto::File);
        assert!(fi.target.is_some());

        let t = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert_eq!(
            probe_fd_identity(me(), t.as_raw_fd()).unwrap().proto,
            SockProto::Inet(InetProto::Tcp)
        );
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert_eq!(
            probe_fd_identity(me(), u.as_raw_fd()).unwrap().proto,
            SockProto::Inet(InetProto::Udp)
        );

        assert_eq!(probe_fd_identity(me(), 99_999), None);
    }

    #[test]
    fn probe_identity_parse_socket_link() {
        assert_eq!(parse_socket_link(b"socket:[48213]"), Some(48213));
        assert_eq!(parse_socket_link(b"/dev/null"), None);
        assert_eq!(parse_socket_link(b"socket:[x]"), None);
    }
}
