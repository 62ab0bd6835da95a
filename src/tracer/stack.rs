//! -k at a stop: the stopped thread's registers and memory, handed to the stack capturer.

use super::arch;
use super::stop::Stop;
use crate::model::{Pid, RawStack};
use crate::stack::Capturer;

/// Walk the stack of the thread stopped at `stop` (of process `pid`).
pub fn capture(cap: &mut Capturer, pid: Pid, stop: &Stop) -> RawStack {
    cap.capture(pid, arch::stack_regs(stop), &|addr, len| {
        stop.read_mem(addr, len)
    })
}
