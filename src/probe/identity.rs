//! Which socket a tracee fd is (strace -yy): /proc/PID/fd, then sock_diag or /proc/net/unix.
//!
//! A full lookup costs a readlink and one sock_diag query by inode (two when the socket
//! has a peer, for the peer's path). The pieces are public so the tracer can skip what it
//! already knows: the inode of a socket it saw created, the answer for an inode it asked
//! about before (tracer/socktable.rs).

use super::{netunix, sockdiag};
use crate::model::facts::UnixSocket;
use crate::model::{ByteString, Fd, InetProto, Pid, SockId, SockKind, SockProto, UnixName};
use std::os::unix::ffi::OsStrExt;

/// Look up the identity of `fd` in process `pid`. None when the fd is not open.
pub fn probe_fd_identity(pid: Pid, fd: Fd) -> Option<SockId> {
    match probe_fd_link(pid, fd)? {
        FdLink::Socket(ino) => Some(probe_socket_identity(pid, fd, ino)),
        FdLink::Other(target) => Some(file_identity(fd, target)),
    }
}

/// What /proc/PID/fd/FD points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FdLink {
    /// A socket, with its inode.
    Socket(u64),
    /// Anything else: the link's target.
    Other(ByteString),
}

/// Read the /proc/PID/fd/FD link (one readlink). None when the fd is not open.
pub fn probe_fd_link(pid: Pid, fd: Fd) -> Option<FdLink> {
    let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
    let link = link.as_os_str().as_bytes();
    Some(match parse_socket_link(link) {
        Some(ino) => FdLink::Socket(ino),
        None => FdLink::Other(link.into()),
    })
}

/// The identity of a non-socket fd: its link target.
pub fn file_identity(fd: Fd, target: ByteString) -> SockId {
    SockId {
        target: Some(target),
        ..SockId::new(fd, SockProto::File, 0)
    }
}

/// The identity of the socket with inode `ino` behind `fd`: an AF_UNIX one from sock_diag
/// (and its peer's name), another family's from /proc/PID/net.
pub fn probe_socket_identity(pid: Pid, fd: Fd, ino: u64) -> SockId {
    if let Some(u) = probe_unix_socket(pid, ino) {
        let peer_path = u
            .peer
            .filter(|&p| p != 0)
            .and_then(|p| probe_unix_socket(pid, p))
            .map(|p| p.name)
            .unwrap_or_default();
        return unix_identity(fd, &u, peer_path);
    }
    other_family_identity(pid, fd, ino)
}

/// The identity of a socket that is not AF_UNIX (or that neither sock_diag nor
/// /proc/net/unix knows): its family from /proc/PID/net, `socket` when none says.
pub fn other_family_identity(pid: Pid, fd: Fd, ino: u64) -> SockId {
    let proto = probe_other_family(pid, ino).unwrap_or(SockProto::Socket);
    SockId::new(fd, proto, ino)
}

/// The identity of an AF_UNIX socket from what sock_diag (or /proc/net/unix) said of it,
/// and the bound name of its peer. A peer without an inode (closed, or a connection still
/// in the accept queue) is no peer.
pub fn unix_identity(fd: Fd, u: &UnixSocket, peer_path: UnixName) -> SockId {
    SockId {
        peer: u.peer.filter(|&p| p != 0),
        path: u.name.clone(),
        peer_path,
        ..SockId::new(fd, SockProto::Unix(u.kind), u.inode)
    }
}

/// The identity of an AF_UNIX socket that socket() or socketpair() has just made: no
/// name, and the peer (socketpair's other end, which has no name either) when given.
/// What sock_diag would say of it, without asking.
pub fn new_unix_identity(fd: Fd, ino: u64, kind: SockKind, peer: Option<u64>) -> SockId {
    SockId {
        peer,
        ..SockId::new(fd, SockProto::Unix(kind), ino)
    }
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
    let ours = super::ns::our_namespaces().net;
    ours.is_some() && super::ns::ns_inode(pid, crate::model::facts::NsKind::Net) == ours
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
