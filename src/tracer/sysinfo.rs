//! PTRACE_GET_SYSCALL_INFO: which syscall stop this is, the call and its arguments or its
//! result, and the instruction and stack pointers.
#![allow(unsafe_code)]

use super::stop::Stop;
use nix::unistd::Pid as NixPid;

/// What a syscall stop tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysStop {
    /// Entry (or a seccomp stop, which is at entry): number and arguments.
    Entry {
        /// Architecture (AUDIT_ARCH_*): a 32-bit call on x86_64 is not the native one.
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
    /// Not a syscall stop (a signal-delivery-stop, or the kernel could not tell).
    None,
}

/// A stop's syscall information and where the task is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SysInfo {
    /// Which stop, with the call or its result.
    pub stop: SysStop,
    /// Instruction pointer (after the syscall instruction at a syscall stop).
    pub ip: u64,
    /// Stack pointer.
    pub sp: u64,
}

/// Ask the kernel what syscall stop `stop` is.
pub fn syscall_info(stop: &Stop) -> nix::Result<SysInfo> {
    let info = nix::sys::ptrace::syscall_info(NixPid::from_raw(stop.tid()))?;
    // SAFETY: `op` says which member of the union the kernel filled in.
    let s = unsafe {
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
    Ok(SysInfo {
        stop: s,
        ip: info.instruction_pointer,
        sp: info.stack_pointer,
    })
}
