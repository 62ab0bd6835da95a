//! The default demo: a client looking for its daemon the way real programs do. The
//! daemon crashed and left its socket file (ECONNREFUSED); the client's fallback path is
//! wrong (ENOENT); the daemon is restarted, removes the stale file, and the client gets
//! its answer.

use super::common::{
    Helper, Scratch, addr, expect_err, expect_ok, listener, say, setup, status, unix_socket,
};
use nix::errno::Errno;
use nix::sys::socket::{self, MsgFlags, SockType};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

pub(super) fn daemon(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("daemon")?;
    dir.mkdir("run", 0o755)?;
    let path = dir.join("run/appd.sock");
    let fallback = dir.join("var/run/appd.sock");

    // The first daemon starts, then dies without cleaning up.
    let old = Helper::spawn(|side| {
        let Ok(_l) = listener(&path, SockType::Stream, 16) else {
            return 2;
        };
        side.ready();
        say("appd: listening, then crashing without removing its socket");
        3
    })?;
    old.wait_ready()?;
    old.finish()?;

    let c1 = unix_socket(SockType::Stream)?;
    let refused = expect_err(
        &format!("client: connect to {}", path.display()),
        socket::connect(c1.as_raw_fd(), &addr(&path)?),
        Errno::ECONNREFUSED,
    );
    drop(c1);

    let c2 = unix_socket(SockType::Stream)?;
    let missing = expect_err(
        &format!("client: fall back to {}", fallback.display()),
        socket::connect(c2.as_raw_fd(), &addr(&fallback)?),
        Errno::ENOENT,
    );
    drop(c2);

    // The restarted daemon removes the stale file first, as a careful server does.
    let new = Helper::spawn(|side| match serve_once(&path, || side.ready()) {
        Ok(()) => 0,
        Err(e) => {
            say(&format!("appd: {e}"));
            1
        }
    })?;
    new.wait_ready()?;
    say("appd restarted");

    let c3 = unix_socket(SockType::Stream)?;
    let answered = expect_ok(
        &format!("client: retry {}", path.display()),
        socket::connect(c3.as_raw_fd(), &addr(&path)?),
    )
    .is_some()
        && ask(&c3)?;
    let server_ok = new.finish()? == 0;
    Ok(status(refused && missing && answered && server_ok))
}

/// Remove a stale socket file, listen, answer one PING with PONG.
fn serve_once(path: &Path, ready: impl FnOnce()) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => say(&format!("appd: removed stale {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("remove {}: {e}", path.display())),
    }
    let l = listener(path, SockType::Stream, 16)?;
    ready();
    let conn = setup("accept", socket::accept(l.as_raw_fd()))?;
    let mut buf = [0u8; 64];
    let n = setup("recv", socket::recv(conn, &mut buf, MsgFlags::empty()))?;
    if &buf[..n] == b"PING\n" {
        setup("send", socket::send(conn, b"PONG\n", MsgFlags::empty()))?;
    }
    setup("close", nix::unistd::close(conn))?;
    Ok(())
}

/// Send PING, expect PONG.
fn ask(fd: &OwnedFd) -> Result<bool, String> {
    setup(
        "send PING",
        socket::send(fd.as_raw_fd(), b"PING\n", MsgFlags::empty()),
    )?;
    let mut buf = [0u8; 64];
    let n = setup(
        "recv",
        socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()),
    )?;
    let ok = &buf[..n] == b"PONG\n";
    say(if ok {
        "client: the daemon answered PONG"
    } else {
        "client: unexpected answer"
    });
    Ok(ok)
}
