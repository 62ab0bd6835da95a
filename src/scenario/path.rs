//! Failures of naming a socket by path or abstract name: nothing there, nothing listening,
//! something else there.

use super::common::{
    Helper, Scratch, addr, bind_expecting, connect_expecting, drop_privileges, expect_err,
    listener, say, setup, status, unix_socket,
};
use nix::errno::Errno;
use nix::sys::socket::{self, SockType, UnixAddr};
use std::os::fd::AsRawFd;

/// connect() to a path in a directory that does not exist.
pub(super) fn enoent(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("enoent")?;
    let path = dir.join("missing/app.sock");
    connect_expecting(&addr(&path)?, "", Errno::ENOENT)
}

/// connect() to a socket file left behind by a server that closed without unlinking it.
pub(super) fn econnrefused_stale(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("stale")?;
    let path = dir.join("app.sock");
    drop(listener(&path, SockType::Stream, 16)?);
    connect_expecting(&addr(&path)?, "server gone, file left", Errno::ECONNREFUSED)
}

/// connect() to a regular file.
pub(super) fn econnrefused_file(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("file")?;
    let path = dir.join("app.sock");
    setup(
        &format!("create {}", path.display()),
        std::fs::write(&path, b"not a socket\n"),
    )?;
    connect_expecting(&addr(&path)?, "a regular file", Errno::ECONNREFUSED)
}

/// connect() to an abstract name nobody bound.
pub(super) fn econnrefused_abstract(_args: &[String]) -> Result<i32, String> {
    let name = format!("sockwhy-nobody-{}", std::process::id());
    let a = setup("abstract address", UnixAddr::new_abstract(name.as_bytes()))?;
    connect_expecting(&a, "abstract, unbound", Errno::ECONNREFUSED)
}

/// bind() to a path where another process's server is listening.
pub(super) fn eaddrinuse(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("inuse")?;
    let path = dir.join("app.sock");
    let server = Helper::spawn(|side| {
        let Ok(_l) = listener(&path, SockType::Stream, 16) else {
            return 2;
        };
        side.ready();
        side.wait_stop();
        0
    })?;
    server.wait_ready()?;
    let code = bind_expecting(
        &addr(&path)?,
        "another process listens there",
        Errno::EADDRINUSE,
    )?;
    server.finish()?;
    Ok(code)
}

/// bind() to a path where a socket file from an earlier run is left.
pub(super) fn eaddrinuse_stale(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("inuse-stale")?;
    let path = dir.join("app.sock");
    drop(listener(&path, SockType::Stream, 16)?);
    bind_expecting(
        &addr(&path)?,
        "stale file, nobody listens",
        Errno::EADDRINUSE,
    )
}

/// connect(), as an unprivileged user, to a socket in a directory it may not search.
pub(super) fn eacces(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("eacces")?;
    let locked = dir.mkdir("private", 0o755)?;
    let path = locked.join("app.sock");
    let _l = listener(&path, SockType::Stream, 16)?;
    // Readable but not searchable: the name can be listed, not reached.
    dir.mkdir("private", 0o600)?;
    let worker = Helper::spawn(|_| {
        if let Err(e) = drop_privileges() {
            say(&e);
            return 2;
        }
        let Ok(fd) = unix_socket(SockType::Stream) else {
            return 2;
        };
        let Ok(a) = addr(&path) else { return 2 };
        let tried = format!(
            "connect to {} as uid {} (directory mode 0600)",
            path.display(),
            nix::unistd::getuid()
        );
        status(expect_err(
            &tried,
            socket::connect(fd.as_raw_fd(), &a),
            Errno::EACCES,
        ))
    })?;
    worker.finish()
}

/// connect() through a path whose middle component is a regular file.
pub(super) fn enotdir(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("enotdir")?;
    let file = dir.join("run");
    setup(
        &format!("create {}", file.display()),
        std::fs::write(&file, b"a file where a directory should be\n"),
    )?;
    let path = file.join("app.sock");
    connect_expecting(&addr(&path)?, "run is a regular file", Errno::ENOTDIR)
}

/// connect() to a symbolic link that points at itself.
pub(super) fn eloop(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("eloop")?;
    let path = dir.join("app.sock");
    setup(
        &format!("symlink {}", path.display()),
        std::os::unix::fs::symlink(&path, &path),
    )?;
    connect_expecting(&addr(&path)?, "a symlink to itself", Errno::ELOOP)
}

/// connect() to a symbolic link whose target has a 300-byte component: the only way to
/// get ENAMETOOLONG, since an over-long sun_path itself gives EINVAL.
pub(super) fn enametoolong(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("enametoolong")?;
    let path = dir.join("app.sock");
    let target = dir.join(&"x".repeat(300));
    setup(
        &format!("symlink {}", path.display()),
        std::os::unix::fs::symlink(&target, &path),
    )?;
    connect_expecting(
        &addr(&path)?,
        "a symlink to a 300-byte file name",
        Errno::ENAMETOOLONG,
    )
}

/// bind() to an abstract name another process holds.
pub(super) fn eaddrinuse_abstract(_args: &[String]) -> Result<i32, String> {
    let name = format!("sockwhy-taken-{}", std::process::id());
    let a = setup("abstract address", UnixAddr::new_abstract(name.as_bytes()))?;
    let server = Helper::spawn(|side| {
        let Ok(fd) = unix_socket(SockType::Stream) else {
            return 2;
        };
        if socket::bind(fd.as_raw_fd(), &a).is_err() {
            return 2;
        }
        side.ready();
        side.wait_stop();
        0
    })?;
    server.wait_ready()?;
    let code = bind_expecting(&a, "another process holds it", Errno::EADDRINUSE)?;
    server.finish()?;
    Ok(code)
}
