//! PTRACE_GET_SYSCALL_INFO: which stop this is, the call and its arguments, the result.
#![allow(unsafe_code)]

use nix::unistd::Pid as NixPid;

/// AUDIT_ARCH_X86_64.
pub const ARCH_X86_64: u32 = 0xc000_003e;

/// What a syscall stop tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysStop {
    /// Entry (or a seccomp stop, which is at entry): number and arguments.
    Entry {
        /// Architecture (AUDIT_ARCH_*): a 32-bit call on x86_64 is not ARCH_X86_64.
        arch: u32,
        /// Syscall number.
        nr: u64,
        /// Argument registers.
        args: [u64; 6],
    },
    /// Exit: the raw return value (negative errno on error).
    Exit {
        /// Return value.
        rval: i64,
    },
    /// Not a syscall stop (or the kernel could not tell).
    None,
}

/// Ask the kernel what syscall stop `tid` is in.
pub fn syscall_stop(tid: i32) -> nix::Result<SysStop> {
    let info = nix::sys::ptrace::syscall_info(NixPid::from_raw(tid))?;
    // SAFETY: `op` says which member of the union the kernel filled in.
    let stop = unsafe {
        match info.op {
            libc::PTRACE_SYSCALL_INFO_ENTRY => SysStop::Entry {
                arch: info.arch,
                nr: info.u.entry.nr,
                args: info.u.entry.args,
            },
            libc::PTRACE_SYSCALL_INFO_SECCOMP => SysStop::Entry {
                arch: info.arch,
                nr: info.u.seccomp.nr,
                args: info.u.seccomp.args,
            },
            libc::PTRACE_SYSCALL_INFO_EXIT => SysStop::Exit {
                rval: info.u.exit.sval,
            },
            _ => SysStop::None,
        }
    };
    Ok(stop)
}

/// Make the syscall at this entry stop not run: the kernel skips a call numbered -1,
/// and the exit stop then sets the result (see `set_return`).
pub fn skip_syscall(tid: i32) -> nix::Result<()> {
    let pid = NixPid::from_raw(tid);
    let mut regs = nix::sys::ptrace::getregs(pid)?;
    regs.orig_rax = u64::MAX;
    nix::sys::ptrace::setregs(pid, regs)
}

/// At an exit stop, set the value the program will see returned.
pub fn set_return(tid: i32, value: i64) -> nix::Result<()> {
    let pid = NixPid::from_raw(tid);
    let mut regs = nix::sys::ptrace::getregs(pid)?;
    regs.rax = value as u64;
    nix::sys::ptrace::setregs(pid, regs)
}

/// PTRACE_LISTEN (not wrapped by nix): leave a SEIZEd tracee in its group-stop while
/// still being told when it is continued, so SIGSTOP/SIGCONT behave as untraced.
pub fn listen(tid: i32) -> nix::Result<()> {
    // SAFETY: PTRACE_LISTEN takes no pointers; addr and data are 0.
    let r = unsafe { libc::ptrace(libc::PTRACE_LISTEN, tid, 0usize, 0usize) };
    if r == -1 {
        Err(nix::errno::Errno::last())
    } else {
        Ok(())
    }
}
