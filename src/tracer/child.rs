//! The spawned child between fork and exec.
//!
//! Everything the child needs is prepared before fork (C strings, the argv pointer
//! array, the filter), because after fork in a threaded process only async-signal-safe
//! calls are allowed: no allocation, no locks. Hence raw libc calls here.
#![allow(unsafe_code)]

use super::seccomp::Insn;
use std::ffi::CString;

/// Everything the child does, prepared in the parent.
pub struct ChildPlan {
    path: CString,
    argv: Vec<CString>,
    argv_ptrs: Vec<*const libc::c_char>,
    filter: Option<Vec<Insn>>,
    no_new_privs: bool,
    sigmask: libc::sigset_t,
    pty_slave: Option<i32>,
    err_pipe: i32,
}

impl ChildPlan {
    /// Prepare to exec `path` with `argv`; `filter` is installed just before exec.
    pub fn new(
        path: CString,
        argv: Vec<CString>,
        filter: Option<Vec<Insn>>,
        sigmask: libc::sigset_t,
        pty_slave: Option<i32>,
        err_pipe: i32,
    ) -> Self {
        let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
        argv_ptrs.push(std::ptr::null());
        // Without CAP_SYS_ADMIN the kernel only accepts a filter under no_new_privs.
        // As root we leave it off, so a traced setuid program behaves as untraced.
        let no_new_privs = filter.is_some() && !nix::unistd::geteuid().is_root();
        ChildPlan {
            path,
            argv,
            argv_ptrs,
            filter,
            no_new_privs,
            sigmask,
            pty_slave,
            err_pipe,
        }
    }

    /// Run in the child after fork: never returns. Stops itself with SIGSTOP so the
    /// parent can PTRACE_SEIZE it, then installs the filter and execs. On failure it
    /// writes errno to the error pipe and exits 127.
    pub fn exec(&self) -> ! {
        let _ = &self.argv; // the pointers in argv_ptrs borrow these strings
        // SAFETY: only async-signal-safe libc calls on memory prepared before fork.
        unsafe {
            // Rust's runtime ignores SIGPIPE; the program must get the default back
            // (as std::process::Command does), and the signal mask sockwhy started with.
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::sigprocmask(libc::SIG_SETMASK, &self.sigmask, std::ptr::null_mut());
            if let Some(slave) = self.pty_slave {
                libc::setsid();
                libc::ioctl(slave, libc::TIOCSCTTY, 0);
                libc::dup2(slave, 0);
                libc::dup2(slave, 1);
                libc::dup2(slave, 2);
                if slave > 2 {
                    libc::close(slave);
                }
            }
            libc::raise(libc::SIGSTOP);
            if self.no_new_privs && libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                self.fail();
            }
            if let Some(f) = &self.filter {
                let prog = libc::sock_fprog {
                    len: f.len() as u16,
                    filter: f.as_ptr() as *mut Insn,
                };
                if libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &prog) != 0 {
                    self.fail();
                }
            }
            libc::execv(self.path.as_ptr(), self.argv_ptrs.as_ptr());
            self.fail()
        }
    }

    fn fail(&self) -> ! {
        // SAFETY: errno location and write/_exit are async-signal-safe.
        unsafe {
            let e = *libc::__errno_location();
            let bytes = e.to_ne_bytes();
            libc::write(self.err_pipe, bytes.as_ptr().cast(), bytes.len());
            libc::_exit(127)
        }
    }
}

/// Fork and run `plan` in the child. Returns the child's pid in the parent.
pub fn fork_child(plan: &ChildPlan) -> std::io::Result<i32> {
    // SAFETY: the child only calls `plan.exec`, which is async-signal-safe.
    match unsafe { libc::fork() } {
        -1 => Err(std::io::Error::last_os_error()),
        0 => plan.exec(),
        pid => Ok(pid),
    }
}
