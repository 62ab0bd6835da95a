//! Limits: no descriptor left for an accepted connection, a datagram bigger than the
//! send buffer.

use super::common::{
    Scratch, addr, expect_err, expect_ok, listener, setup, status, unix_pair, unix_socket,
};
use nix::errno::Errno;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::socket::{self, MsgFlags, SockFlag, SockType};
use std::os::fd::AsRawFd;

/// Descriptor limit for the emfile scenario: small, but above what a process starts with.
const NOFILE: u64 = 32;

/// accept() when every descriptor the process may have is in use.
pub(super) fn emfile(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("emfile")?;
    let path = dir.join("app.sock");
    let l = listener(&path, SockType::Stream, 16)?;
    let client = unix_socket(SockType::Stream)?;
    let tried = format!("connect to {}", path.display());
    if expect_ok(&tried, socket::connect(client.as_raw_fd(), &addr(&path)?)).is_none() {
        return Ok(1);
    }
    setup(
        "setrlimit(RLIMIT_NOFILE)",
        setrlimit(Resource::RLIMIT_NOFILE, NOFILE, NOFILE),
    )?;
    // Use up every free descriptor, as a leaking server does.
    let mut leaked = Vec::new();
    while let Ok(f) = std::fs::File::open("/dev/null") {
        leaked.push(f);
        if leaked.len() > NOFILE as usize {
            break;
        }
    }
    let tried = format!(
        "accept a pending connection with all {NOFILE} descriptors in use ({} leaked)",
        leaked.len()
    );
    let ok = expect_err(&tried, socket::accept(l.as_raw_fd()), Errno::EMFILE);
    Ok(status(ok))
}

/// A 1 MiB datagram: more than the socket's send buffer can take at once.
pub(super) fn emsgsize(_args: &[String]) -> Result<i32, String> {
    let (a, _b) = unix_pair(SockType::Datagram, SockFlag::empty())?;
    let big = vec![0u8; 1 << 20];
    let ok = expect_err(
        "send a 1 MiB datagram",
        socket::send(a.as_raw_fd(), &big, MsgFlags::MSG_DONTWAIT),
        Errno::EMSGSIZE,
    );
    Ok(status(ok))
}
