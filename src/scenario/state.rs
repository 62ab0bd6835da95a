//! Calls made on a socket in the wrong state, or with the wrong kind of address or peer:
//! not connected, already connected, not bound, wrong family, wrong type, queue full.

use super::common::{
    Scratch, addr, expect_err, expect_ok, listener, setup, status, unix_pair, unix_socket,
};
use super::sys;
use nix::errno::Errno;
use nix::sys::socket::{self, AddressFamily, Backlog, MsgFlags, SockFlag, SockType};
use std::os::fd::{AsFd, AsRawFd};

/// send() on a stream socket that never connected.
pub(super) fn enotconn(_args: &[String]) -> Result<i32, String> {
    let fd = unix_socket(SockType::Stream)?;
    let ok = expect_err(
        "send on a stream socket that never connected",
        socket::send(fd.as_raw_fd(), b"hello\n", MsgFlags::MSG_NOSIGNAL),
        Errno::ENOTCONN,
    );
    Ok(status(ok))
}

/// connect() twice on the same stream socket.
pub(super) fn eisconn(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("eisconn")?;
    let path = dir.join("app.sock");
    let _l = listener(&path, SockType::Stream, 16)?;
    let fd = unix_socket(SockType::Stream)?;
    let a = addr(&path)?;
    let first = format!("connect to {}", path.display());
    if expect_ok(&first, socket::connect(fd.as_raw_fd(), &a)).is_none() {
        return Ok(1);
    }
    let ok = expect_err(
        &format!("connect again to {}", path.display()),
        socket::connect(fd.as_raw_fd(), &a),
        Errno::EISCONN,
    );
    Ok(status(ok))
}

/// listen() on a stream socket that was never bound.
pub(super) fn einval_listen(_args: &[String]) -> Result<i32, String> {
    let fd = unix_socket(SockType::Stream)?;
    let backlog = setup("backlog", Backlog::new(16))?;
    let ok = expect_err(
        "listen on a stream socket that was never bound",
        socket::listen(&fd, backlog),
        Errno::EINVAL,
    );
    Ok(status(ok))
}

/// connect() an AF_UNIX socket to an AF_INET address.
pub(super) fn einval_family(_args: &[String]) -> Result<i32, String> {
    let fd = unix_socket(SockType::Stream)?;
    // A sockaddr_in for 127.0.0.1:9, as a program mixing up its address structs passes it.
    let family = u16::try_from(libc::AF_INET).map_err(|e| e.to_string())?;
    let mut inet = family.to_ne_bytes().to_vec();
    inet.extend_from_slice(&9u16.to_be_bytes());
    inet.extend_from_slice(&[127, 0, 0, 1]);
    inet.extend_from_slice(&[0; 8]);
    let ok = expect_err(
        "connect an AF_UNIX socket to 127.0.0.1:9 (sun_family AF_INET)",
        sys::connect_bytes(fd.as_fd(), &inet),
        Errno::EINVAL,
    );
    Ok(status(ok))
}

/// connect() with a sun_path of 120 bytes, longer than the 108 it holds.
pub(super) fn einval_long_path(_args: &[String]) -> Result<i32, String> {
    const PATH_LEN: usize = 120;
    let dir = Scratch::new("longpath")?;
    let mut path = dir.join("").display().to_string();
    while path.len() < PATH_LEN {
        path.push('a');
    }
    // A sockaddr_un laid out by hand: sun_family, then the whole path (no NUL needed).
    let family = u16::try_from(libc::AF_UNIX).map_err(|e| e.to_string())?;
    let mut raw = family.to_ne_bytes().to_vec();
    raw.extend_from_slice(path.as_bytes());
    let fd = unix_socket(SockType::Stream)?;
    let tried = format!(
        "connect with a {}-byte sun_path (limit 108), addrlen {}",
        path.len(),
        raw.len()
    );
    let ok = expect_err(&tried, sys::connect_bytes(fd.as_fd(), &raw), Errno::EINVAL);
    Ok(status(ok))
}

