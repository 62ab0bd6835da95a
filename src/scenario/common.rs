//! What the scenarios share: a scratch directory, forked helper processes, dropping root,
//! and the one line each attempt prints.

use super::sys::{self, Forked};
use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::sys::socket::{self, AddressFamily, Backlog, SockFlag, SockType, UnixAddr};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{Gid, Pid, Uid};
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The unprivileged user and group the scenarios drop to (`nobody`/`nogroup`).
pub(crate) const NOBODY: u32 = 65534;

/// The errno's name (`ENOENT`), as a trace writes it.
pub(crate) fn errno_name(e: Errno) -> String {
    crate::model::NameSet::to_name(crate::model::Errno::new(e as i32)).into_owned()
}

/// Print `tried` and the kernel's answer; true when the call failed with `want`.
pub(crate) fn expect_err<T>(tried: &str, res: Result<T, Errno>, want: Errno) -> bool {
    let want_name = errno_name(want);
    match res {
        Ok(_) => say(&format!("{tried}: succeeded (expected {want_name})")),
        Err(e) => say(&format!(
            "{tried}: got {} (expected {want_name})",
            errno_name(e)
        )),
    }
    matches!(res, Err(e) if e == want)
}

/// Print `tried` and the kernel's answer; the value when the call succeeded.
pub(crate) fn expect_ok<T>(tried: &str, res: Result<T, Errno>) -> Option<T> {
    match res {
        Ok(v) => {
            say(&format!("{tried}: ok"));
            Some(v)
        }
        Err(e) => {
            say(&format!(
                "{tried}: got {} (expected success)",
                errno_name(e)
            ));
            None
        }
    }
}

/// One line on stdout, flushed at once so a forked process's lines keep their order.
pub(crate) fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The exit code for "the kernel did what we wanted".
pub(crate) fn status(ok: bool) -> i32 {
    if ok { 0 } else { 1 }
}

/// A setup step that must work for the scenario to mean anything.
pub(crate) fn setup<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| format!("{what}: {e}"))
}

/// A fresh directory under the system temp dir, removed (with everything in it) on drop
/// by the process that made it.
pub(crate) struct Scratch {
    path: PathBuf,
    owner: Pid,
}

