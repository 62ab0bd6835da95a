//! x86-64: registers through PTRACE_GETREGS/SETREGS, the `syscall` instruction, the
//! rt_sigframe layout.

use crate::tracer::stop::Stop;
use nix::sys::ptrace;
use nix::unistd::Pid as NixPid;

/// AUDIT_ARCH_X86_64 (linux/audit.h): EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
/// seccomp_data.arch and PTRACE_GET_SYSCALL_INFO give it for a native call; a 32-bit
/// `int 0x80` call has another.
pub const AUDIT_ARCH: u32 = 0xc000_003e;

/// Bytes of the `syscall` instruction: to restart a call the kernel moves the
/// instruction pointer back by this much.
pub const SYSCALL_INSN_LEN: u64 = 2;

/// A signal handler starts with the stack pointer at the signal frame (struct
/// rt_sigframe): the handler's return address, 8 bytes, then a ucontext whose mcontext
/// holds the registers the handler's return will restore. glibc's ucontext_t has the
/// kernel's layout up to and including the mcontext.
const FRAME_MCONTEXT: u64 = 8 + std::mem::offset_of!(libc::ucontext_t, uc_mcontext) as u64;

/// Offset in the signal frame of the saved return-value register (rax).
pub const FRAME_RET: u64 = FRAME_MCONTEXT + 8 * libc::REG_RAX as u64;

/// Offset in the signal frame of the saved instruction pointer (rip).
pub const FRAME_IP: u64 = FRAME_MCONTEXT + 8 * libc::REG_RIP as u64;

/// rt_sigreturn is entered after the handler's `ret` popped the return address, so its
/// stack pointer is the frame's address plus this.
pub const SIGRETURN_SP: u64 = 8;

/// At an entry stop: make the call not run (the kernel skips a call numbered -1); the
/// exit stop then sets its result with `set_return`.
pub fn skip_syscall(stop: &Stop) -> nix::Result<()> {
    let pid = NixPid::from_raw(stop.tid());
    let mut regs = ptrace::getregs(pid)?;
    regs.orig_rax = u64::MAX;
    ptrace::setregs(pid, regs)
}

/// At an exit stop: the value the program will see returned.
pub fn set_return(stop: &Stop, value: i64) -> nix::Result<()> {
    let pid = NixPid::from_raw(stop.tid());
    let mut regs = ptrace::getregs(pid)?;
    regs.rax = value as u64;
    ptrace::setregs(pid, regs)
}

/// rip, rsp and rbp of a stopped thread: where a stack walk (-k) starts.
pub fn stack_regs(stop: &Stop) -> Option<crate::stack::Regs> {
    let r = ptrace::getregs(NixPid::from_raw(stop.tid())).ok()?;
    Some(crate::stack::Regs {
        ip: r.rip,
        sp: r.rsp,
        bp: r.rbp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_frame_offsets_match_the_kernel_rt_sigframe() {
        // pretcode (8) + uc_flags (8) + uc_link (8) + uc_stack (24), then r8..r15, rdi,
        // rsi, rbp, rbx, rdx, rax, rcx, rsp, rip (arch/x86/include/uapi/asm/sigcontext.h).
        assert_eq!(FRAME_RET, 48 + 13 * 8);
        assert_eq!(FRAME_IP, 48 + 16 * 8);
    }
}
