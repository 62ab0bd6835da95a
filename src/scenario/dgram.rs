//! Datagram sockets: a destination that talks only to its own peer, and a connected peer
//! that closes.

use super::common::{Scratch, addr, expect_err, setup, status, unix_pair, unix_socket};
use nix::errno::Errno;
use nix::sys::socket::{self, MsgFlags, SockFlag, SockType};
use std::os::fd::AsRawFd;

/// sendto() a datagram socket that is connected to another socket.
pub(super) fn eperm_dgram(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("eperm-dgram")?;
    let (server_path, peer_path) = (dir.join("server.sock"), dir.join("peer.sock"));
    let server = unix_socket(SockType::Datagram)?;
    setup(
        "bind",
        socket::bind(server.as_raw_fd(), &addr(&server_path)?),
    )?;
    let peer = unix_socket(SockType::Datagram)?;
    setup("bind", socket::bind(peer.as_raw_fd(), &addr(&peer_path)?))?;
    setup(
        "connect",
        socket::connect(server.as_raw_fd(), &addr(&peer_path)?),
    )?;
    let fd = unix_socket(SockType::Datagram)?;
    let tried = format!(
        "sendto {} (connected to {})",
        server_path.display(),
        peer_path.display()
    );
    let ok = expect_err(
        &tried,
        socket::sendto(
            fd.as_raw_fd(),
            b"hello\n",
            &addr(&server_path)?,
            MsgFlags::empty(),
        ),
        Errno::EPERM,
    );
    Ok(status(ok))
}

/// send() on a connected datagram pair after the peer closed: ECONNREFUSED, then the
/// socket is disconnected and the next send gets ENOTCONN.
pub(super) fn econnrefused_dgram(_args: &[String]) -> Result<i32, String> {
    let (a, b) = unix_pair(SockType::Datagram, SockFlag::empty())?;
    drop(b);
    let first = expect_err(
        "send on a datagram socket whose peer closed",
        socket::send(a.as_raw_fd(), b"hello\n", MsgFlags::empty()),
        Errno::ECONNREFUSED,
    );
    let second = expect_err(
        "send again",
        socket::send(a.as_raw_fd(), b"hello\n", MsgFlags::empty()),
        Errno::ENOTCONN,
    );
    Ok(status(first && second))
}