impl Scratch {
    /// Make `$TMPDIR/sockwhy-TAG-PID-N`, world-searchable so a process that dropped root
    /// can reach what is inside.
    pub(crate) fn new(tag: &str) -> Result<Scratch, String> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let base = std::env::temp_dir();
        let pid = std::process::id();
        for n in 0..100 {
            let path = base.join(format!("sockwhy-{tag}-{pid}-{n}"));
            match std::fs::DirBuilder::new().mode(0o755).create(&path) {
                Ok(()) => {
                    // The umask may have taken bits away; the mode matters for dropped privileges.
                    let perm = std::fs::Permissions::from_mode(0o755);
                    setup("chmod scratch dir", std::fs::set_permissions(&path, perm))?;
                    return Ok(Scratch {
                        path,
                        owner: nix::unistd::getpid(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(format!("create {}: {e}", path.display())),
            }
        }
        Err(format!(
            "no free scratch directory name in {}",
            base.display()
        ))
    }

    /// A path inside the directory.
    pub(crate) fn join(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// Make a subdirectory with `mode`.
    pub(crate) fn mkdir(&self, rel: &str, mode: u32) -> Result<PathBuf, String> {
        use std::os::unix::fs::PermissionsExt;
        let p = self.join(rel);
        setup(
            &format!("mkdir {}", p.display()),
            std::fs::create_dir_all(&p),
        )?;
        let perm = std::fs::Permissions::from_mode(mode);
        setup(
            &format!("chmod {}", p.display()),
            std::fs::set_permissions(&p, perm),
        )?;
        Ok(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // A forked child shares the struct but must not delete the parent's files.
        if nix::unistd::getpid() != self.owner {
            return;
        }
        // Give back search permission taken away by a scenario, so the walk can descend.
        restore_modes(&self.path);
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn restore_modes(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                restore_modes(&e.path());
            }
        }
    }
}

/// A new AF_UNIX socket of `ty`.
pub(crate) fn unix_socket(ty: SockType) -> Result<OwnedFd, String> {
    setup(
        "socket(AF_UNIX)",
        socket::socket(AddressFamily::Unix, ty, SockFlag::empty(), None),
    )
}

/// A connected AF_UNIX pair of `ty`, with `flags` (SOCK_NONBLOCK...).
pub(crate) fn unix_pair(ty: SockType, flags: SockFlag) -> Result<(OwnedFd, OwnedFd), String> {
    setup(
        "socketpair(AF_UNIX)",
        socket::socketpair(AddressFamily::Unix, ty, None, flags),
    )
}

/// The address of a filesystem socket path.
pub(crate) fn addr(path: &Path) -> Result<UnixAddr, String> {
    setup(&format!("address {}", path.display()), UnixAddr::new(path))
}

/// What the scenario tried, with a note on what is at the address (`connect to P (note)`).
fn attempt(verb: &str, a: &UnixAddr, note: &str) -> String {
    if note.is_empty() {
        format!("{verb} to {a}")
    } else {
        format!("{verb} to {a} ({note})")
    }
}

/// connect() a new stream socket to `a`; the exit code for "it failed with `want`".
pub(crate) fn connect_expecting(a: &UnixAddr, note: &str, want: Errno) -> Result<i32, String> {
    let fd = unix_socket(SockType::Stream)?;
    let res = socket::connect(fd.as_raw_fd(), a);
    Ok(status(expect_err(&attempt("connect", a, note), res, want)))
}

/// bind() a new stream socket to `a`; the exit code for "it failed with `want`".
pub(crate) fn bind_expecting(a: &UnixAddr, note: &str, want: Errno) -> Result<i32, String> {
    let fd = unix_socket(SockType::Stream)?;
    let res = socket::bind(fd.as_raw_fd(), a);
    Ok(status(expect_err(&attempt("bind", a, note), res, want)))
}

/// A socket of `ty` bound to `path` and listening with `backlog`.
pub(crate) fn listener(path: &Path, ty: SockType, backlog: i32) -> Result<OwnedFd, String> {
    let fd = unix_socket(ty)?;
    let a = addr(path)?;
    setup(
        &format!("bind {}", path.display()),
        socket::bind(fd.as_raw_fd(), &a),
    )?;
    let backlog = setup("backlog", Backlog::new(backlog))?;
    setup(
        &format!("listen {}", path.display()),
        socket::listen(&fd, backlog),
    )?;
    Ok(fd)
}

/// Become `nobody`/`nogroup` with no supplementary groups and, as a consequence of leaving
/// uid 0, no capabilities. A no-op when not running as root (already unprivileged).
pub(crate) fn drop_privileges() -> Result<(), String> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(());
    }
    setup("setgroups([])", nix::unistd::setgroups(&[]))?;
    setup("setgid(65534)", nix::unistd::setgid(Gid::from_raw(NOBODY)))?;
    setup("setuid(65534)", nix::unistd::setuid(Uid::from_raw(NOBODY)))?;
    Ok(())
}

/// The half of a helper process's pipes the helper keeps.
pub(crate) struct HelperSide {
    ready: Option<OwnedFd>,
    stop: OwnedFd,
}

impl HelperSide {
    /// Tell the parent we are set up (listening, bound...).
    pub(crate) fn ready(&mut self) {
        if let Some(fd) = self.ready.take() {
            let _ = nix::unistd::write(&fd, b"r");
        }
    }

    /// Block until the parent tells us to go (it finished or closed its end).
    pub(crate) fn wait_stop(&self) {
        let mut b = [0u8; 1];
        while let Err(Errno::EINTR) = nix::unistd::read(self.stop.as_fd(), &mut b) {}
    }

    /// True once the parent has told us to go, without blocking.
    pub(crate) fn stop_requested(&self) -> bool {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        let mut fds = [PollFd::new(self.stop.as_fd(), PollFlags::POLLIN)];
        // Readable means end-of-file: the parent closed its end.
        matches!(poll(&mut fds, PollTimeout::ZERO), Ok(n) if n > 0)
    }
}

/// A forked helper (a server, or a worker that drops privileges), with a pipe each way:
/// `ready` from helper to parent, `stop` from parent to helper.
pub(crate) struct Helper {
    pid: Option<Pid>,
    ready: OwnedFd,
    stop: Option<OwnedFd>,
}

impl Helper {
    /// Fork; the child runs `f` and exits with its code.
    pub(crate) fn spawn(f: impl FnOnce(&mut HelperSide) -> i32) -> Result<Helper, String> {
        let (ready_r, ready_w) = setup("pipe", nix::unistd::pipe())?;
        let (stop_r, stop_w) = setup("pipe", nix::unistd::pipe())?;
        match sys::fork()? {
            Forked::Child => {
                drop(ready_r);
                drop(stop_w);
                let mut side = HelperSide {
                    ready: Some(ready_w),
                    stop: stop_r,
                };
                let code = f(&mut side);
                let _ = std::io::stdout().flush();
                std::process::exit(code);
            }
            Forked::Parent(pid) => Ok(Helper {
                pid: Some(pid),
                ready: ready_r,
                stop: Some(stop_w),
            }),
        }
    }

    /// Wait until the helper said it is ready; an error if it exited first.
    pub(crate) fn wait_ready(&self) -> Result<(), String> {
        let mut b = [0u8; 1];
        loop {
            match nix::unistd::read(self.ready.as_fd(), &mut b) {
                Ok(1) => return Ok(()),
                Ok(_) => return Err("helper process exited before it was ready".to_owned()),
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(format!("read from helper: {e}")),
            }
        }
    }

    /// Let the helper go on and wait for it; its exit code (128+signal if killed). A helper
    /// still running after [`HELPER_GRACE`] (say, a server whose client never came) is killed
    /// and reported as an error, so a scenario that went wrong cannot hang.
    pub(crate) fn finish(mut self) -> Result<i32, String> {
        self.stop = None;
        let pid = self.pid.take().ok_or("helper already reaped")?;
        let deadline = Instant::now() + HELPER_GRACE;
        loop {
            match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(WaitStatus::StillAlive) => {
                    let _ = kill(pid, Signal::SIGKILL);
                    let _ = reap(pid);
                    return Err(format!("helper process {pid} did not finish; killed it"));
                }
                Ok(WaitStatus::Exited(_, code)) => return Ok(code),
                Ok(WaitStatus::Signaled(_, sig, _)) => return Ok(128 + sig as i32),
                Ok(_) | Err(Errno::EINTR) => continue,
                Err(e) => return Err(format!("waitpid {pid}: {e}")),
            }
        }
    }
}

/// How long a helper may take to exit once told to.
const HELPER_GRACE: Duration = Duration::from_secs(10);

impl Drop for Helper {
    /// Only reached on an error path: the helper may be blocked on something that will never
    /// come, so end it rather than wait.
    fn drop(&mut self) {
        self.stop = None;
        if let Some(pid) = self.pid.take() {
            let _ = kill(pid, Signal::SIGKILL);
            let _ = reap(pid);
        }
    }
}

fn reap(pid: Pid) -> Result<i32, String> {
    loop {
        match waitpid(pid, None) {
            Ok(WaitStatus::Exited(_, code)) => return Ok(code),
            Ok(WaitStatus::Signaled(_, sig, _)) => return Ok(128 + sig as i32),
            Ok(_) => continue,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(format!("waitpid {pid}: {e}")),
        }
    }
}
