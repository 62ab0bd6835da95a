//! Starting the traced program: resolve it, fork, let it stop itself, PTRACE_SEIZE it,
//! and let it exec under the seccomp filter.

use super::TraceError;
use super::child::{ChildPlan, fork_child};
use nix::sys::ptrace;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{AccessFlags, Pid as NixPid, access};
use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use syscalls::SysnoSet;

/// Find `cmd` the way execvp would: as given when it has a slash, else in $PATH.
pub fn resolve_command(cmd: &OsStr) -> Result<PathBuf, TraceError> {
    // Error text is escaped once, where it is shown (app::one_line).
    let not_found = || TraceError::NotFound(cmd.to_string_lossy().into_owned());
    if cmd.is_empty() {
        return Err(not_found());
    }
    let candidates: Vec<PathBuf> = if cmd.as_bytes().contains(&b'/') {
        vec![PathBuf::from(cmd)]
    } else {
        let path =
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
        std::env::split_paths(&path).map(|d| d.join(cmd)).collect()
    };
    let mut found_not_exec = None;
    for c in candidates {
        match std::fs::metadata(&c) {
            Ok(m) if m.is_file() => {
                if access(&c, AccessFlags::X_OK).is_ok() {
                    return Ok(c);
                }
                found_not_exec.get_or_insert(c);
            }
            Ok(_) => {
                found_not_exec.get_or_insert(c);
            }
            Err(_) => {}
        }
    }
    match found_not_exec {
        Some(c) => Err(TraceError::NotExecutable(c.display().to_string())),
        None => Err(not_found()),
    }
}

/// A started, seized child.
pub struct Spawned {
    /// Its pid.
    pub pid: i32,
    /// Master side of its pseudo-terminal, when it has one.
    pub pty_master: Option<File>,
    /// Read end of the pipe the child writes its exec errno to (see `read_exec_error`).
    pub exec_error: OwnedFd,
}

/// Start `argv` stopped, seize it with `options`, and let it run to its exec.
pub fn spawn(
    argv: &[OsString],
    options: ptrace::Options,
    filter: Option<&SysnoSet>,
    unix_only: bool,
    pty: bool,
    sigmask: libc::sigset_t,
) -> Result<Spawned, TraceError> {
    let path = resolve_command(&argv[0])?;
    let cpath = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| TraceError::NotFound(argv[0].to_string_lossy().into_owned()))?;
    let cargs = argv
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| TraceError::Spawn("an argument holds a NUL byte".into()))?;
    let (master, slave) = if pty {
        let p = nix::pty::openpty(None, None)
            .map_err(|e| TraceError::Spawn(format!("openpty: {e}")))?;
        set_cloexec(&p.master);
        (Some(p.master), Some(p.slave))
    } else {
        (None, None)
    };
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| TraceError::Spawn(format!("pipe: {e}")))?;
    let plan = ChildPlan::new(
        cpath,
        cargs,
        filter.map(|f| super::seccomp::build_filter(f, unix_only)),
        sigmask,
        slave.as_ref().map(|s| s.as_raw_fd()),
        err_w.as_raw_fd(),
    );
    let pid = fork_child(&plan).map_err(|e| TraceError::Spawn(format!("fork: {e}")))?;
    drop(err_w);
    drop(slave);
    let npid = NixPid::from_raw(pid);
    // The child stops itself before exec; seize it there so we see its exec and everything after.
    match waitpid(npid, Some(WaitPidFlag::WSTOPPED)) {
        Ok(WaitStatus::Stopped(_, Signal::SIGSTOP)) => {}
        Ok(other) => {
            return Err(TraceError::Spawn(format!(
                "child did not stop as expected: {other:?}"
            )));
        }
        Err(e) => return Err(TraceError::Spawn(format!("waitpid: {e}"))),
    }
    if let Err(e) = ptrace::seize(npid, options) {
        let _ = kill(npid, Signal::SIGKILL);
        let _ = waitpid(npid, None);
        return Err(TraceError::Ptrace(format!(
            "PTRACE_SEIZE of the new child failed: {e}"
        )));
    }
    let _ = kill(npid, Signal::SIGCONT);
    Ok(Spawned {
        pid,
        pty_master: master.map(File::from),
        exec_error: err_r,
    })
}

/// If the child failed to exec, why: read once it has exited, from the error pipe that
/// a successful exec closed (CLOEXEC).
pub fn read_exec_error(pipe: OwnedFd) -> Option<std::io::Error> {
    let mut f = File::from(pipe);
    let mut buf = [0u8; 4];
    use std::io::Read;
    match f.read(&mut buf) {
        Ok(4) => Some(std::io::Error::from_raw_os_error(i32::from_ne_bytes(buf))),
        _ => None,
    }
}

fn set_cloexec(fd: &OwnedFd) {
    use nix::fcntl::{FcntlArg, FdFlag, fcntl};
    let _ = fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC));
}

/// Tell the tracee's terminal its size.
pub fn resize_pty(master: &File, rows: u16, cols: u16) {
    nix::ioctl_write_ptr_bad!(set_winsize, libc::TIOCSWINSZ, libc::winsize);
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    #[allow(unsafe_code)]
    // SAFETY: TIOCSWINSZ reads one winsize from the pointer, which is valid.
    let _ = unsafe { set_winsize(master.as_raw_fd(), &ws) };
}
