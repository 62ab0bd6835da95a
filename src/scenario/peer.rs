//! The other end goes away: a peer process that exits with our data unread, or before we
//! write.

use super::common::{Helper, expect_err, setup, status, unix_pair};
use nix::errno::Errno;
use nix::sys::socket::{self, MsgFlags, SockFlag, SockType};
use std::os::fd::{AsRawFd, OwnedFd};

/// A connected stream pair whose second end lives in a forked peer process that waits
/// until told to exit.
fn pair_with_peer() -> Result<(OwnedFd, Helper), String> {
    let (ours, theirs) = unix_pair(SockType::Stream, SockFlag::empty())?;
    let peer = Helper::spawn(|side| {
        side.ready();
        side.wait_stop();
        // Exiting closes `theirs` without reading what it was sent.
        0
    })?;
    drop(theirs);
    peer.wait_ready()?;
    Ok((ours, peer))
}

/// The peer exits with our request unread; then we read.
pub(super) fn econnreset(_args: &[String]) -> Result<i32, String> {
    let (fd, peer) = pair_with_peer()?;
    setup(
        "send request",
        socket::send(fd.as_raw_fd(), b"request\n", MsgFlags::MSG_NOSIGNAL),
    )?;
    peer.finish()?;
    let mut buf = [0u8; 64];
    let ok = expect_err(
        "recv after the peer exited with our request unread",
        socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()),
        Errno::ECONNRESET,
    );
    Ok(status(ok))
}

/// The peer exits; then we write (MSG_NOSIGNAL, so no SIGPIPE ends us).
pub(super) fn epipe(_args: &[String]) -> Result<i32, String> {
    let (fd, peer) = pair_with_peer()?;
    peer.finish()?;
    let ok = expect_err(
        "send (MSG_NOSIGNAL) after the peer process exited",
        socket::send(fd.as_raw_fd(), b"request\n", MsgFlags::MSG_NOSIGNAL),
        Errno::EPIPE,
    );
    Ok(status(ok))
}