/// sendto() with a destination address on a stream socket that is not connected.
pub(super) fn eopnotsupp(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("eopnotsupp")?;
    let path = dir.join("app.sock");
    let _l = listener(&path, SockType::Stream, 16)?;
    let fd = unix_socket(SockType::Stream)?;
    let tried = format!("sendto {} on an unconnected stream socket", path.display());
    let ok = expect_err(
        &tried,
        socket::sendto(
            fd.as_raw_fd(),
            b"hello\n",
            &addr(&path)?,
            MsgFlags::MSG_NOSIGNAL,
        ),
        Errno::EOPNOTSUPP,
    );
    Ok(status(ok))
}

/// send(MSG_OOB) on a datagram socket.
pub(super) fn eopnotsupp_oob(_args: &[String]) -> Result<i32, String> {
    let (a, _b) = unix_pair(SockType::Datagram, SockFlag::empty())?;
    let ok = expect_err(
        "send with MSG_OOB on a datagram socket",
        socket::send(a.as_raw_fd(), b"!", MsgFlags::MSG_OOB),
        Errno::EOPNOTSUPP,
    );
    Ok(status(ok))
}

/// connect() a datagram socket to a stream listener.
pub(super) fn eprototype(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("eprototype")?;
    let path = dir.join("app.sock");
    let _l = listener(&path, SockType::Stream, 16)?;
    let fd = unix_socket(SockType::Datagram)?;
    let tried = format!(
        "connect a datagram socket to {} (a stream listener)",
        path.display()
    );
    let ok = expect_err(
        &tried,
        socket::connect(fd.as_raw_fd(), &addr(&path)?),
        Errno::EPROTOTYPE,
    );
    Ok(status(ok))
}

/// Two non-blocking connects to a listener with backlog 0 that never accepts.
pub(super) fn eagain(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("eagain")?;
    let path = dir.join("app.sock");
    let _l = listener(&path, SockType::Stream, 0)?;
    let a = addr(&path)?;
    let nonblocking = || {
        setup(
            "socket(AF_UNIX, SOCK_NONBLOCK)",
            socket::socket(
                AddressFamily::Unix,
                SockType::Stream,
                SockFlag::SOCK_NONBLOCK,
                None,
            ),
        )
    };
    let first = nonblocking()?;
    let tried = format!("non-blocking connect to {} (backlog 0)", path.display());
    if expect_ok(&tried, socket::connect(first.as_raw_fd(), &a)).is_none() {
        return Ok(1);
    }
    let second = nonblocking()?;
    let tried = format!(
        "second non-blocking connect to {} (queue full, nobody accepts)",
        path.display()
    );
    let ok = expect_err(
        &tried,
        socket::connect(second.as_raw_fd(), &a),
        Errno::EAGAIN,
    );
    Ok(status(ok))
}

/// connect() on a descriptor that is a file, not a socket.
pub(super) fn enotsock(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("enotsock")?;
    let path = dir.join("app.sock");
    let _l = listener(&path, SockType::Stream, 16)?;
    let file = setup("open /dev/null", std::fs::File::open("/dev/null"))?;
    let tried = format!(
        "connect fd {} (/dev/null) to {}",
        file.as_raw_fd(),
        path.display()
    );
    let ok = expect_err(
        &tried,
        socket::connect(file.as_raw_fd(), &addr(&path)?),
        Errno::ENOTSOCK,
    );
    Ok(status(ok))
}

/// A non-blocking recv() with nothing queued.
pub(super) fn eagain_recv(_args: &[String]) -> Result<i32, String> {
    let (a, _b) = unix_pair(SockType::Stream, SockFlag::SOCK_NONBLOCK)?;
    let mut buf = [0u8; 64];
    let ok = expect_err(
        "recv on a non-blocking socket with nothing queued",
        socket::recv(a.as_raw_fd(), &mut buf, MsgFlags::empty()),
        Errno::EAGAIN,
    );
    Ok(status(ok))
}
