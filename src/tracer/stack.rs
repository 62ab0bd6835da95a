//! -k at a stop: the stopped thread's registers and memory, handed to the stack capturer.

use super::memory::read_tracee;
use crate::model::{Pid, RawStack, Tid};
use crate::stack::{Capturer, Regs};
use nix::unistd::Pid as NixPid;

/// Walk the stack of `tid` (of process `pid`), stopped now.
pub fn capture(cap: &mut Capturer, pid: Pid, tid: Tid) -> RawStack {
    cap.capture(pid, read_regs(tid), &|addr, len| {
        read_tracee(tid, addr, len)
    })
}

/// rip, rsp and rbp: what a walk starts from.
fn read_regs(tid: Tid) -> Option<Regs> {
    let r = nix::sys::ptrace::getregs(NixPid::from_raw(tid)).ok()?;
    Some(Regs {
        ip: r.rip,
        sp: r.rsp,
        bp: r.rbp,
    })
}
